/**
 * The local cluster's stand-in for an artifact repository: serves job jars over HTTP on loopback
 * so that examples/session-job.yaml works as written (`jarURI: http://127.0.0.1:8099/counter.jar`)
 * without the internet. `deno task demo` starts it; tests start it too.
 *
 * It serves the counter job (cluster/flink-real/jobs/counter): `/<line>/counter.jar` as built for
 * each assembled real Flink release line (e.g. `/2.2/counter.jar`), and `/counter.jar` as built
 * for the first one (1.20, the examples' version). Without an assembled real Flink, `/counter.jar`
 * is a stand-in that the simulator accepts (it runs any jar).
 */
import { flinkHomeDir } from "./flink-real/dist.ts";
import { REAL_FLINK_RELEASES } from "./flink-real/versions.ts";

export const ARTIFACT_PORT = 8099;
export const COUNTER_JAR_URL = `http://127.0.0.1:${ARTIFACT_PORT}/counter.jar`;

/** A zip end-of-central-directory record: the smallest valid jar. */
const STAND_IN_JAR = new Uint8Array([0x50, 0x4b, 0x05, 0x06, ...new Array(18).fill(0)]);

export interface ArtifactServer extends AsyncDisposable {
  readonly url: string;
  /** What it serves, e.g. `/counter.jar`, `/1.20/counter.jar`. */
  readonly paths: readonly string[];
  close(): Promise<void>;
}

export async function startArtifactServer(
  opts: { port?: number; signal?: AbortSignal } = {},
): Promise<ArtifactServer> {
  const port = opts.port ?? ARTIFACT_PORT;
  const jars = await counterJars();
  let server: Deno.HttpServer;
  try {
    server = Deno.serve({
      hostname: "127.0.0.1",
      port,
      signal: opts.signal,
      onListen: () => {},
    }, (req) => {
      const path = new URL(req.url).pathname;
      if (req.method !== "GET" && req.method !== "HEAD") {
        return new Response("only GET", { status: 405 });
      }
      const bytes = jars.get(path);
      if (!bytes) return new Response("not found", { status: 404 });
      return new Response(req.method === "HEAD" ? null : bytes, {
        headers: { "content-type": "application/java-archive" },
      });
    });
  } catch (err) {
    if (err instanceof Deno.errors.AddrInUse) {
      throw new Error(
        `port ${port} on 127.0.0.1 is in use, so the job jar of examples/session-job.yaml cannot ` +
          "be served; stop what listens there (another demo?) and try again",
      );
    }
    throw err;
  }
  return {
    url: `http://127.0.0.1:${port}/counter.jar`,
    paths: [...jars.keys()],
    close: () => server.shutdown(),
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

/** Jars by URL path: each assembled release's build, and `/counter.jar`. */
async function counterJars(): Promise<Map<string, Uint8Array<ArrayBuffer>>> {
  const jars = new Map<string, Uint8Array<ArrayBuffer>>();
  for (const release of REAL_FLINK_RELEASES) {
    try {
      const bytes = await Deno.readFile(`${flinkHomeDir(release)}/examples/counter.jar`);
      jars.set(`/${release.line}/counter.jar`, bytes);
      if (!jars.has("/counter.jar")) jars.set("/counter.jar", bytes);
    } catch {
      // This release is not assembled.
    }
  }
  if (!jars.has("/counter.jar")) jars.set("/counter.jar", STAND_IN_JAR);
  return jars;
}

/**
 * Operator settings under which examples/session-job.yaml fetches its jar from this server: http
 * from a loopback host allowed (FKO's defaults accept only https from public hosts), and a
 * writable artifacts directory.
 */
export function artifactSettings(baseDir: string): Record<string, string> {
  return {
    "kubernetes.operator.user.artifacts.allowed-schemes": "https,http",
    "kubernetes.operator.user.artifacts.disallow-restricted-hosts": "false",
    "kubernetes.operator.user.artifacts.base.dir": baseDir,
  };
}
