import type { KubeClient } from "../lib/kube/client.ts";
import { Resources } from "../lib/kube/resource.ts";
import { isRunning, type ProcessRecord, spawnDetached, tailFile } from "./detached_process.ts";
import { digestFiles, filesUnder } from "./file_digest.ts";
import { repoRoot } from "./paths.ts";
import { DEFAULT_RUNTIMES } from "./nodeagent/flags.ts";

/**
 * Starting and supervising the node agent (cluster/nodeagent/, owned by its own engineer): the
 * stand-in kubelet that makes pods on the one Node `flinkop-node-0` run.
 */

/**
 * The control plane is up but the node agent is not: callers that need no running pods (most
 * integration tests) can still proceed, everything else should fail.
 */
export class NodeAgentNotReadyError extends Error {
  override name = "NodeAgentNotReadyError";
}

export const nodeAgentEntry = `${repoRoot}/cluster/nodeagent/main.ts`;

/** Source trees the agent may load at run time without importing them statically. */
const AGENT_SOURCE_DIRS = [
  "cluster/nodeagent",
  "cluster/flink-sim",
  "cluster/flink-real",
  "cluster/flinkop-image",
];

/** Environment variable that `cluster up --runtime` and `demo --runtime` set for the agent. */
export const RUNTIME_ENV = "FLINKOP_NODE_AGENT_RUNTIME";

/**
 * The agent's `--runtime` list: the chosen runtime first (the default for pods without a
 * flinkop.dev/runtime annotation), the other one loaded too so annotated pods can use it.
 */
export function nodeAgentRuntimes(): string {
  return Deno.env.get(RUNTIME_ENV) || DEFAULT_RUNTIMES;
}

/** `real` → `real,sim,flinkop`: the runtime list for a default Flink runtime. */
export function runtimesPreferring(name: "sim" | "real"): string {
  return name === "real" ? "real,sim,flinkop" : "sim,real,flinkop";
}

export async function nodeAgentExists(): Promise<boolean> {
  try {
    return (await Deno.stat(nodeAgentEntry)).isFile;
  } catch {
    return false;
  }
}

/**
 * A digest of every local file the agent runs, and of its runtime selection: its static module
 * graph (which reaches into lib/) plus the agent and runtime directories (loaded dynamically). A
 * running agent whose digest differs is stale and gets restarted, so tests never exercise old
 * agent code and `cluster up --runtime real` takes effect on a running cluster.
 */
export async function nodeAgentSourceHash(): Promise<string> {
  const files = new Set<string>();
  for (const dir of AGENT_SOURCE_DIRS) await filesUnder(`${repoRoot}/${dir}`, files);
  for (const file of await staticModuleGraph(nodeAgentEntry)) files.add(file);
  for (const config of ["deno.json", "deno.lock"]) files.add(`${repoRoot}/${config}`);
  return await digestFiles(files, `runtimes=${nodeAgentRuntimes()}`);
}

/** Local files `entry` imports, transitively; empty when deno cannot resolve the graph. */
async function staticModuleGraph(entry: string): Promise<string[]> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", entry],
    cwd: repoRoot,
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).output();
  if (!output.success) return [];
  try {
    const info = JSON.parse(new TextDecoder().decode(output.stdout)) as {
      modules?: { specifier?: string }[];
    };
    return (info.modules ?? [])
      .map((m) => m.specifier ?? "")
      .filter((s) => s.startsWith("file://"))
      .map((s) => decodeURIComponent(new URL(s).pathname));
  } catch {
    return [];
  }
}

export function startNodeAgent(opts: {
  kubeconfig: string;
  stateDir: string;
  nodeName: string;
  log: string;
  /** Pod addresses from this (already local) CIDR; undefined: the loopback pool. */
  podCidr?: string;
}): ProcessRecord {
  return spawnDetached(
    Deno.execPath(),
    [
      "run",
      "-A",
      nodeAgentEntry,
      "--kubeconfig",
      opts.kubeconfig,
      "--state-dir",
      opts.stateDir,
      "--node-name",
      opts.nodeName,
      ...(opts.podCidr ? ["--pod-cidr", opts.podCidr] : []),
      "--runtime",
      nodeAgentRuntimes(),
    ],
    {
      log: opts.log,
      cwd: repoRoot,
      commandMatch: nodeAgentEntry,
      // The cluster decided the pod network (its controllers depend on it): an inherited
      // FLINKOP_NODE_AGENT_POD_CIDR must not give the agent another one.
      env: { FLINKOP_NODE_AGENT_POD_CIDR: opts.podCidr ?? "" },
    },
  );
}

interface NodeCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastHeartbeatTime?: string;
  lastTransitionTime?: string;
}

interface NodeObject {
  metadata: { name?: string };
  status?: { conditions?: NodeCondition[] };
  [extra: string]: unknown;
}

/** The Node's Ready condition, or undefined when the Node does not exist (yet). */
export async function nodeReadyCondition(
  client: KubeClient,
  nodeName: string,
): Promise<NodeCondition | undefined> {
  const node = await client.get<NodeObject>(Resources.nodes, undefined, nodeName);
  if (!node) return undefined;
  return node.status?.conditions?.find((c) => c.type === "Ready") ?? {
    type: "Ready",
    status: "Unknown",
    reason: "NoReadyCondition",
  };
}

/**
 * Before a restarted agent takes over, mark the Node's readiness Unknown (as the node lifecycle
 * controller does when a kubelet stops posting status), so waiting for Ready waits for the *new*
 * agent instead of seeing the old one's last report.
 */
export async function markNodeUnknown(client: KubeClient, nodeName: string): Promise<void> {
  const existing = await nodeReadyCondition(client, nodeName);
  if (!existing) return;
  const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  await client.patch(
    Resources.nodes,
    undefined,
    nodeName,
    {
      status: {
        conditions: [{
          type: "Ready",
          status: "Unknown",
          reason: "NodeAgentRestarting",
          message: "cluster tooling restarted the node agent",
          lastHeartbeatTime: now,
          lastTransitionTime: now,
        }],
      },
    },
    "strategic",
    { subresource: "status" },
  );
}

/** Waits until the Node reports Ready=True; fails early (with its log) if the agent dies. */
export async function waitForNodeReady(
  client: KubeClient,
  nodeName: string,
  agent: ProcessRecord,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "the Node does not exist";
  while (Date.now() < deadline) {
    if (!isRunning(agent)) {
      throw new NodeAgentNotReadyError(
        `node agent (pid ${agent.pid}) exited before Node ${nodeName} became Ready; ` +
          `last lines of ${agent.log}:\n${await tailFile(agent.log)}`,
      );
    }
    try {
      const ready = await nodeReadyCondition(client, nodeName);
      if (ready?.status === "True") return;
      if (ready) last = `Ready=${ready.status} (${ready.reason ?? "no reason"})`;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new NodeAgentNotReadyError(
    `Node ${nodeName} not Ready after ${timeoutMs / 1000}s: ${last}; ` +
      `last lines of ${agent.log}:\n${await tailFile(agent.log)}`,
  );
}
