/** FlinkSessionJob: a job submitted to a session-mode FlinkDeployment. */
import { z } from "zod";
import { abstractFlinkSpecShape } from "./abstract_flink_spec.ts";
import { commonStatusShape } from "./common_status.ts";
import { ObjectMetaSchema } from "./object_meta.ts";

export const FlinkSessionJobSpecSchema = z.looseObject({
  ...abstractFlinkSpecShape,
  deploymentName: z.string().optional().describe(
    "Name of the session FlinkDeployment in the same namespace. Immutable.",
  ),
});
export type FlinkSessionJobSpec = z.infer<typeof FlinkSessionJobSpecSchema>;
export type FlinkSessionJobSpecInput = z.input<typeof FlinkSessionJobSpecSchema>;

export const FlinkSessionJobStatusSchema = z.looseObject({ ...commonStatusShape });
export type FlinkSessionJobStatus = z.infer<typeof FlinkSessionJobStatusSchema>;
export type FlinkSessionJobStatusInput = z.input<typeof FlinkSessionJobStatusSchema>;

export const FlinkSessionJobSchema = z.looseObject({
  apiVersion: z.string().optional(),
  kind: z.literal("FlinkSessionJob").optional(),
  metadata: ObjectMetaSchema.prefault({}),
  spec: FlinkSessionJobSpecSchema,
  status: FlinkSessionJobStatusSchema.prefault({}),
});
export type FlinkSessionJob = z.infer<typeof FlinkSessionJobSchema>;
export type FlinkSessionJobInput = z.input<typeof FlinkSessionJobSchema>;
