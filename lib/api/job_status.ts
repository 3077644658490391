/**
 * `status.jobStatus`: last observed job, and the deprecated savepoint/checkpoint bookkeeping
 * still used when FlinkStateSnapshot resources are disabled.
 */
import { z } from "zod";
import {
  CheckpointTypeSchema,
  FLINK_JOB_STATES,
  SavepointFormatTypeSchema,
  SnapshotTriggerTypeSchema,
} from "./enums.ts";
import { int64, wireHints } from "./wire_hints.ts";

export const SavepointSchema = z.looseObject({
  timeStamp: int64().default(0),
  location: z.string().optional(),
  triggerType: SnapshotTriggerTypeSchema.default("UNKNOWN"),
  formatType: SavepointFormatTypeSchema.default("UNKNOWN"),
  triggerNonce: int64().optional(),
});
export type Savepoint = z.infer<typeof SavepointSchema>;

export const CheckpointSchema = z.looseObject({
  timeStamp: int64().default(0),
  triggerType: SnapshotTriggerTypeSchema.default("UNKNOWN"),
  formatType: CheckpointTypeSchema.default("UNKNOWN"),
  triggerNonce: int64().optional(),
});
export type Checkpoint = z.infer<typeof CheckpointSchema>;

export const SavepointInfoSchema = z.looseObject({
  lastSavepoint: SavepointSchema.optional(),
  triggerId: z.string().optional().describe("Trigger id of the pending savepoint."),
  triggerTimestamp: int64().optional(),
  triggerType: SnapshotTriggerTypeSchema.optional(),
  formatType: SavepointFormatTypeSchema.optional(),
  savepointHistory: z.array(SavepointSchema).default(() => []),
  lastPeriodicSavepointTimestamp: int64().default(0),
});
export type SavepointInfo = z.infer<typeof SavepointInfoSchema>;

export const CheckpointInfoSchema = z.looseObject({
  lastCheckpoint: CheckpointSchema.optional(),
  triggerId: z.string().optional().describe("Trigger id of the pending checkpoint."),
  triggerTimestamp: int64().optional(),
  triggerType: SnapshotTriggerTypeSchema.optional(),
  formatType: CheckpointTypeSchema.optional(),
  lastPeriodicCheckpointTimestamp: int64().default(0),
});
export type CheckpointInfo = z.infer<typeof CheckpointInfoSchema>;

export const JobStatusSchema = z.looseObject({
  jobName: z.string().optional().describe("Name of the job."),
  jobId: z.string().optional().describe("Flink job id."),
  // FKO's CRD lists Flink's job states; reads stay lenient (see WireHint.crdEnum).
  state: z.string().register(wireHints, { crdEnum: [...FLINK_JOB_STATES].sort() }).optional()
    .describe("Last observed state of the job."),
  startTime: z.string().optional().describe("Job start time, epoch milliseconds."),
  updateTime: z.string().optional().describe("Last state change seen, epoch milliseconds."),
  upgradeSavepointPath: z.string().optional().describe(
    "Savepoint or checkpoint to restore from on the next stateful start.",
  ),
  savepointInfo: SavepointInfoSchema.prefault({}).describe(
    "Deprecated savepoint bookkeeping.",
  ),
  checkpointInfo: CheckpointInfoSchema.prefault({}).describe(
    "Deprecated checkpoint bookkeeping.",
  ),
});
export type JobStatus = z.infer<typeof JobStatusSchema>;
