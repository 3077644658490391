/**
 * Enumerations of the `flink.apache.org/v1beta1` API with their exact JSON values.
 *
 * The value lists are ordered as the Java enums declare them, because validation messages and
 * the CRD list them in this order and `FLINK_VERSIONS` order is the version order.
 */
import { z } from "zod";

export const UPGRADE_MODES = ["savepoint", "last-state", "stateless"] as const;
export const UpgradeModeSchema = z.enum(UPGRADE_MODES);
export type UpgradeMode = z.infer<typeof UpgradeModeSchema>;

export const JOB_STATES = ["running", "suspended"] as const;
export const JobStateSchema = z.enum(JOB_STATES);
/** Desired (spec) or recorded (lastReconciledSpec) state of a job. */
export type JobState = z.infer<typeof JobStateSchema>;

export const KUBERNETES_DEPLOYMENT_MODES = ["native", "standalone"] as const;
export const KubernetesDeploymentModeSchema = z.enum(KUBERNETES_DEPLOYMENT_MODES);
export type KubernetesDeploymentMode = z.infer<typeof KubernetesDeploymentModeSchema>;

export const FLINK_VERSIONS = [
  "v1_13",
  "v1_14",
  "v1_15",
  "v1_16",
  "v1_17",
  "v1_18",
  "v1_19",
  "v1_20",
  "v2_0",
  "v2_1",
  "v2_2",
  "v2_3",
  "v2_4",
] as const;
export const FlinkVersionSchema = z.enum(FLINK_VERSIONS);
export type FlinkVersion = z.infer<typeof FlinkVersionSchema>;

/** Oldest version the operator deploys; older ones are rejected by validation. */
export const OLDEST_SUPPORTED_FLINK_VERSION: FlinkVersion = "v1_15";
/** Versions up to and including this one still work but get a deprecation warning. */
export const NEWEST_DEPRECATED_FLINK_VERSION: FlinkVersion = "v1_18";

/** True when `version` is the same as or newer than `minimum`. */
export function isFlinkVersionAtLeast(version: FlinkVersion, minimum: FlinkVersion): boolean {
  return FLINK_VERSIONS.indexOf(version) >= FLINK_VERSIONS.indexOf(minimum);
}

export const JOB_KINDS = ["FlinkDeployment", "FlinkSessionJob"] as const;
export const JobKindSchema = z.enum(JOB_KINDS);
export type JobKind = z.infer<typeof JobKindSchema>;

export const JOB_MANAGER_DEPLOYMENT_STATUSES = [
  "READY",
  "DEPLOYED_NOT_READY",
  "DEPLOYING",
  "MISSING",
  "ERROR",
] as const;
export const JobManagerDeploymentStatusSchema = z.enum(JOB_MANAGER_DEPLOYMENT_STATUSES);
export type JobManagerDeploymentStatus = z.infer<typeof JobManagerDeploymentStatusSchema>;

/** Condition reason FKO reports for each JobManager deployment status (session clusters). */
export const JOB_MANAGER_DEPLOYMENT_STATUS_REASONS: Readonly<
  Record<JobManagerDeploymentStatus, string>
> = {
  READY: "JobManagerReady",
  DEPLOYED_NOT_READY: "DeployedNotReady",
  DEPLOYING: "JobManagerIsDeploying",
  MISSING: "JobManagerDeploymentMissing",
  ERROR: "Error",
};

export const RECONCILIATION_STATES = [
  "DEPLOYED",
  "UPGRADING",
  "ROLLING_BACK",
  "ROLLED_BACK",
] as const;
export const ReconciliationStateSchema = z.enum(RECONCILIATION_STATES);
export type ReconciliationState = z.infer<typeof ReconciliationStateSchema>;

export const RESOURCE_LIFECYCLE_STATES = [
  "CREATED",
  "SUSPENDED",
  "UPGRADING",
  "DEPLOYED",
  "STABLE",
  "ROLLING_BACK",
  "ROLLED_BACK",
  "FAILED",
  "DELETING",
  "DELETED",
] as const;
export const ResourceLifecycleStateSchema = z.enum(RESOURCE_LIFECYCLE_STATES);
export type ResourceLifecycleState = z.infer<typeof ResourceLifecycleStateSchema>;

export const SNAPSHOT_STATES = [
  "COMPLETED",
  "FAILED",
  "IN_PROGRESS",
  "TRIGGER_PENDING",
  "ABANDONED",
] as const;
export const SnapshotStateSchema = z.enum(SNAPSHOT_STATES);
/** `FlinkStateSnapshot.status.state`. */
export type SnapshotState = z.infer<typeof SnapshotStateSchema>;

export const SNAPSHOT_TRIGGER_TYPES = ["MANUAL", "PERIODIC", "UPGRADE", "UNKNOWN"] as const;
export const SnapshotTriggerTypeSchema = z.enum(SNAPSHOT_TRIGGER_TYPES);
export type SnapshotTriggerType = z.infer<typeof SnapshotTriggerTypeSchema>;

/** Values of the `snapshot.type` label on FlinkStateSnapshot resources. */
export const SNAPSHOT_TYPES = ["SAVEPOINT", "CHECKPOINT"] as const;
export type SnapshotType = (typeof SNAPSHOT_TYPES)[number];

export const CHECKPOINT_TYPES = ["FULL", "INCREMENTAL", "UNKNOWN"] as const;
export const CheckpointTypeSchema = z.enum(CHECKPOINT_TYPES);
export type CheckpointType = z.infer<typeof CheckpointTypeSchema>;

export const SAVEPOINT_FORMAT_TYPES = ["CANONICAL", "NATIVE", "UNKNOWN"] as const;
export const SavepointFormatTypeSchema = z.enum(SAVEPOINT_FORMAT_TYPES);
export type SavepointFormatType = z.infer<typeof SavepointFormatTypeSchema>;

/**
 * Flink's own job states as reported by the REST API, plus `RECONCILING` which the operator
 * writes while the state is unknown. `status.jobStatus.state` is a plain string on the wire (as
 * in FKO's CRD), so these are a reference list rather than a parse-time constraint.
 */
export const FLINK_JOB_STATES = [
  "INITIALIZING",
  "CREATED",
  "RUNNING",
  "FAILING",
  "FAILED",
  "CANCELLING",
  "CANCELED",
  "FINISHED",
  "RESTARTING",
  "SUSPENDED",
  "RECONCILING",
] as const;
export type FlinkJobState = (typeof FLINK_JOB_STATES)[number];

/** Job states after which Flink will never run the job again. */
export const GLOBALLY_TERMINAL_FLINK_JOB_STATES: readonly FlinkJobState[] = [
  "FAILED",
  "CANCELED",
  "FINISHED",
];

/** FAILED, CANCELED or FINISHED: the job will not change state by itself any more. */
export function isGloballyTerminal(state: string | undefined): boolean {
  return state !== undefined &&
    (GLOBALLY_TERMINAL_FLINK_JOB_STATES as readonly string[]).includes(state);
}
