/**
 * Names, labels and fixed ports of the Kubernetes objects of one Flink cluster (reference §5).
 * Flink's JobManager, its HA services and FKO's observer find the objects by these exact
 * strings, so they are compatibility surface, not style.
 */

export const MAIN_CONTAINER_NAME = "flink-main-container";

/** Set on the JobManager Deployment; tells a restarted operator which spec generation runs. */
export const GENERATION_ANNOTATION = "flinkdeployment.flink.apache.org/generation";

export const NATIVE_TYPE = "flink-native-kubernetes";
export const STANDALONE_TYPE = "flink-standalone-kubernetes";

export const REST_PORT_NAME = "rest";
export const JOB_MANAGER_RPC_PORT_NAME = "jobmanager-rpc";
export const BLOB_SERVER_PORT_NAME = "blobserver";
export const TASK_MANAGER_RPC_PORT_NAME = "taskmanager-rpc";

export const DEFAULT_REST_PORT = 8081;
export const DEFAULT_JOB_MANAGER_RPC_PORT = 6123;
export const DEFAULT_BLOB_SERVER_PORT = 6124;
export const DEFAULT_TASK_MANAGER_RPC_PORT = 6122;

export const FLINK_CONF_DIR_IN_POD = "/opt/flink/conf";
export const FLINK_CONF_VOLUME = "flink-config-volume";
export const POD_TEMPLATE_DIR_IN_POD = "/opt/flink/pod-template";
export const POD_TEMPLATE_VOLUME = "pod-template-volume";
export const TASK_MANAGER_POD_TEMPLATE_FILE = "taskmanager-pod-template.yaml";
export const USER_LIB_VOLUME = "user-lib-dir";
export const USER_LIB_DIR_IN_POD = "/opt/flink/usrlib";
export const LOG4J_CONSOLE_FILE = "log4j-console.properties";
export const LOGBACK_CONSOLE_FILE = "logback-console.xml";

export type DeploymentMode = "native" | "standalone";
export type Component = "jobmanager" | "taskmanager";

export function jobManagerDeploymentName(clusterId: string): string {
  return clusterId;
}

export function taskManagerDeploymentName(clusterId: string): string {
  return `${clusterId}-taskmanager`;
}

export function restServiceName(clusterId: string): string {
  return `${clusterId}-rest`;
}

export function internalServiceName(clusterId: string): string {
  return clusterId;
}

export function flinkConfigMapName(clusterId: string): string {
  return `flink-config-${clusterId}`;
}

export function podTemplateConfigMapName(clusterId: string): string {
  return `pod-template-${clusterId}`;
}

/** `type` and `app`: on every object of the cluster. */
export function commonLabels(clusterId: string, mode: DeploymentMode): Record<string, string> {
  return { type: mode === "native" ? NATIVE_TYPE : STANDALONE_TYPE, app: clusterId };
}

/** `type`, `app` and `component`: the selector of the JobManager or TaskManager pods. */
export function componentLabels(
  clusterId: string,
  mode: DeploymentMode,
  component: Component,
): Record<string, string> {
  return { ...commonLabels(clusterId, mode), component };
}
