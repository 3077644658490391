/** `status.reconciliationStatus`: the write-ahead log of what was (being) deployed. */
import { z } from "zod";
import { ReconciliationStateSchema } from "./enums.ts";
import { int64 } from "./wire_hints.ts";

export const ReconciliationStatusSchema = z.looseObject({
  reconciliationTimestamp: int64().default(0).describe(
    "Epoch milliseconds of the last spec reconciliation.",
  ),
  lastReconciledSpec: z.string().optional().describe(
    "JSON of the spec last deployed or being deployed.",
  ),
  lastStableSpec: z.string().optional().describe("JSON of the last spec seen healthy."),
  state: ReconciliationStateSchema.default("UPGRADING").describe(
    "State of the last reconciliation.",
  ),
});
export type ReconciliationStatus = z.infer<typeof ReconciliationStatusSchema>;
