/**
 * FlinkStateSnapshot support: the snapshot controller, the kind-agnostic pieces the job
 * controllers use to take, record and clean up snapshots, and the legacy status bookkeeping.
 */
export * from "./availability.ts";
export * from "./controller.ts";
export * from "./deployment_job.ts";
export * from "./session_job_job.ts";
export * from "./history.ts";
export * from "./job_target.ts";
export * from "./labels.ts";
export * from "./legacy_status.ts";
export * from "./options.ts";
export * from "./snapshot_resource.ts";
export * from "./snapshot_status.ts";
export * from "./trigger_decision.ts";
export * from "./validate.ts";
export type { SnapshotEnv } from "./snapshot_pass.ts";
