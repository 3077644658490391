/** FlinkStateSnapshot: a savepoint or checkpoint of a FlinkDeployment or FlinkSessionJob. */
import { z } from "zod";
import { JobKindSchema, SavepointFormatTypeSchema, SnapshotStateSchema } from "./enums.ts";
import { ObjectMetaSchema } from "./object_meta.ts";
import { int32 } from "./wire_hints.ts";

export const JobReferenceSchema = z.looseObject({
  kind: JobKindSchema.optional().describe("Kind of the referenced resource."),
  name: z.string().optional().describe(
    "Name of the referenced resource in the snapshot's namespace.",
  ),
});
export type JobReference = z.infer<typeof JobReferenceSchema>;

export const SavepointSpecSchema = z.looseObject({
  path: z.string().optional().describe(
    "Target directory, or the existing savepoint path when alreadyExists is true.",
  ),
  formatType: SavepointFormatTypeSchema.default("CANONICAL").describe("Savepoint format."),
  disposeOnDelete: z.boolean().default(true).describe(
    "Dispose the savepoint data when this resource is deleted.",
  ),
  alreadyExists: z.boolean().default(false).describe(
    "Do not trigger; record the savepoint at path as completed.",
  ),
});
export type SavepointSpec = z.infer<typeof SavepointSpecSchema>;

/** A manual checkpoint request has no settings (always a full checkpoint). */
export const CheckpointSpecSchema = z.looseObject({});
export type CheckpointSpec = z.infer<typeof CheckpointSpecSchema>;

export const FlinkStateSnapshotSpecSchema = z.looseObject({
  jobReference: JobReferenceSchema.optional().describe("Job to snapshot."),
  savepoint: SavepointSpecSchema.optional().describe(
    "Take a savepoint. Exactly one of savepoint and checkpoint must be set.",
  ),
  checkpoint: CheckpointSpecSchema.optional().describe(
    "Take a checkpoint. Exactly one of savepoint and checkpoint must be set.",
  ),
  backoffLimit: int32().default(-1).describe(
    "Retries before the snapshot is FAILED; -1 retries forever, 0 never.",
  ),
});
export type FlinkStateSnapshotSpec = z.infer<typeof FlinkStateSnapshotSpecSchema>;
export type FlinkStateSnapshotSpecInput = z.input<typeof FlinkStateSnapshotSpecSchema>;

export const FlinkStateSnapshotStatusSchema = z.looseObject({
  state: SnapshotStateSchema.default("TRIGGER_PENDING").describe("State of the snapshot."),
  triggerId: z.string().optional().describe("Flink REST trigger id of the snapshot."),
  triggerTimestamp: z.string().optional().describe("When the snapshot was triggered (ISO-8601)."),
  resultTimestamp: z.string().optional().describe(
    "When the snapshot completed, failed or was abandoned (ISO-8601).",
  ),
  path: z.string().optional().describe("Path of the completed snapshot."),
  error: z.string().optional().describe("Last error."),
  failures: int32().default(0).describe("Number of failed attempts."),
});
export type FlinkStateSnapshotStatus = z.infer<typeof FlinkStateSnapshotStatusSchema>;
export type FlinkStateSnapshotStatusInput = z.input<typeof FlinkStateSnapshotStatusSchema>;

export const FlinkStateSnapshotSchema = z.looseObject({
  apiVersion: z.string().optional(),
  kind: z.literal("FlinkStateSnapshot").optional(),
  metadata: ObjectMetaSchema.prefault({}),
  spec: FlinkStateSnapshotSpecSchema,
  status: FlinkStateSnapshotStatusSchema.prefault({}),
});
export type FlinkStateSnapshot = z.infer<typeof FlinkStateSnapshotSchema>;
export type FlinkStateSnapshotInput = z.input<typeof FlinkStateSnapshotSchema>;
