/** `spec.jobManager` / `spec.taskManager` of a FlinkDeployment. */
import { z } from "zod";
import { ResourceRequirementsSchema, ResourceSchema } from "./resource_spec.ts";
import { int32, omittedWhenAbsent, podTemplateObject } from "./wire_hints.ts";

const resource = () =>
  ResourceSchema.optional().describe(
    "Deprecated resource shorthand: cpu, memory and ephemeral storage.",
  );

// Absent `resources` is not written by FKO's Jackson mapper (real lastReconciledSpec strings
// from recent versions have no "resources":null), so it must not be written as null either.
const resources = () =>
  omittedWhenAbsent(
    ResourceRequirementsSchema.optional().describe(
      "Kubernetes resource requirements; preferred over resource.",
    ),
  );

const podTemplate = () =>
  podTemplateObject().optional().describe("Pod template merged over spec.podTemplate.");

export const JobManagerSpecSchema = z.looseObject({
  resource: resource(),
  resources: resources(),
  replicas: int32().default(1).describe("Number of JobManager replicas; more than 1 needs HA."),
  podTemplate: podTemplate(),
});
export type JobManagerSpec = z.infer<typeof JobManagerSpecSchema>;

export const TaskManagerSpecSchema = z.looseObject({
  resource: resource(),
  resources: resources(),
  replicas: int32().optional().describe(
    "Number of TaskManagers; if set, parallelism is replicas times task slots.",
  ),
  podTemplate: podTemplate(),
});
export type TaskManagerSpec = z.infer<typeof TaskManagerSpecSchema>;
