/**
 * A real ZooKeeper server (standalone, `ZooKeeperServerMain`) on a free port of this network
 * namespace's loopback, for tests and by hand:
 *
 *   await using zk = await startZooKeeperServer();   // zk.connectString = "127.0.0.1:<port>"
 *
 *   deno run -A cluster/zookeeper/server.ts          # prints the connect string, Ctrl-C stops
 *
 * The JVM runs under a small shell that stops it when its stdin closes: `stop()` closes it, and so
 * does the death of the process that started it, so a crashed test leaves no server behind.
 * Its data directory (a temporary one unless given) goes with `stop()`; the log stays beside it
 * until then and is quoted when the server does not come up.
 */
import { freeLoopbackPort } from "../free_port.ts";
import { tailFile } from "../detached_process.ts";
import { requireToolchain } from "../flink-real/toolchain.ts";
import { connectZooKeeper } from "../../lib/zookeeper/client.ts";
import { ensureZooKeeper } from "./dist.ts";

export interface ZooKeeperServerOptions {
  /** Default a free port on 127.0.0.1. */
  port?: number;
  /** Where data, config and log go; default a new temporary directory, removed on stop. */
  dir?: string;
  /** ZooKeeper's tick (default 2000 ms): sessions may last 2 to 20 ticks. */
  tickTimeMs?: number;
  /** How long to wait for the first session (default 30 s). */
  startTimeoutMs?: number;
}

export interface ZooKeeperServer extends AsyncDisposable {
  host: string;
  port: number;
  /** `127.0.0.1:<port>`, what `high-availability.zookeeper.quorum` takes. */
  connectString: string;
  dir: string;
  log: string;
  /** Milliseconds from spawn to the first session answered. */
  startupMs: number;
  /** Stops the server (SIGTERM through its watchdog), waits for it, removes a temporary dir. */
  stop(): Promise<void>;
}

const HOST = "127.0.0.1";

/**
 * Runs the JVM in the background and waits on stdin: EOF (stop(), or the starter's death) sends
 * SIGTERM; the shell's exit status is the JVM's.
 */
const WATCHDOG = [
  'log=$1; shift; "$@" </dev/null >>"$log" 2>&1 & server=$!',
  // A background job's stdin is /dev/null unless redirected explicitly: hand it ours as fd 3.
  'exec 3<&0; (cat <&3 >/dev/null; kill -TERM "$server" 2>/dev/null) &',
  'wait "$server"',
].join("\n");

export async function startZooKeeperServer(
  opts: ZooKeeperServerOptions = {},
): Promise<ZooKeeperServer> {
  const dist = await ensureZooKeeper();
  const { java } = await requireToolchain(false);
  const temporary = opts.dir === undefined;
  const dir = opts.dir ?? await Deno.makeTempDir({ prefix: "flinkop-zookeeper-" });
  const port = opts.port ?? freeLoopbackPort();
  const log = `${dir}/zookeeper.log`;
  await Deno.mkdir(`${dir}/data`, { recursive: true });
  await Deno.writeTextFile(
    `${dir}/zoo.cfg`,
    [
      `tickTime=${opts.tickTimeMs ?? 2000}`,
      `dataDir=${dir}/data`,
      `clientPort=${port}`,
      `clientPortAddress=${HOST}`,
      "maxClientCnxns=0",
      "admin.enableServer=false",
      "4lw.commands.whitelist=ruok,srvr,stat",
      "",
    ].join("\n"),
  );
  const started = performance.now();
  const child = new Deno.Command("/bin/sh", {
    args: [
      "-c",
      WATCHDOG,
      "sh",
      log,
      java,
      "-Xmx64m",
      "-XX:+UseSerialGC",
      "-XX:TieredStopAtLevel=1",
      "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
      "-Dorg.slf4j.simpleLogger.showDateTime=true",
      "-Dzookeeper.admin.enableServer=false",
      "-cp",
      `${dist.lib}/*`,
      "org.apache.zookeeper.server.ZooKeeperServerMain",
      `${dir}/zoo.cfg`,
    ],
    stdin: "piped",
    stdout: "null",
    stderr: "null",
  }).spawn();
  const stdin = child.stdin.getWriter();
  let exited: Deno.CommandStatus | undefined;
  const status = child.status.then((s) => (exited = s));

  let stopped: Promise<void> | undefined;
  const stop = () =>
    stopped ??= (async () => {
      await stdin.close().catch(() => {});
      await status;
      if (temporary) await Deno.remove(dir, { recursive: true }).catch(() => {});
    })();

  const deadline = Date.now() + (opts.startTimeoutMs ?? 30_000);
  const connectString = `${HOST}:${port}`;
  while (true) {
    if (exited) {
      const tail = await tailFile(log);
      await stop();
      throw new Error(
        `ZooKeeper ${dist.version} exited (code ${exited.code}) before answering on ` +
          `${connectString}; last lines of ${log}:\n${tail}`,
      );
    }
    try {
      // Another process on the port would answer too: ours has bound it once it wrote its
      // first snapshot, which it does after binding and before serving.
      if (!await hasSnapshot(`${dir}/data`)) throw new Error("no snapshot written yet");
      const zk = await connectZooKeeper({
        connectString,
        connectTimeoutMs: 1000,
        requestTimeoutMs: 1000,
        sessionTimeoutMs: 4 * (opts.tickTimeMs ?? 2000),
      });
      await zk.close();
      break;
    } catch (err) {
      if (Date.now() > deadline) {
        const tail = await tailFile(log);
        await stop();
        throw new Error(
          `ZooKeeper ${dist.version} did not answer on ${connectString} within ` +
            `${opts.startTimeoutMs ?? 30_000} ms (${
              (err as Error).message
            }); last lines of ${log}:\n${tail}`,
        );
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    host: HOST,
    port,
    connectString,
    dir,
    log,
    startupMs: Math.round(performance.now() - started),
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

async function hasSnapshot(dataDir: string): Promise<boolean> {
  try {
    for await (const entry of Deno.readDir(`${dataDir}/version-2`)) {
      if (entry.name.startsWith("snapshot.")) return true;
    }
  } catch {
    // not created yet
  }
  return false;
}

if (import.meta.main) {
  const server = await startZooKeeperServer();
  console.log(
    `ZooKeeper on ${server.connectString} (ready in ${server.startupMs} ms, ${server.dir})`,
  );
  console.log("Ctrl-C stops it");
  Deno.addSignalListener("SIGINT", async () => {
    await server.stop();
    Deno.exit(0);
  });
}
