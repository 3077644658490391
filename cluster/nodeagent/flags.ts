import { parseArgs } from "node:util";
import { isRuntimeName, RUNTIME_NAMES, type RuntimeName } from "./runtime_registry.ts";

export interface AgentFlags {
  kubeconfig?: string;
  stateDir: string;
  nodeName: string;
  runtimes: RuntimeName[];
  crashBackoffBaseMs: number;
  crashBackoffMaxMs: number;
  echoContainerLogs: boolean;
  /** undefined: the loopback pool. */
  podCidr?: string;
  installPodRoute: boolean;
}

export const USAGE = `usage: deno run -A cluster/nodeagent/main.ts --state-dir <dir> [options]

  --kubeconfig <path>            kubeconfig to use (default: KUBECONFIG, ~/.kube/config)
  --state-dir <dir>              where pod volumes, scratch dirs and logs live (required)
  --node-name <name>             Node to register as (default flinkop-node-0)
  --runtime <name[,name]>        container runtimes, the first is the default for pods without
                                 a flinkop.dev/runtime annotation: ${RUNTIME_NAMES.join(", ")}
                                 (default sim,real,flinkop; env FLINKOP_NODE_AGENT_RUNTIME)
  --crash-backoff-base-ms <ms>   first CrashLoopBackOff delay (default 10000, like kubelet;
                                 env FLINKOP_NODE_AGENT_CRASH_BACKOFF_BASE_MS)
  --crash-backoff-max-ms <ms>    longest CrashLoopBackOff delay (default 300000;
                                 env FLINKOP_NODE_AGENT_CRASH_BACKOFF_MAX_MS)
  --echo-container-logs          also print container output on stdout
                                 (env FLINKOP_NODE_AGENT_ECHO_CONTAINER_LOGS=1)
  --pod-cidr <cidr>              give pods addresses from this IPv4 CIDR instead of loopback ones,
                                 so EndpointSlices can list them; the range must be local
                                 ("ip route replace local <cidr> dev lo")
                                 (env FLINKOP_NODE_AGENT_POD_CIDR)
  --install-pod-route            let the agent run that ip route command itself (needs
                                 CAP_NET_ADMIN; env FLINKOP_NODE_AGENT_INSTALL_POD_ROUTE=1)`;

export class UsageError extends Error {}

/**
 * The simulator for every Flink pod, real Flink for pods that ask for it by annotation, and the
 * operator's own image (`flinkop`) for the Helm chart's operator pods.
 */
export const DEFAULT_RUNTIMES = "sim,real,flinkop";

/** Parses the command line; flags win over their environment variables. */
export function parseAgentFlags(
  args: string[],
  env: (name: string) => string | undefined = (n) => Deno.env.get(n),
): AgentFlags {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        kubeconfig: { type: "string" },
        "state-dir": { type: "string" },
        "node-name": { type: "string" },
        runtime: { type: "string" },
        "crash-backoff-base-ms": { type: "string" },
        "crash-backoff-max-ms": { type: "string" },
        "echo-container-logs": { type: "boolean" },
        "pod-cidr": { type: "string" },
        "install-pod-route": { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    }).values;
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  if (parsed.help) throw new UsageError("");
  const stateDir = parsed["state-dir"];
  if (!stateDir) throw new UsageError("--state-dir is required");

  const runtimes = (parsed.runtime ?? (env("FLINKOP_NODE_AGENT_RUNTIME") || DEFAULT_RUNTIMES))
    .split(",").map((r) => r.trim()).filter(Boolean);
  for (const name of runtimes) {
    if (!isRuntimeName(name)) {
      throw new UsageError(`unknown runtime "${name}" (known: ${RUNTIME_NAMES.join(", ")})`);
    }
  }
  if (runtimes.length === 0) throw new UsageError("--runtime names no runtime");

  const base = milliseconds(
    "--crash-backoff-base-ms",
    parsed["crash-backoff-base-ms"] ?? env("FLINKOP_NODE_AGENT_CRASH_BACKOFF_BASE_MS"),
    10_000,
  );
  const max = milliseconds(
    "--crash-backoff-max-ms",
    parsed["crash-backoff-max-ms"] ?? env("FLINKOP_NODE_AGENT_CRASH_BACKOFF_MAX_MS"),
    300_000,
  );
  return {
    kubeconfig: parsed.kubeconfig,
    stateDir,
    nodeName: parsed["node-name"] ?? "flinkop-node-0",
    runtimes: runtimes as RuntimeName[],
    crashBackoffBaseMs: base,
    crashBackoffMaxMs: Math.max(max, base),
    echoContainerLogs: parsed["echo-container-logs"] ??
      env("FLINKOP_NODE_AGENT_ECHO_CONTAINER_LOGS") === "1",
    podCidr: parsed["pod-cidr"] ?? (env("FLINKOP_NODE_AGENT_POD_CIDR") || undefined),
    installPodRoute: parsed["install-pod-route"] ??
      env("FLINKOP_NODE_AGENT_INSTALL_POD_ROUTE") === "1",
  };
}

function milliseconds(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined || text === "") return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) {
    throw new UsageError(`${flag} must be a positive integer, got "${text}"`);
  }
  return n;
}
