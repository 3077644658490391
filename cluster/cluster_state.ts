import { z } from "zod";

/**
 * `<stateDir>/cluster.json`: what `cluster up` started, so a later `up` can reuse it and `down`
 * can stop exactly those processes. Written after every process start, so even a half-started
 * cluster can be torn down.
 */
const processRecord = z.object({
  pid: z.number().int().positive(),
  commandMatch: z.string(),
  log: z.string(),
  startedAt: z.string(),
});

const clusterState = z.object({
  version: z.literal(1),
  binDir: z.string(),
  nodeName: z.string(),
  ports: z.object({
    etcdClient: z.number().int(),
    etcdPeer: z.number().int(),
    apiserver: z.number().int(),
  }),
  server: z.string(),
  adminKubeconfig: z.string(),
  nodeAgentKubeconfig: z.string(),
  /** Where pod addresses come from; absent: the node agent's loopback pool. */
  podCidr: z.string().optional(),
  processes: z.object({
    etcd: processRecord.optional(),
    apiserver: processRecord.optional(),
    controllerManager: processRecord.optional(),
    nodeAgent: processRecord.extend({ sourceHash: z.string() }).optional(),
  }),
});

export type ClusterState = z.infer<typeof clusterState>;
export type ComponentName = keyof ClusterState["processes"];

export const stateFile = (stateDir: string): string => `${stateDir}/cluster.json`;

/** The recorded state, or undefined when there is none or it is unreadable (then: start over). */
export async function readClusterState(stateDir: string): Promise<ClusterState | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(stateFile(stateDir));
  } catch {
    return undefined;
  }
  try {
    const parsed = clusterState.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export async function writeClusterState(stateDir: string, state: ClusterState): Promise<void> {
  // Write-then-rename so a concurrent reader (cluster status) never sees half a file.
  const tmp = `${stateFile(stateDir)}.tmp`;
  await Deno.writeTextFile(tmp, JSON.stringify(state, null, 2) + "\n");
  await Deno.rename(tmp, stateFile(stateDir));
}
