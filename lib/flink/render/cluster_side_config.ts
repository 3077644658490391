import { ConfigError } from "../../config/config_error.ts";
import { isHaEnabled } from "../ha.ts";
import {
  DEFAULT_BLOB_SERVER_PORT,
  DEFAULT_JOB_MANAGER_RPC_PORT,
  DEFAULT_TASK_MANAGER_RPC_PORT,
  type DeploymentMode,
  internalServiceName,
  POD_TEMPLATE_DIR_IN_POD,
  TASK_MANAGER_POD_TEMPLATE_FILE,
} from "./cluster_names.ts";
import { stripOperatorKeys } from "./flink_config.ts";

/**
 * What Flink's client adds to and removes from the deploy config before writing it into
 * `flink-config-<name>` (KubernetesClusterDescriptor, FlinkConfMountDecorator,
 * InternalServiceDecorator, PodTemplateMountDecorator): fixed ports for everything a Service
 * or container port exposes, the JobManager address behind the internal Service, and no
 * settings that only make sense on the submitting side.
 */

/** Paths and addresses of the submitting process, meaningless inside the cluster. */
const CLIENT_ONLY_KEYS = [
  "kubernetes.config.file",
  "$internal.deployment.config-dir",
  "rest.bind-address",
  "jobmanager.bind-host",
  "taskmanager.bind-host",
  "taskmanager.host",
  "kubernetes.pod-template-file",
  "kubernetes.pod-template-file.default",
  "kubernetes.pod-template-file.jobmanager",
  "kubernetes.pod-template-file.taskmanager",
];

const ENTRYPOINT_CLASSES = {
  application: "org.apache.flink.kubernetes.entrypoint.KubernetesApplicationClusterEntrypoint",
  session: "org.apache.flink.kubernetes.entrypoint.KubernetesSessionClusterEntrypoint",
} as const;

export interface ClusterSideConfigInput {
  readonly deployConfig: Readonly<Record<string, string>>;
  readonly clusterId: string;
  readonly namespace: string;
  readonly mode: DeploymentMode;
  readonly clusterType: "application" | "session";
  /** Native mode ships a TaskManager pod template to the JobManager. */
  readonly hasTaskManagerPodTemplate: boolean;
}

export function clusterSideConfig(input: ClusterSideConfigInput): Record<string, string> {
  const conf = stripOperatorKeys(input.deployConfig);
  for (const key of CLIENT_ONLY_KEYS) delete conf[key];

  fixPort(conf, "blob.server.port", DEFAULT_BLOB_SERVER_PORT);
  fixPort(conf, "taskmanager.rpc.port", DEFAULT_TASK_MANAGER_RPC_PORT);
  if (Object.hasOwn(conf, "rest.bind-port")) {
    // Unset, the bind port falls back to rest.port, which is already a single port.
    fixPort(conf, "rest.bind-port", restPort(conf));
  }

  const ha = isHaEnabled(conf);
  if (ha) {
    conf["high-availability.cluster-id"] = input.clusterId;
    fixPort(conf, "high-availability.jobmanager.port", jobManagerRpcPort(conf));
  }
  // Without HA, TaskManagers reach the JobManager through the internal Service; standalone
  // always has it (with HA the JobManager overrides the address with its pod IP).
  if (!ha || input.mode === "standalone") {
    conf["jobmanager.rpc.address"] = `${internalServiceName(input.clusterId)}.${input.namespace}`;
  }
  if (input.mode === "native") {
    conf["kubernetes.internal.jobmanager.entrypoint.class"] = ENTRYPOINT_CLASSES[input.clusterType];
    if (input.hasTaskManagerPodTemplate) {
      conf["kubernetes.pod-template-file.taskmanager"] =
        `${POD_TEMPLATE_DIR_IN_POD}/${TASK_MANAGER_POD_TEMPLATE_FILE}`;
    }
  }
  return conf;
}

/** `rest.port`, default 8081. */
export function restPort(conf: Readonly<Record<string, string>>): number {
  return readPort(conf, "rest.port") ?? 8081;
}

/** The port the REST server binds to: `rest.bind-port`, else `rest.port`. */
export function restBindPort(conf: Readonly<Record<string, string>>): number {
  return readPort(conf, "rest.bind-port") || restPort(conf);
}

export function jobManagerRpcPort(conf: Readonly<Record<string, string>>): number {
  return readPort(conf, "jobmanager.rpc.port") ?? DEFAULT_JOB_MANAGER_RPC_PORT;
}

export function blobServerPort(conf: Readonly<Record<string, string>>): number {
  return readPort(conf, "blob.server.port") || DEFAULT_BLOB_SERVER_PORT;
}

export function taskManagerRpcPort(conf: Readonly<Record<string, string>>): number {
  return readPort(conf, "taskmanager.rpc.port") || DEFAULT_TASK_MANAGER_RPC_PORT;
}

/**
 * Exposed ports must be fixed: an unset or `0` (random) port becomes `fallback`; a port range
 * is rejected, as Flink's client does.
 */
function fixPort(conf: Record<string, string>, key: string, fallback: number): void {
  if (!readPort(conf, key)) conf[key] = String(fallback);
}

function readPort(conf: Readonly<Record<string, string>>, key: string): number | undefined {
  const text = conf[key]?.trim();
  if (text === undefined || text === "") return undefined;
  if (!/^\d+$/.test(text)) {
    throw new ConfigError({
      key,
      message: `"${text}" must be a single fixed port on Kubernetes, not a range or list`,
    });
  }
  return Number(text);
}
