/** Status fields shared by FlinkDeployment and FlinkSessionJob (FKO `CommonStatus`). */
import { z } from "zod";
import { ResourceLifecycleStateSchema } from "./enums.ts";
import { JobStatusSchema } from "./job_status.ts";
import { ReconciliationStatusSchema } from "./reconciliation_status.ts";
import { int64 } from "./wire_hints.ts";

export const commonStatusShape = {
  jobStatus: JobStatusSchema.prefault({}).describe("Last observed job information."),
  error: z.string().optional().describe("Last error, usually an error JSON document."),
  observedGeneration: int64().optional().describe(
    "metadata.generation last reconciled (written with lastReconciledSpec).",
  ),
  lifecycleState: ResourceLifecycleStateSchema.optional().describe(
    "Lifecycle state of the Flink resource (including being rolled back, failed etc.).",
  ),
  reconciliationStatus: ReconciliationStatusSchema.prefault({}).describe(
    "Status of the last reconciliation.",
  ),
};
