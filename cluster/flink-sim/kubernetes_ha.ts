import { childPath, type ContainerFs, flinkPathText } from "./container_fs.ts";
import type { HaConfigMap, HaConfigMapStore } from "./ha_store.ts";
import { randomHex } from "./ids.ts";
import type { ClaimMode } from "./flink_options.ts";
import { type FlinkVersion, isAtLeast } from "./version.ts";

/** How a submitted job restores from a savepoint when HA has no checkpoint for it. */
export interface SavepointRestore {
  path: string;
  allowNonRestoredState: boolean;
  claimMode: ClaimMode;
}

/** What the job-graph store keeps of a submitted job, enough to re-run it after a failover. */
export interface StoredJobGraph {
  jobId: string;
  name: string;
  entryClass?: string;
  programArgs: string[];
  parallelism: number;
  /** Job-level configuration on top of the cluster's (e.g. the jar-run flinkConfiguration). */
  configOverrides: Record<string, string>;
  savepointRestore?: SavepointRestore;
  /**
   * Bounds set through `PUT /jobs/:id/resource-requirements`, which Flink persists with the job
   * graph so a recovered job keeps them.
   */
  resourceRequirements?: ParallelismBounds;
}

export interface ParallelismBounds {
  lowerBound: number;
  upperBound: number;
}

export interface HaCheckpointEntry {
  id: number;
  pointer: string;
}

export const LEADER_ANNOTATION = "control-plane.alpha.kubernetes.io/leader";
const LEADER_PREFIX = "org.apache.flink.k8s.leader.";
const CHECKPOINT_PREFIX = "checkpointID-";
const JOB_GRAPH_PREFIXES = ["jobGraph-", "executionPlan-"];

export function clusterConfigMapName(clusterId: string): string {
  return `${clusterId}-cluster-config-map`;
}

export function jobConfigMapName(clusterId: string, jobId: string): string {
  return `${clusterId}-${jobId}-config-map`;
}

/** Checkpoint keys are zero-padded to 19 digits so they sort by id. */
export function checkpointKey(checkpointId: number): string {
  return CHECKPOINT_PREFIX + String(checkpointId).padStart(19, "0");
}

/** Flink 2.x renamed the job graph store to the execution plan store. */
export function jobGraphKey(jobId: string, version: FlinkVersion): string {
  return (isAtLeast(version, 2, 0) ? "executionPlan-" : "jobGraph-") + jobId;
}

/**
 * Flink's Kubernetes HA services for one cluster (1.15+ layout): leader information and the
 * job graph store in `<cluster-id>-cluster-config-map`, one `<cluster-id>-<job-id>-config-map`
 * per job with the completed-checkpoint store and the checkpoint id counter. The ConfigMaps hold
 * pointers; the data lives under `high-availability.storageDir` (job graphs) and in the checkpoint
 * directories.
 */
export class KubernetesHaServices {
  readonly sessionId = crypto.randomUUID();

  constructor(
    private readonly store: HaConfigMapStore,
    readonly clusterId: string,
    private readonly version: FlinkVersion,
    private readonly fs: ContainerFs,
    /** `high-availability.storageDir`, a Flink path. */
    readonly storageDir: string,
  ) {}

  get clusterConfigMap(): string {
    return clusterConfigMapName(this.clusterId);
  }

  /** Where Flink keeps HA blobs of this cluster: `<storageDir>/<cluster-id>`. */
  get clusterStorageDir(): string {
    return childPath(this.storageDir, this.clusterId);
  }

  /**
   * Takes leadership for dispatcher, resource manager and REST endpoint. Leadership is written
   * once and not renewed: renewing every few seconds for a thousand JobManagers would cost more
   * than anything reads from it.
   */
  async acquireLeadership(addresses: { rpcHost: string; restUrl: string }): Promise<void> {
    const now = new Date().toISOString();
    const rpc = this.rpcUrl(addresses.rpcHost);
    await this.store.update(this.clusterConfigMap, (current) => {
      const previous = parseLeaderRecord(current?.annotations[LEADER_ANNOTATION]);
      const transitions = previous ? (previous.leaderTransitions ?? 0) + 1 : 0;
      return {
        annotations: {
          ...current?.annotations,
          [LEADER_ANNOTATION]: JSON.stringify({
            holderIdentity: this.sessionId,
            leaseDuration: 15,
            acquireTime: now,
            renewTime: now,
            leaderTransitions: transitions,
          }),
        },
        data: {
          ...current?.data,
          [LEADER_PREFIX + "dispatcher"]: this.leaderValue(`${rpc}/dispatcher_1`),
          [LEADER_PREFIX + "resourcemanager"]: this.leaderValue(`${rpc}/resourcemanager_0`),
          [LEADER_PREFIX + "restserver"]: this.leaderValue(addresses.restUrl),
        },
      };
    });
  }

  async putJobLeader(jobId: string, rpcHost: string): Promise<void> {
    const address = `${this.rpcUrl(rpcHost)}/jobmanager_2`;
    await this.store.update(this.clusterConfigMap, (current) => ({
      annotations: { ...current?.annotations },
      data: { ...current?.data, [`${LEADER_PREFIX}job-${jobId}`]: this.leaderValue(address) },
    }));
  }

  /** Job ids that have a job graph in the store (the Dispatcher recovers all of them). */
  async jobGraphIds(): Promise<string[]> {
    const cm = await this.store.get(this.clusterConfigMap);
    const ids = new Set<string>();
    for (const key of Object.keys(cm?.data ?? {})) {
      const prefix = JOB_GRAPH_PREFIXES.find((p) => key.startsWith(p));
      if (prefix) ids.add(key.slice(prefix.length));
    }
    return [...ids];
  }

  async putJobGraph(graph: StoredJobGraph): Promise<void> {
    const file = childPath(this.clusterStorageDir, `submittedJobGraph${randomHex(12)}`);
    const hostFile = this.fs.hostPath(file);
    await Deno.mkdir(hostFile.slice(0, hostFile.lastIndexOf("/")), { recursive: true });
    await Deno.writeTextFile(hostFile, JSON.stringify(graph, null, 2) + "\n");
    const pointer = flinkPathText(file);
    await this.store.update(this.clusterConfigMap, (current) => ({
      annotations: { ...current?.annotations },
      data: { ...current?.data, [jobGraphKey(graph.jobId, this.version)]: pointer },
    }));
  }

  /** Reads a stored job graph; a dangling pointer is fatal in Flink, so it throws. */
  async getJobGraph(jobId: string): Promise<StoredJobGraph | undefined> {
    const cm = await this.store.get(this.clusterConfigMap);
    const pointer = JOB_GRAPH_PREFIXES.map((p) => cm?.data[p + jobId]).find((v) => v);
    if (!pointer) return undefined;
    try {
      return JSON.parse(await Deno.readTextFile(this.fs.hostPath(pointer))) as StoredJobGraph;
    } catch (err) {
      throw new Error(
        `Could not retrieve submitted JobGraph from state handle under jobGraph-${jobId}. This ` +
          `indicates that the retrieved state handle is broken. Try cleaning the state handle ` +
          `store. (${pointer}: ${(err as Error).message})`,
      );
    }
  }

  checkpointStore(jobId: string): HaCheckpointStore {
    return new HaCheckpointStore(this.store, jobConfigMapName(this.clusterId, jobId));
  }

  /** Removes a globally terminated job's HA data: its ConfigMap, job graph and leader entry. */
  async cleanupJob(jobId: string): Promise<void> {
    const cm = await this.store.get(this.clusterConfigMap);
    const graphPointers = JOB_GRAPH_PREFIXES.map((p) => cm?.data[p + jobId]).filter((v) => v);
    await this.store.update(this.clusterConfigMap, (current) => {
      if (!current) return undefined;
      const data = { ...current.data };
      for (const prefix of JOB_GRAPH_PREFIXES) delete data[prefix + jobId];
      delete data[`${LEADER_PREFIX}job-${jobId}`];
      return { annotations: current.annotations, data };
    });
    await this.store.delete(jobConfigMapName(this.clusterId, jobId));
    for (const pointer of graphPointers) {
      await Deno.remove(this.fs.hostPath(pointer!)).catch(() => {});
    }
  }

  /** Cluster shutdown (DELETE /cluster, application finished): all HA data goes. */
  async cleanupCluster(jobIds: string[]): Promise<void> {
    for (const jobId of jobIds) await this.store.delete(jobConfigMapName(this.clusterId, jobId));
    await this.store.delete(this.clusterConfigMap);
    await Deno.remove(this.fs.hostPath(this.clusterStorageDir), { recursive: true }).catch(
      () => {},
    );
  }

  private rpcUrl(host: string): string {
    // Flink replaced Akka with Pekko in 1.18.
    const system = isAtLeast(this.version, 1, 18) ? "pekko" : "akka";
    return `${system}.tcp://flink@${host}:6123/user/rpc`;
  }

  private leaderValue(address: string): string {
    return `${this.sessionId},${address}`;
  }
}

/** The completed-checkpoint store and checkpoint id counter of one job. */
export class HaCheckpointStore {
  constructor(private readonly store: HaConfigMapStore, readonly configMapName: string) {}

  async read(): Promise<{ checkpoints: HaCheckpointEntry[]; counter?: number } | undefined> {
    const cm = await this.store.get(this.configMapName);
    if (!cm) return undefined;
    const counter = Number.parseInt(cm.data["counter"] ?? "", 10);
    return {
      checkpoints: checkpointsOf(cm),
      counter: Number.isFinite(counter) ? counter : undefined,
    };
  }

  /** Creates the ConfigMap with the counter when the job starts (Flink does it at JobMaster start). */
  async open(nextCheckpointId: number): Promise<void> {
    await this.store.update(this.configMapName, (current) => {
      const existing = Number.parseInt(current?.data["counter"] ?? "", 10);
      if (Number.isFinite(existing) && existing >= nextCheckpointId) return undefined;
      return {
        annotations: { ...current?.annotations },
        data: { ...current?.data, counter: String(nextCheckpointId) },
      };
    });
  }

  /** Adds a completed checkpoint and drops all but the newest `retained`. */
  async add(entry: HaCheckpointEntry, retained: number, nextCheckpointId: number): Promise<void> {
    await this.store.update(this.configMapName, (current) => {
      const data: Record<string, string> = { ...current?.data };
      data[checkpointKey(entry.id)] = entry.pointer;
      const all = checkpointsOf({ data, annotations: {} });
      for (const old of all.slice(0, Math.max(0, all.length - retained))) {
        delete data[checkpointKey(old.id)];
      }
      const counter = Number.parseInt(data["counter"] ?? "", 10);
      data["counter"] = String(Math.max(Number.isFinite(counter) ? counter : 0, nextCheckpointId));
      return { annotations: { ...current?.annotations }, data };
    });
  }
}

/** Checkpoints in a job ConfigMap, oldest first. */
function checkpointsOf(cm: HaConfigMap): HaCheckpointEntry[] {
  return Object.entries(cm.data)
    .filter(([key]) => key.startsWith(CHECKPOINT_PREFIX))
    .map(([key, pointer]) => ({ id: Number(key.slice(CHECKPOINT_PREFIX.length)), pointer }))
    .filter((e) => Number.isFinite(e.id))
    .sort((a, b) => a.id - b.id);
}

function parseLeaderRecord(text: string | undefined): { leaderTransitions?: number } | undefined {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
