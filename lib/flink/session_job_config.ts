/**
 * The configuration a FlinkSessionJob runs with (FKO FlinkConfigManager.getSessionJobConfig):
 * the operator's, the session cluster's `spec.flinkConfiguration` and Flink version defaults,
 * then the session job's own `spec.flinkConfiguration` on top.
 */
import type { FlinkDeploymentSpec } from "../api/flink_deployment.ts";
import type { FlinkSessionJobSpec } from "../api/flink_session_job.ts";
import type { OperatorConfig } from "../config/operator_config.ts";
import { effectiveResourceConfig, type ResourceConfig } from "../config/resource_config.ts";

export function sessionJobConfig(
  operator: Pick<OperatorConfig, "raw">,
  namespace: string | undefined,
  job: Pick<FlinkSessionJobSpec, "flinkConfiguration">,
  session: Pick<FlinkDeploymentSpec, "flinkVersion" | "flinkConfiguration"> | undefined,
): ResourceConfig {
  return effectiveResourceConfig(operator, {
    namespace,
    flinkVersion: session?.flinkVersion,
    flinkConfiguration: session?.flinkConfiguration,
    sessionJobFlinkConfiguration: job.flinkConfiguration,
  });
}
