/**
 * What a snapshot needs to know about the job it references, whatever kind of resource runs the
 * job. The snapshot controller only talks to this interface; each job kind (FlinkDeployment now,
 * FlinkSessionJob later) plugs in a resolver.
 */
import type { FlinkVersion, JobKind } from "../../api/enums.ts";
import type { FlatConfig } from "../../config/option.ts";
import type { KubeObject, ResourceType } from "../../kube/resource.ts";
import type { Store } from "../../runtime/store.ts";

export interface SnapshotJob {
  readonly kind: JobKind;
  readonly namespace: string;
  readonly name: string;
  /**
   * The FlinkDeployment whose JobManager REST API serves the job: the deployment itself, or the
   * session cluster of a session job.
   */
  readonly clusterId: string;
  /** Effective configuration of the job: savepoint directory, `rest.port`, operator options. */
  readonly config: FlatConfig;
  readonly flinkVersion?: FlinkVersion;
  readonly jobId?: string;
  /** Flink job state as the job's controller last observed it (`status.jobStatus.state`). */
  readonly jobState?: string;
}

/** FKO's "job is running" test: only a RUNNING job can take or dispose of savepoints. */
export function isJobRunning(job: SnapshotJob | undefined): job is SnapshotJob & { jobId: string } {
  return job !== undefined && job.jobState === "RUNNING" && !!job.jobId;
}

export function describeJob(job: { kind: string; name?: string }): string {
  return `${job.kind} ${job.name ?? "(unnamed)"}`;
}

/** Read access to the controller's watch caches. */
export interface CacheLookup {
  cache<S extends KubeObject>(type: ResourceType): Store<S>;
}

/** Identity of a referenced job: `<namespace>/<kind>/<name>`. */
export type JobKey = string;

export function jobKey(namespace: string, kind: string, name: string): JobKey {
  return `${namespace}/${kind}/${name}`;
}

/** Finds the jobs of one kind. */
export interface SnapshotJobResolver {
  readonly kind: JobKind;
  /** Resource types whose changes can change a resolution; the controller watches them. */
  readonly watches: readonly ResourceType[];
  /**
   * The keys whose snapshots may need a pass when `obj` (of the watched `type`) changed: the
   * jobs it is, or — for a session cluster — the cluster key its session jobs' snapshots are
   * also indexed under (`<ns>/FlinkDeployment/<name>`).
   */
  jobsAffectedBy(obj: KubeObject, type: ResourceType): JobKey[];
  /** The job `name` in `namespace`, or undefined when its resource does not exist. */
  resolve(caches: CacheLookup, namespace: string, name: string): SnapshotJob | undefined;
}
