/** Shared inputs of the render tests: example FlinkDeployments and their effective config. */
import YAML from "yaml";
import { type FlinkDeployment, parseFlinkDeployment } from "../../lib/api/mod.ts";
import { flattenFlinkConfiguration } from "../../lib/config/flatten.ts";
import { buildDeployConfig, type DeployConfigInput } from "../../lib/flink/render/mod.ts";

export const JOB_ID = "0123456789abcdef0123456789abcdef";
export const JRS_UUID = "9e3f8d0a-0000-4000-8000-000000000001";

const EXAMPLES_DIR = new URL("../../examples/", import.meta.url);

/** An example as the operator sees it: with namespace, uid and generation. */
export async function exampleDeployment(
  file: string,
  // deno-lint-ignore no-explicit-any
  patch: (raw: any) => void = () => {},
): Promise<FlinkDeployment> {
  const raw = YAML.parse(await Deno.readTextFile(new URL(file, EXAMPLES_DIR)));
  raw.metadata = { ...raw.metadata, namespace: "flink", uid: "uid-1234", generation: 3 };
  patch(raw);
  return parseFlinkDeployment(raw);
}

export function deployment(raw: Record<string, unknown>): FlinkDeployment {
  return parseFlinkDeployment({
    apiVersion: "flink.apache.org/v1beta1",
    kind: "FlinkDeployment",
    metadata: { name: "my-app", namespace: "flink", uid: "uid-1234", generation: 3 },
    ...raw,
  });
}

/** Helm-like operator defaults under the spec's own configuration. */
export function effectiveConfig(d: FlinkDeployment): Record<string, string> {
  return {
    "taskmanager.numberOfTaskSlots": "1",
    "parallelism.default": "1",
    "kubernetes.operator.reconcile.interval": "15 s",
    "job.autoscaler.enabled": "false",
    ...flattenFlinkConfiguration(d.spec.flinkConfiguration),
  };
}

export function deployConfigOf(
  d: FlinkDeployment,
  extra: Partial<DeployConfigInput> = {},
): Record<string, string> {
  return buildDeployConfig({
    deployment: d,
    effectiveConfig: effectiveConfig(d),
    generation: d.metadata.generation ?? 1,
    jobResultStoreUuid: JRS_UUID,
    mode: d.spec.job ? "application" : "session",
    ...(d.spec.job ? { jobId: JOB_ID } : {}),
    ...extra,
  });
}
