/**
 * `deno task cluster <up|down|status|kubeconfig>`: the local control plane from a shell.
 *
 * stdout carries only machine-usable results (`up` ends with exactly one `KUBECONFIG=<path>`
 * line, `kubeconfig` prints the path), so `eval "$(deno task cluster up)"` works; progress and
 * errors go to stderr.
 */
import {
  COMPONENT_LABELS,
  controlPlaneStatus,
  ensureControlPlane,
  restartApiserver,
  stopControlPlane,
} from "./controlplane.ts";
import { ensureRealFlink } from "./flink-real/dist.ts";
import { RUNTIME_ENV, runtimesPreferring } from "./node_agent_launcher.ts";
import { defaultStateDir } from "./paths.ts";

const USAGE = `usage: deno task cluster <command> [--state-dir <dir>] [--runtime sim|real]

commands:
  up          build the binaries if needed, start (or reuse) the cluster, print KUBECONFIG=<path>;
              --runtime picks what runs Flink pods that carry no flinkop.dev/runtime annotation:
              sim (the simulator, default) or real (real Flink JVMs, assembled from Maven
              Central first); a running cluster's node agent is restarted when it changes
  flink-dist  assemble the real Flink distributions (Java 17 + Maven) and print their homes
  down        stop every cluster process and delete the state directory (binaries stay cached)
  status      show components, pids, ports and node readiness
  kubeconfig  print the admin kubeconfig path
  restart-apiserver
              stop and start kube-apiserver on the same port (for tests of client recovery)`;

async function main(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  let stateDir = defaultStateDir();
  let runtime: "sim" | "real" = "sim";
  for (let i = 0; i < rest.length; i++) {
    const [flag, inline] = rest[i].startsWith("--") && rest[i].includes("=")
      ? [rest[i].slice(0, rest[i].indexOf("=")), rest[i].slice(rest[i].indexOf("=") + 1)]
      : [rest[i], undefined];
    const value = () => inline ?? rest[++i];
    if (flag === "--state-dir") stateDir = value() ?? "";
    else if (flag === "--runtime") {
      const name = value();
      if (name !== "sim" && name !== "real") return usageError(`unknown runtime ${name}`);
      runtime = name;
    } else return usageError(`unknown argument ${rest[i]}`);
  }
  if (!stateDir) return usageError("--state-dir needs a directory");
  switch (command) {
    case "up":
      return await up(stateDir, runtime);
    case "flink-dist":
      for (const home of await ensureRealFlink()) console.log(home.dir);
      return 0;
    case "down":
      await stopControlPlane(stateDir);
      console.error(`cluster: stopped; removed ${stateDir}`);
      return 0;
    case "status":
      return await status(stateDir);
    case "kubeconfig":
      return await kubeconfig(stateDir);
    case "restart-apiserver":
      await restartApiserver(stateDir);
      return 0;
    case "help":
    case "--help":
    case "-h":
      console.log(USAGE);
      return 0;
    default:
      return usageError(command ? `unknown command ${command}` : "missing command");
  }
}

async function up(stateDir: string, runtime: "sim" | "real"): Promise<number> {
  const started = performance.now();
  // Before the cluster: the assembly needs Maven Central, which a test network may not reach.
  if (runtime === "real") await ensureRealFlink();
  Deno.env.set(RUNTIME_ENV, runtimesPreferring(runtime));
  const cluster = await ensureControlPlane({ stateDir });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const how = cluster.reused ? "reused the running cluster" : "cluster started";
  const node = cluster.nodeAgent === "ready" ? `, Node ${cluster.nodeName} Ready` : "";
  console.error(`cluster: ${how} in ${seconds}s (${cluster.server}${node})`);
  console.log(`KUBECONFIG=${cluster.adminKubeconfig}`);
  return 0;
}

async function status(stateDir: string): Promise<number> {
  const s = await controlPlaneStatus(stateDir);
  if (!s.exists) {
    console.log(`no cluster in ${stateDir}; start one with: deno task cluster up`);
    return 1;
  }
  const lines = [
    `state dir:   ${s.stateDir}`,
    `binaries:    ${s.binDir}`,
    `apiserver:   ${s.server} (${s.apiserverReady ? "ready" : "NOT ready"})`,
    `etcd:        http://127.0.0.1:${s.ports?.etcdClient} (peer port ${s.ports?.etcdPeer})`,
    "",
    "component                 pid      state     log",
  ];
  for (const c of s.components) {
    const state = c.pid === undefined ? "-" : c.running ? "running" : "EXITED";
    lines.push(
      `${COMPONENT_LABELS[c.name].padEnd(25)} ${String(c.pid ?? "-").padEnd(8)} ` +
        `${state.padEnd(9)} ${c.log ?? ""}`,
    );
  }
  lines.push(
    "",
    `node:        ${s.nodeName} Ready=${s.nodeReady}`,
    `pods:        ${s.podCidr ?? "loopback addresses (127.1.x.y; Services get no endpoints)"}` +
      (s.foreignNetns ? `, in ${s.foreignNetns}` : ""),
    "",
    "use it with:",
    `  export KUBECONFIG=${s.adminKubeconfig}`,
    "  kubectl get nodes,pods -A",
  );
  console.log(lines.join("\n"));
  const healthy = s.apiserverReady &&
    s.components.every((c) => c.pid === undefined || c.running);
  return healthy ? 0 : 1;
}

async function kubeconfig(stateDir: string): Promise<number> {
  const s = await controlPlaneStatus(stateDir);
  if (!s.exists || !s.adminKubeconfig) {
    console.error(`cluster: no cluster in ${stateDir}; run: deno task cluster up`);
    return 1;
  }
  console.log(s.adminKubeconfig);
  return 0;
}

function usageError(message: string): number {
  console.error(`cluster: ${message}\n${USAGE}`);
  return 2;
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (err) {
    // Multi-line details (a component's log tail) follow the one-line reason.
    const message = err instanceof Error ? err.message : String(err);
    console.error(`cluster: error: ${message}`);
    Deno.exit(1);
  }
}
