/**
 * Spec fields shared by FlinkDeployment and FlinkSessionJob (FKO `AbstractFlinkSpec`). Jackson
 * writes superclass fields first, so these lead both spec shapes.
 */
import { JobSpecSchema } from "./job_spec.ts";
import { freeFormObject, int64 } from "./wire_hints.ts";

export const abstractFlinkSpecShape = {
  job: JobSpecSchema.optional().describe(
    "Job to run. A FlinkDeployment without a job is a session cluster.",
  ),
  restartNonce: int64().optional().describe(
    "Change to a new non-null value to force a full restart.",
  ),
  flinkConfiguration: freeFormObject().default(() => ({})).describe(
    "Flink and operator configuration; flat keys or nested YAML.",
  ),
};
