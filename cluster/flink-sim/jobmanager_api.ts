import type { CheckpointStatsView } from "./checkpoint_json.ts";
import type { ContainerFs } from "./container_fs.ts";
import type { ExecutionGraphViews } from "./job_json.ts";
import type { JobViewCache } from "./rest_cache.ts";
import type { Faults } from "./faults.ts";
import type { FlinkConfig } from "./flink_config.ts";
import type { JarStore } from "./jar_store.ts";
import type { SimJob } from "./job.ts";
import type { ParallelismBounds, StoredJobGraph } from "./kubernetes_ha.ts";
import type { ClusterMode } from "./launch.ts";
import type { AsyncOperations } from "./operations.ts";
import type { RegisteredTaskManager } from "./taskmanager_registry.ts";
import type { SimTimings } from "./timings.ts";
import type { ProcessTimers } from "./timers.ts";
import type { FlinkVersion } from "./version.ts";

/** The cached job views (rest_cache.ts). */
export interface JobViewCaches {
  executionGraph: JobViewCache<ExecutionGraphViews>;
  checkpointStats: JobViewCache<CheckpointStatsView>;
}

/** What the REST handlers need from a running JobManager. */
export interface JobManagerApi {
  readonly viewCaches: JobViewCaches;
  readonly config: FlinkConfig;
  readonly version: FlinkVersion;
  readonly mode: ClusterMode;
  readonly restUrl: string;
  readonly fs: ContainerFs;
  readonly timings: SimTimings;
  readonly timers: ProcessTimers;
  readonly operations: AsyncOperations;
  readonly jars: JarStore;
  readonly namespace: string;
  readonly podName: string;
  log(message: string): void;
  faults(): Faults;
  jobs(): SimJob[];
  /** The job, or a 404 RestError like Flink's FlinkJobNotFoundException. */
  job(jobId: string): SimJob;
  /** The job, or undefined; a malformed id is a 400 RestError. */
  findJob(jobId: string): SimJob | undefined;
  /** Submits a job (session mode); a duplicate job id is a 409 RestError. */
  submitJob(graph: StoredJobGraph): Promise<SimJob>;
  /** `PUT /jobs/:id/resource-requirements` once validated: persisted (HA), then applied. */
  updateResourceRequirements(job: SimJob, bounds: ParallelismBounds): Promise<void>;
  taskManagers(): RegisteredTaskManager[];
  slotsPerTaskManager(): number;
  /** DELETE /cluster: the process exits after the response is sent. */
  shutDownCluster(): void;
}
