import { stringify as stringifyYaml } from "yaml";
import type { FlinkDeployment } from "../../api/mod.ts";
import { ConfigError } from "../../config/config_error.ts";
import type { KubeObject } from "../../kube/resource.ts";
import { isHaEnabled } from "../ha.ts";
import {
  BLOB_SERVER_PORT_NAME,
  commonLabels,
  type Component,
  componentLabels,
  type DeploymentMode,
  FLINK_CONF_DIR_IN_POD,
  FLINK_CONF_VOLUME,
  flinkConfigMapName,
  GENERATION_ANNOTATION,
  internalServiceName,
  JOB_MANAGER_RPC_PORT_NAME,
  jobManagerDeploymentName,
  LOG4J_CONSOLE_FILE,
  LOGBACK_CONSOLE_FILE,
  POD_TEMPLATE_DIR_IN_POD,
  POD_TEMPLATE_VOLUME,
  podTemplateConfigMapName,
  REST_PORT_NAME,
  restServiceName,
  TASK_MANAGER_POD_TEMPLATE_FILE,
  TASK_MANAGER_RPC_PORT_NAME,
  taskManagerDeploymentName,
  USER_LIB_DIR_IN_POD,
  USER_LIB_VOLUME,
} from "./cluster_names.ts";
import {
  blobServerPort,
  clusterSideConfig,
  jobManagerRpcPort,
  restBindPort,
  restPort,
  taskManagerRpcPort,
} from "./cluster_side_config.ts";
import { renderFlinkConfigFile } from "./flink_config_file.ts";
import {
  programArgsFromConfig,
  SAVEPOINT_PATH_KEY,
  STATE_RECOVERY_PATH_KEY,
} from "./flink_config.ts";
import { buildFlinkPod, type FlinkPodParams, PodOptionReader } from "./flink_pod.ts";
import {
  flinkDeploymentOwnerReference,
  jobManagerDeploymentOwnerReference,
} from "./owner_reference.ts";
import { ensureMainContainer, mainContainerOf, type PodTemplate } from "./pod_template.ts";
import { processMemoryMiB } from "./process_memory.ts";
import { isRestSslEnabled, isRestSslMutual } from "../rest/tls/rest_ssl_options.ts";
import { rolePodTemplates } from "./role_pod_templates.ts";

/**
 * The Kubernetes objects of one FlinkDeployment's cluster, rendered as FKO gets them from
 * Flink's native client or its own standalone client (reference §5.1, §5.2).
 */
export interface RenderClusterInput {
  readonly deployment: FlinkDeployment;
  /** From `buildDeployConfig`. */
  readonly deployConfig: Readonly<Record<string, string>>;
  readonly generation: number;
  readonly mode: DeploymentMode;
  readonly clusterType: "application" | "session";
  /** `kubernetes.operator.jm-deployment.startup.probe.enabled`. */
  readonly startupProbe: boolean;
  /** `kubernetes.operator.pod-template.merge-arrays-by-name` (default false). */
  readonly mergeArraysByName?: boolean;
  /**
   * Log configuration files used when `spec.logConfiguration` is absent (FKO ships the ones
   * from its own conf dir); without either, the config volume holds only the config file.
   */
  readonly defaultLogConfiguration?: Readonly<Record<string, string>>;
}

export interface RenderedCluster {
  /** Create first: every other object except the TaskManager Deployment is owned by it. */
  readonly jobManagerDeployment: KubeObject;
  readonly restService: KubeObject;
  /** Headless Service: native without HA, always in standalone. */
  readonly internalService?: KubeObject;
  readonly flinkConfigMap: KubeObject;
  /** Native only, when a TaskManager pod template exists. */
  readonly podTemplateConfigMap?: KubeObject;
  /** Standalone only. */
  readonly taskManagerDeployment?: KubeObject;
  /** The configuration written into `flinkConfigMap`. */
  readonly clusterConfig: Record<string, string>;
}

const LOG_FILES = [LOGBACK_CONSOLE_FILE, LOG4J_CONSOLE_FILE];
const POD_IP_ENV = "_POD_IP_ADDRESS";
const HA_RPC_ADDRESS_ARG = `-Djobmanager.rpc.address=$(${POD_IP_ENV})`;

export function renderCluster(input: RenderClusterInput): RenderedCluster {
  const { deployment, mode, clusterType } = input;
  const { name, namespace } = deployment.metadata;
  const spec = deployment.spec;
  if (!name || !namespace) {
    throw new Error("renderCluster: the FlinkDeployment needs metadata.name and namespace");
  }
  if (spec.flinkVersion === undefined) {
    throw new ConfigError({ key: "spec.flinkVersion", message: "is required" });
  }

  const templates = rolePodTemplates(spec, {
    mergeArraysByName: input.mergeArraysByName ?? false,
    startupProbe: input.startupProbe,
    restProbe: isRestSslMutual(input.deployConfig, spec.flinkVersion)
      ? "tcp"
      : isRestSslEnabled(input.deployConfig, spec.flinkVersion)
      ? "https"
      : "http",
  });
  const shipsTmTemplate = mode === "native" && templates.taskManager !== undefined;
  const conf = clusterSideConfig({
    deployConfig: input.deployConfig,
    clusterId: name,
    namespace,
    mode,
    clusterType,
    hasTaskManagerPodTemplate: shipsTmTemplate,
  });
  const options = new PodOptionReader(conf);
  const ha = isHaEnabled(conf);
  const labels = commonLabels(name, mode);
  const jmName = jobManagerDeploymentName(name);
  const ownedByJm = { ownerReferences: [jobManagerDeploymentOwnerReference(jmName)] };
  const meta = (objectName: string) => ({ name: objectName, namespace, labels, ...ownedByJm });

  const configFile = renderFlinkConfigFile(conf, spec.flinkVersion);
  const logConfiguration = spec.logConfiguration ?? input.defaultLogConfiguration ?? {};
  const logFiles = LOG_FILES.filter((file) => logConfiguration[file] !== undefined);
  const flinkConfigMap: KubeObject = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: meta(flinkConfigMapName(name)),
    data: {
      ...Object.fromEntries(logFiles.map((file) => [file, logConfiguration[file]])),
      [configFile.fileName]: configFile.content,
    },
  };

  const confDir = options.string("kubernetes.flink.conf.dir") ?? FLINK_CONF_DIR_IN_POD;
  const volumes: Record<string, unknown>[] = [{
    name: FLINK_CONF_VOLUME,
    configMap: {
      name: flinkConfigMapName(name),
      items: [...logFiles, configFile.fileName].map((file) => ({ key: file, path: file })),
    },
  }];
  const volumeMounts: Record<string, unknown>[] = [{ name: FLINK_CONF_VOLUME, mountPath: confDir }];
  for (const [secret, path] of Object.entries(options.map("kubernetes.secrets"))) {
    volumes.push({ name: `${secret}-volume`, secret: { secretName: secret } });
    volumeMounts.push({ name: `${secret}-volume`, mountPath: path });
  }
  const shared = { conf, options, name, mode, confDir, volumes, volumeMounts };

  let podTemplateConfigMap: KubeObject | undefined;
  const jmVolumes = [...volumes];
  const jmMounts = [...volumeMounts];
  if (shipsTmTemplate) {
    podTemplateConfigMap = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: meta(podTemplateConfigMapName(name)),
      data: { [TASK_MANAGER_POD_TEMPLATE_FILE]: podTemplateFile(templates.taskManager!) },
    };
    jmVolumes.push({
      name: POD_TEMPLATE_VOLUME,
      configMap: {
        name: podTemplateConfigMapName(name),
        items: [{ key: TASK_MANAGER_POD_TEMPLATE_FILE, path: TASK_MANAGER_POD_TEMPLATE_FILE }],
      },
    });
    jmMounts.push({ name: POD_TEMPLATE_VOLUME, mountPath: POD_TEMPLATE_DIR_IN_POD });
  }
  if (mode === "standalone" && clusterType === "application" && !hasUserLib(templates.jobManager)) {
    jmVolumes.push({ name: USER_LIB_VOLUME, emptyDir: {} });
    jmMounts.push({ name: USER_LIB_VOLUME, mountPath: USER_LIB_DIR_IN_POD });
  }

  const jmAnnotations = {
    ...options.map("kubernetes.jobmanager.annotations"),
    [GENERATION_ANNOTATION]: String(input.generation),
  };
  const jmPod = buildFlinkPod(templates.jobManager, {
    ...roleParams(shared, "jobmanager", jmAnnotations),
    hostNetwork: options.bool("kubernetes.hostnetwork.enabled"),
    resources: {
      cpu: options.number("kubernetes.jobmanager.cpu.amount", "kubernetes.jobmanager.cpu") ?? 1,
      cpuLimitFactor: options.number("kubernetes.jobmanager.cpu.limit-factor") ?? 1,
      memoryMiB: processMemoryMiB(conf, "jobmanager"),
      memoryLimitFactor: options.number("kubernetes.jobmanager.memory.limit-factor") ?? 1,
    },
    ports: [
      { name: REST_PORT_NAME, containerPort: restPort(conf) },
      { name: JOB_MANAGER_RPC_PORT_NAME, containerPort: jobManagerRpcPort(conf) },
      { name: BLOB_SERVER_PORT_NAME, containerPort: blobServerPort(conf) },
    ],
    env: [
      ...roleEnv(shared, "containerized.master.env."),
      {
        name: POD_IP_ENV,
        valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "status.podIP" } },
      },
      ...confDirEnv(templates.jobManager, confDir),
    ],
    args: jobManagerArgs(conf, options, mode, clusterType, ha),
    volumes: jmVolumes,
    volumeMounts: jmMounts,
  });
  const jobManagerDeployment = deploymentObject({
    name: jmName,
    namespace,
    labels: {
      ...options.map("kubernetes.jobmanager.labels"),
      ...componentLabels(name, mode, "jobmanager"),
    },
    selector: componentLabels(name, mode, "jobmanager"),
    annotations: jmAnnotations,
    deployment,
    replicas: options.number("kubernetes.jobmanager.replicas") ?? spec.jobManager?.replicas ?? 1,
    pod: jmPod,
  });

  const rest = restServiceType(
    options.string("kubernetes.rest-service.exposed.type") ?? "ClusterIP",
  );
  const restAnnotations = options.map("kubernetes.rest-service.annotations");
  const restService: KubeObject = {
    apiVersion: "v1",
    kind: "Service",
    metadata: {
      ...meta(restServiceName(name)),
      ...(Object.keys(restAnnotations).length > 0 ? { annotations: restAnnotations } : {}),
    },
    spec: {
      type: rest.type,
      ...(rest.headless ? { clusterIP: "None" } : {}),
      ports: [{ name: REST_PORT_NAME, port: restPort(conf), targetPort: restBindPort(conf) }],
      selector: componentLabels(name, mode, "jobmanager"),
    },
  };

  const internalService: KubeObject | undefined = mode === "standalone" || !ha
    ? {
      apiVersion: "v1",
      kind: "Service",
      metadata: meta(internalServiceName(name)),
      spec: {
        type: "ClusterIP",
        clusterIP: "None",
        ports: [
          { name: JOB_MANAGER_RPC_PORT_NAME, port: jobManagerRpcPort(conf) },
          { name: BLOB_SERVER_PORT_NAME, port: blobServerPort(conf) },
        ],
        selector: componentLabels(name, mode, "jobmanager"),
      },
    }
    : undefined;

  let taskManagerDeployment: KubeObject | undefined;
  if (mode === "standalone") {
    const tmAnnotations = options.map("kubernetes.taskmanager.annotations");
    const slots = options.number("taskmanager.numberOfTaskSlots") ?? 1;
    const tmCpu = options.number("kubernetes.taskmanager.cpu.amount", "kubernetes.taskmanager.cpu");
    const tmPod = buildFlinkPod(templates.taskManager, {
      ...roleParams(shared, "taskmanager", tmAnnotations),
      hostNetwork: false,
      resources: {
        // Flink's default: one core per task slot.
        cpu: tmCpu !== undefined && tmCpu > 0 ? tmCpu : slots,
        cpuLimitFactor: options.number("kubernetes.taskmanager.cpu.limit-factor") ?? 1,
        memoryMiB: processMemoryMiB(conf, "taskmanager"),
        memoryLimitFactor: options.number("kubernetes.taskmanager.memory.limit-factor") ?? 1,
      },
      ports: [{ name: TASK_MANAGER_RPC_PORT_NAME, containerPort: taskManagerRpcPort(conf) }],
      env: [
        ...roleEnv(shared, "containerized.taskmanager.env."),
        ...confDirEnv(templates.taskManager, confDir),
      ],
      args: { mode: "append", values: ["taskmanager"] },
      volumes,
      volumeMounts,
    });
    taskManagerDeployment = deploymentObject({
      name: taskManagerDeploymentName(name),
      namespace,
      labels: {
        ...options.map("kubernetes.taskmanager.labels"),
        ...componentLabels(name, mode, "taskmanager"),
      },
      selector: componentLabels(name, mode, "taskmanager"),
      annotations: tmAnnotations,
      deployment,
      replicas: options.number("kubernetes.internal.taskmanager.replicas") ?? 1,
      pod: tmPod,
    });
  }

  // Objects share label maps and volumes while being built; callers get unaliased copies.
  return unaliased({
    jobManagerDeployment,
    restService,
    ...(internalService ? { internalService } : {}),
    flinkConfigMap,
    ...(podTemplateConfigMap ? { podTemplateConfigMap } : {}),
    ...(taskManagerDeployment ? { taskManagerDeployment } : {}),
    clusterConfig: conf,
  });
}

/** A JSON round trip: unlike structuredClone it also separates values shared inside one copy. */
function unaliased<T>(value: T): T {
  return JSON.parse(JSON.stringify(value));
}

/** The objects owned by the JobManager Deployment, in creation order. */
export function jobManagerOwnedObjects(cluster: RenderedCluster): KubeObject[] {
  return [
    cluster.flinkConfigMap,
    cluster.podTemplateConfigMap,
    cluster.internalService,
    cluster.restService,
  ].filter((obj): obj is KubeObject => obj !== undefined);
}

interface SharedPodInputs {
  readonly conf: Readonly<Record<string, string>>;
  readonly options: PodOptionReader;
  readonly name: string;
  readonly mode: DeploymentMode;
  readonly confDir: string;
  readonly volumes: readonly Record<string, unknown>[];
  readonly volumeMounts: readonly Record<string, unknown>[];
}

type RoleParams = Pick<
  FlinkPodParams,
  | "labels"
  | "annotations"
  | "serviceAccount"
  | "image"
  | "imagePullPolicy"
  | "imagePullSecrets"
  | "nodeSelector"
  | "tolerations"
  | "schedulerName"
  | "command"
>;

/** What JobManager and TaskManager pods take from the same options, each with its role prefix. */
function roleParams(
  shared: SharedPodInputs,
  role: Component,
  annotations: Record<string, string>,
): RoleParams {
  const { options, name, mode } = shared;
  return {
    labels: { ...options.map(`kubernetes.${role}.labels`), ...componentLabels(name, mode, role) },
    annotations,
    serviceAccount: options.string(
      `kubernetes.${role}.service-account`,
      "kubernetes.service-account",
    ),
    image: options.string("kubernetes.container.image.ref", "kubernetes.container.image"),
    imagePullPolicy: options.string("kubernetes.container.image.pull-policy"),
    imagePullSecrets: options.list("kubernetes.container.image.pull-secrets"),
    nodeSelector: options.map(`kubernetes.${role}.node-selector`),
    tolerations: options.mapList(`kubernetes.${role}.tolerations`).map(toleration),
    schedulerName: options.string(`kubernetes.${role}.scheduler-name`, "kubernetes.scheduler-name"),
    command: [options.string("kubernetes.entry.path") ?? "/docker-entrypoint.sh"],
  };
}

function roleEnv(shared: SharedPodInputs, prefix: string): Record<string, unknown>[] {
  const { options } = shared;
  const env: Record<string, unknown>[] = Object.entries(options.prefixed(prefix))
    .map(([name, value]) => ({ name, value }));
  for (const ref of options.mapList("kubernetes.env.secretKeyRef")) {
    env.push({ name: ref.env, valueFrom: { secretKeyRef: { name: ref.secret, key: ref.key } } });
  }
  const logDir = options.string("kubernetes.flink.log.dir");
  if (logDir !== undefined) env.push({ name: "FLINK_LOG_DIR", value: logDir });
  return env;
}

/** `FLINK_CONF_DIR` pointing at the mounted config, unless the user's template sets it. */
function confDirEnv(template: PodTemplate | undefined, confDir: string): Record<string, unknown>[] {
  const userEnv = template === undefined ? [] : mainContainerOf(ensureMainContainer(template)).env;
  return Array.isArray(userEnv) && userEnv.some((e) => e?.name === "FLINK_CONF_DIR")
    ? []
    : [{ name: "FLINK_CONF_DIR", value: confDir }];
}

function jobManagerArgs(
  conf: Readonly<Record<string, string>>,
  options: PodOptionReader,
  mode: DeploymentMode,
  clusterType: "application" | "session",
  ha: boolean,
): FlinkPodParams["args"] {
  if (mode === "native") {
    const extra = options.string("kubernetes.jobmanager.entrypoint.args");
    const script = `kubernetes-jobmanager.sh kubernetes-${clusterType}${extra ? ` ${extra}` : ""}`;
    return { mode: "replace", values: ["bash", "-c", script] };
  }
  if (clusterType === "session") {
    return { mode: "append", values: ["jobmanager", ...(ha ? [HA_RPC_ADDRESS_ARG] : [])] };
  }
  const args = ["standalone-job"];
  const mainClass = options.string("$internal.application.main");
  if (mainClass !== undefined) args.push("--job-classname", mainClass);
  if (options.bool("execution.savepoint.ignore-unclaimed-state")) {
    args.push("--allowNonRestoredState");
  }
  const savepoint = options.string(STATE_RECOVERY_PATH_KEY, SAVEPOINT_PATH_KEY);
  if (savepoint !== undefined) args.push("--fromSavepoint", savepoint);
  if (ha) args.push(HA_RPC_ADDRESS_ARG);
  args.push(...programArgsFromConfig(conf));
  return { mode: "replace", values: args };
}

function deploymentObject(params: {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  selector: Record<string, string>;
  annotations: Record<string, string>;
  deployment: FlinkDeployment;
  replicas: number;
  pod: PodTemplate;
}): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: {
      name: params.name,
      namespace: params.namespace,
      labels: params.labels,
      ...(Object.keys(params.annotations).length > 0 ? { annotations: params.annotations } : {}),
      ownerReferences: [flinkDeploymentOwnerReference(params.deployment)],
    },
    spec: {
      replicas: params.replicas,
      selector: { matchLabels: params.selector },
      template: params.pod,
    },
  };
}

function restServiceType(value: string): { type: string; headless: boolean } {
  switch (value) {
    case "ClusterIP":
    case "NodePort":
    case "LoadBalancer":
      return { type: value, headless: false };
    case "Headless_ClusterIP":
      return { type: "ClusterIP", headless: true };
    default:
      throw new ConfigError({
        key: "kubernetes.rest-service.exposed.type",
        message: `"${value}" is not one of ClusterIP, NodePort, LoadBalancer, Headless_ClusterIP`,
      });
  }
}

/** Flink's toleration map keys (`key`, `operator`, `value`, `effect`, `tolerationSeconds`). */
function toleration(map: Record<string, string>): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(map)) {
    const field = key.charAt(0).toLowerCase() + key.slice(1);
    result[field] = field === "tolerationSeconds" ? Number(value) : value;
  }
  return result;
}

function hasUserLib(template: PodTemplate | undefined): boolean {
  const spec = template?.spec as
    | { volumes?: { name?: string }[]; containers?: { volumeMounts?: { mountPath?: string }[] }[] }
    | undefined;
  return (spec?.volumes ?? []).some((v) => v.name === USER_LIB_VOLUME) ||
    (spec?.containers ?? []).some((c) =>
      (c.volumeMounts ?? []).some((m) => m.mountPath === USER_LIB_DIR_IN_POD)
    );
}

/** The TaskManager template as a Pod manifest, the form Flink's JobManager loads. */
function podTemplateFile(template: PodTemplate): string {
  return stringifyYaml({ apiVersion: "v1", kind: "Pod", ...template }, { lineWidth: 0 });
}
