/** Builders shared by the tests of lib/flink/spec. */
import {
  type FlinkDeployment,
  type FlinkDeploymentSpec,
  FlinkDeploymentSpecSchema,
  parseFlinkDeployment,
  serializeSpecWithMeta,
} from "../../lib/api/mod.ts";

/** A minimal valid application deployment, as a user would write it. */
export function applicationInput(): Record<string, unknown> {
  return {
    apiVersion: "flink.apache.org/v1beta1",
    kind: "FlinkDeployment",
    metadata: { name: "basic-example", namespace: "flink" },
    spec: {
      image: "flink:1.20",
      flinkVersion: "v1_20",
      serviceAccount: "flink",
      flinkConfiguration: { "taskmanager.numberOfTaskSlots": "2" },
      jobManager: { resource: { memory: "2048m", cpu: 1 } },
      taskManager: { resource: { memory: "2048m", cpu: 1 } },
      job: {
        jarURI: "local:///opt/flink/examples/streaming/StateMachineExample.jar",
        parallelism: 2,
        upgradeMode: "stateless",
      },
    },
  };
}

/** Parses a deployment after letting `edit` change the input document. */
export function deployment(
  edit: (input: Record<string, unknown> & { spec: Record<string, unknown> }) => void = () => {},
): FlinkDeployment {
  const input = applicationInput() as Record<string, unknown> & { spec: Record<string, unknown> };
  edit(input);
  return parseFlinkDeployment(input);
}

export function spec(edit?: (specInput: Record<string, unknown>) => void): FlinkDeploymentSpec {
  return deployment((input) => edit?.(input.spec)).spec;
}

export function parseSpec(input: unknown): FlinkDeploymentSpec {
  return FlinkDeploymentSpecSchema.parse(input);
}

/** lastReconciledSpec string for `value`. */
export function reconciled(
  value: FlinkDeploymentSpec,
  firstDeployment = false,
): string {
  return serializeSpecWithMeta("FlinkDeployment", value, { firstDeployment });
}

/** `obj.a.b.c = value` on plain objects, creating the intermediate objects. */
export function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split(".");
  let node = target;
  for (const key of keys.slice(0, -1)) {
    if (typeof node[key] !== "object" || node[key] === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  const last = keys[keys.length - 1];
  if (value === undefined) delete node[last];
  else node[last] = value;
}
