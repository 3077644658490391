/** FlinkDeployment: a Flink application cluster (with `spec.job`) or session cluster. */
import { z } from "zod";
import { abstractFlinkSpecShape } from "./abstract_flink_spec.ts";
import { commonStatusShape } from "./common_status.ts";
import { JobManagerSpecSchema, TaskManagerSpecSchema } from "./component_spec.ts";
import { ConditionSchema } from "./condition.ts";
import {
  FlinkVersionSchema,
  JobManagerDeploymentStatusSchema,
  KubernetesDeploymentModeSchema,
} from "./enums.ts";
import { IngressSpecSchema } from "./ingress_spec.ts";
import { ObjectMetaSchema } from "./object_meta.ts";
import { int32, podTemplateObject, stringMap } from "./wire_hints.ts";

export const FlinkDeploymentSpecSchema = z.looseObject({
  ...abstractFlinkSpecShape,
  image: z.string().optional().describe("Flink image of the JobManager and TaskManagers."),
  imagePullPolicy: z.string().optional().describe("Image pull policy of the Flink image."),
  serviceAccount: z.string().optional().describe(
    "Kubernetes service account of the Flink pods. Required.",
  ),
  flinkVersion: FlinkVersionSchema.optional().describe("Flink version of the image. Required."),
  ingress: IngressSpecSchema.optional().describe("Ingress to the Flink REST API."),
  podTemplate: podTemplateObject().optional().describe(
    "Base pod template of the JobManager and TaskManager pods.",
  ),
  jobManager: JobManagerSpecSchema.optional().describe("JobManager settings."),
  taskManager: TaskManagerSpecSchema.optional().describe("TaskManager settings."),
  logConfiguration: stringMap().optional().describe(
    "Log configuration files by name: log4j-console.properties, logback-console.xml.",
  ),
  mode: KubernetesDeploymentModeSchema.optional().describe(
    "Deployment mode: native (default) or standalone.",
  ),
});
export type FlinkDeploymentSpec = z.infer<typeof FlinkDeploymentSpecSchema>;
export type FlinkDeploymentSpecInput = z.input<typeof FlinkDeploymentSpecSchema>;

/** `status.taskManager`, the source of the scale subresource's status side. */
export const TaskManagerInfoSchema = z.looseObject({
  labelSelector: z.string().optional().describe("Label selector of the TaskManager pods."),
  replicas: int32().optional().describe("Number of TaskManagers."),
});
export type TaskManagerInfo = z.infer<typeof TaskManagerInfoSchema>;

export const FlinkDeploymentStatusSchema = z.looseObject({
  ...commonStatusShape,
  clusterInfo: stringMap().default(() => ({})).describe(
    "Information about the running cluster (Flink version, total resources, ...).",
  ),
  jobManagerDeploymentStatus: JobManagerDeploymentStatusSchema.default("MISSING").describe(
    "Kubernetes-level state of the JobManager deployment.",
  ),
  taskManager: TaskManagerInfoSchema.optional().describe("TaskManager scale information."),
  conditions: z.array(ConditionSchema).default(() => []).describe(
    "Conditions; FKO maintains one of type Running.",
  ),
});
export type FlinkDeploymentStatus = z.infer<typeof FlinkDeploymentStatusSchema>;
export type FlinkDeploymentStatusInput = z.input<typeof FlinkDeploymentStatusSchema>;

export const FlinkDeploymentSchema = z.looseObject({
  apiVersion: z.string().optional(),
  kind: z.literal("FlinkDeployment").optional(),
  metadata: ObjectMetaSchema.prefault({}),
  spec: FlinkDeploymentSpecSchema,
  status: FlinkDeploymentStatusSchema.prefault({}),
});
export type FlinkDeployment = z.infer<typeof FlinkDeploymentSchema>;
export type FlinkDeploymentInput = z.input<typeof FlinkDeploymentSchema>;
