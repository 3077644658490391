/**
 * Pure renderers of what a FlinkDeployment becomes in Kubernetes: the deploy config, the Flink
 * config file, the pod templates and the cluster objects FKO gets from Flink's clients.
 */
export * from "./cluster_names.ts";
export * from "./owner_reference.ts";
export * from "./flink_config.ts";
export * from "./flink_config_file.ts";
export * from "./pod_template.ts";
export * from "./role_pod_templates.ts";
export * from "./cluster_side_config.ts";
export * from "./cluster_objects.ts";
export { type ComponentResources, componentResources } from "./component_resources.ts";
export { processMemoryMiB } from "./process_memory.ts";
export {
  decodeFlinkList,
  decodeFlinkMap,
  encodeFlinkList,
  encodeFlinkMap,
} from "./flink_structured_value.ts";
