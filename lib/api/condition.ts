/** Kubernetes-style status condition (FlinkDeployment `status.conditions`). */
import { z } from "zod";
import { int64 } from "./wire_hints.ts";

/** The single condition type FKO maintains. */
export const RUNNING_CONDITION_TYPE = "Running";

export const ConditionSchema = z.looseObject({
  lastTransitionTime: z.string().optional(),
  message: z.string().optional(),
  observedGeneration: int64().optional(),
  reason: z.string().optional(),
  status: z.string().optional(),
  type: z.string().optional(),
});
export type Condition = z.infer<typeof ConditionSchema>;
