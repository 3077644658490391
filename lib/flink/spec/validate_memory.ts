/**
 * Whether Flink can derive the JobManager and TaskManager process memory from what the cluster
 * will be deployed with. FKO gets this check in part from Flink's client (the JobManager spec
 * of a native cluster) and otherwise learns it from a crash-looping pod; here it is refused up
 * front, with the field to change and, where the process size decides, the smallest size Flink
 * accepts.
 */
import type { FlinkDeploymentSpec } from "../../api/mod.ts";
import { ConfigError } from "../../config/config_error.ts";
import { componentResources } from "../render/component_resources.ts";
import {
  describeBytes,
  minimumProcessSize,
  type ProcessRole,
  processSpecProblem,
} from "../render/process_memory.ts";
import type { ValidationConfig } from "./validation_config.ts";
import type { Report } from "./validation_issue.ts";

type Component = "jobManager" | "taskManager";

const ROLES: Record<Component, { role: ProcessRole; label: string }> = {
  jobManager: { role: "jobmanager", label: "JobManager" },
  taskManager: { role: "taskmanager", label: "TaskManager" },
};

/**
 * Reports when Flink cannot derive the component's process memory: nothing defines it, an
 * option is unreadable, or the sizes do not add up. The spec's memory becomes
 * `<role>.memory.process.size`, as the deploy config sets it.
 */
export function checkProcessMemory(
  component: Component,
  spec: FlinkDeploymentSpec,
  config: ValidationConfig,
  report: Report,
): void {
  const { role, label } = ROLES[component];
  const componentSpec = spec[component];
  let memoryBytes: number | undefined;
  try {
    memoryBytes = componentResources(componentSpec, `spec.${component}`).memoryBytes;
  } catch (error) {
    // An unreadable memory value is reported by the object rules.
    if (error instanceof ConfigError) return;
    throw error;
  }
  // Negative sizes, and zero requests or limits, break object rules already.
  if (
    memoryBytes !== undefined &&
    (memoryBytes < 0 || (memoryBytes === 0 && componentSpec?.resources !== undefined))
  ) {
    return;
  }
  const processKey = `${role}.memory.process.size`;
  const conf: Record<string, string> = { ...config.values };
  let specField: string | undefined;
  if (memoryBytes !== undefined) {
    conf[processKey] = `${memoryBytes}b`;
    const resources = componentSpec?.resources;
    specField = resources === undefined
      ? `spec.${component}.resource.memory`
      : resources.requests?.memory !== undefined
      ? `spec.${component}.resources.requests.memory`
      : `spec.${component}.resources.limits.memory`;
  }

  const problem = processSpecProblem(conf, role);
  if (problem === undefined) return;
  switch (problem.kind) {
    case "undefined":
      report(
        `spec.${component}.resource.memory`,
        `the ${label} memory is not defined`,
        `set spec.${component}.resource.memory (e.g. "2048m"), spec.${component}.resources` +
          `.requests.memory, or ${processKey} in spec.flinkConfiguration`,
      );
      return;
    case "unreadable":
      report(
        config.field(problem.key),
        problem.message,
        `use Flink's memory syntax, e.g. "2048m" or "2g" (Kubernetes units such as "2Gi" ` +
          "are only understood in spec.jobManager/taskManager)",
      );
      return;
    case "inconsistent": {
      const fromProcessSize = problem.keys.includes(processKey);
      const field = fromProcessSize && specField !== undefined
        ? specField
        : config.field(problem.keys[0]);
      const minimum = fromProcessSize ? minimumProcessSize(conf, role) : undefined;
      const others = problem.keys.filter((key) => key !== processKey).map((key) =>
        config.field(key)
      );
      const fix = minimum !== undefined
        ? `give the ${label} at least ${describeBytes(minimum)}` +
          (others.length > 0 ? `, or change ${others.join(" and ")}` : "")
        : `make ${[field, ...others.filter((f) => f !== field)].join(" and ")} consistent, ` +
          "or set only one of them and let Flink derive the rest";
      report(field, `Flink cannot derive the ${label} process memory: ${problem.message}`, fix);
      return;
    }
  }
}
