/**
 * `spec.job` of FlinkDeployment and FlinkSessionJob (FKO `JobSpec`).
 *
 * Field order is the Java class field order: the Jackson-compatible writer of
 * `lastReconciledSpec` emits fields in schema order.
 */
import { z } from "zod";
import { JobStateSchema, UpgradeModeSchema } from "./enums.ts";
import { int32, int64, omittedWhenAbsent } from "./wire_hints.ts";

/**
 * Restore the job from the snapshot a FlinkStateSnapshot resource produced. Not part of
 * released FKO (FLINK-36162 removed it before 1.10), so it is never written as `null` into
 * `lastReconciledSpec`: strings written by the Java operator stay byte-identical.
 */
export const FlinkStateSnapshotReferenceSchema = z.looseObject({
  namespace: z.string().optional().describe(
    "Namespace of the FlinkStateSnapshot; defaults to the job's namespace.",
  ),
  name: z.string().optional().describe("Name of the FlinkStateSnapshot resource."),
  path: z.string().optional().describe("Snapshot path, used when no resource name is given."),
});
export type FlinkStateSnapshotReference = z.infer<typeof FlinkStateSnapshotReferenceSchema>;

export const JobSpecSchema = z.looseObject({
  jarURI: z.string().optional().describe("URI of the job jar, e.g. local:///opt/flink/job.jar."),
  parallelism: int32().default(0).describe("Parallelism of the job."),
  entryClass: z.string().optional().describe("Fully qualified main class of the job."),
  args: z.array(z.string()).default(() => []).describe("Arguments of the job main class."),
  state: JobStateSchema.default("running").describe("Desired state of the job."),
  savepointTriggerNonce: int64().optional().describe(
    "Deprecated: change to a new value to trigger a savepoint.",
  ),
  initialSavepointPath: z.string().optional().describe(
    "Savepoint to start from on first deployment and on savepoint redeployment.",
  ),
  flinkStateSnapshotReference: omittedWhenAbsent(
    FlinkStateSnapshotReferenceSchema.optional().describe(
      "FlinkStateSnapshot to start from on first deployment and on savepoint redeployment.",
    ),
  ),
  checkpointTriggerNonce: int64().optional().describe(
    "Deprecated: change to a new value to trigger a checkpoint.",
  ),
  upgradeMode: UpgradeModeSchema.default("stateless").describe(
    "How the job is stopped and restored on upgrades.",
  ),
  allowNonRestoredState: z.boolean().optional().describe(
    "Allow state that cannot be mapped to the new job graph.",
  ),
  savepointRedeployNonce: int64().optional().describe(
    "Change to a new value to redeploy from initialSavepointPath.",
  ),
  autoscalerResetNonce: int64().optional().describe(
    "Change to a new value to reset the autoscaler state.",
  ),
});
export type JobSpec = z.infer<typeof JobSpecSchema>;
export type JobSpecInput = z.input<typeof JobSpecSchema>;
