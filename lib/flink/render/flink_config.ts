import {
  type FlinkDeployment,
  type FlinkVersion,
  isFlinkVersionAtLeast,
  type JobSpec,
} from "../../api/mod.ts";
import { ConfigError } from "../../config/config_error.ts";
import { isHaEnabled } from "../ha.ts";
import { LAST_STATE_SAVEPOINT_SENTINEL } from "../spec/upgrade.ts";
import { GENERATION_ANNOTATION } from "./cluster_names.ts";
import { type ComponentResources, componentResources } from "./component_resources.ts";
import {
  decodeFlinkList,
  decodeFlinkMap,
  encodeFlinkList,
  encodeFlinkMap,
} from "./flink_structured_value.ts";
import { formatFlinkMemorySize, formatJavaDouble } from "./flink_value_text.ts";
import { flinkDeploymentOwnerReference } from "./owner_reference.ts";
import { errorMessage } from "../../error_message.ts";

/**
 * The flat Flink configuration a FlinkDeployment's cluster runs with (FKO's "deploy config",
 * reference §2.7 and §3.8 "Application deploy" steps 2–5).
 */

export const JOB_ID_KEY = "$internal.pipeline.job-id";
export const SAVEPOINT_PATH_KEY = "execution.savepoint.path";
/** 1.20+ spelling of {@link SAVEPOINT_PATH_KEY}; Flink prefers it when both are set. */
export const STATE_RECOVERY_PATH_KEY = "execution.state-recovery.path";
export const FLINK_VERSION_KEY = "$internal.flink.version";
export const JOB_MANAGER_ANNOTATIONS_KEY = "kubernetes.jobmanager.annotations";
export const HA_STORAGE_DIR_KEY = "high-availability.storageDir";

const OPERATOR_KEY_PREFIXES = ["kubernetes.operator.", "job.autoscaler."];

export interface DeployConfigInput {
  readonly deployment: FlinkDeployment;
  /** Operator defaults + namespace/version defaults + flattened `spec.flinkConfiguration`. */
  readonly effectiveConfig: Readonly<Record<string, string>>;
  /** `metadata.generation` of the spec being deployed. */
  readonly generation: number;
  /** Job id chosen by the operator (32 hex digits); a user-fixed id in the config wins. */
  readonly jobId?: string;
  /**
   * Final restore path: a savepoint/checkpoint path, {@link LAST_STATE_SAVEPOINT_SENTINEL}, or absent
   * for an empty start (any configured path is then removed).
   */
  readonly savepointPath?: string;
  /** The deploy restores from HA metadata (last-state); required to pass the sentinel. */
  readonly haRestore?: boolean;
  /** Makes the job-result-store path unique per deploy (FLINK-27569 workaround). */
  readonly jobResultStoreUuid: string;
  readonly mode: "application" | "session";
}

/** Builds the deploy config; throws {@link ConfigError} for unusable spec or config values. */
export function buildDeployConfig(input: DeployConfigInput): Record<string, string> {
  const { deployment, mode } = input;
  const { name, namespace } = deployment.metadata;
  const spec = deployment.spec;
  if (!name || !namespace) {
    throw new Error("buildDeployConfig: the FlinkDeployment needs metadata.name and namespace");
  }
  if (spec.flinkVersion === undefined) {
    throw new ConfigError({ key: "spec.flinkVersion", message: "is required" });
  }
  const version = spec.flinkVersion;
  const standalone = spec.mode === "standalone";
  const job = spec.job;
  if (mode === "application" && job === undefined) {
    throw new Error("buildDeployConfig: an application cluster needs spec.job");
  }
  if (mode === "session" && (input.savepointPath !== undefined || input.jobId !== undefined)) {
    throw new Error("buildDeployConfig: savepointPath and jobId only apply to applications");
  }

  const conf: Record<string, string> = { ...input.effectiveConfig };
  const setDefault = (key: string, value: string, ...aliases: string[]) => {
    if (![key, ...aliases].some((k) => Object.hasOwn(conf, k))) conf[key] = value;
  };

  setDefault("kubernetes.rest-service.exposed.type", "ClusterIP");
  // Cancelling from the web UI would bypass the operator's bookkeeping.
  setDefault("web.cancel.enable", "false");
  conf[FLINK_VERSION_KEY] = version;

  if (spec.image?.trim()) conf[imageKey(version)] = spec.image;
  if (spec.imagePullPolicy?.trim()) {
    conf["kubernetes.container.image.pull-policy"] = spec.imagePullPolicy;
  }
  if (spec.serviceAccount !== undefined) conf["kubernetes.service-account"] = spec.serviceAccount;
  // The operator's Ingress routes to the ClusterIP REST service.
  if (spec.ingress !== undefined) conf["kubernetes.rest-service.exposed.type"] = "ClusterIP";

  applyResources(
    conf,
    "jobmanager",
    componentResources(spec.jobManager, "spec.jobManager"),
    version,
  );
  if (spec.jobManager !== undefined && spec.jobManager.replicas > 0) {
    conf["kubernetes.jobmanager.replicas"] = String(spec.jobManager.replicas);
  }
  applyResources(
    conf,
    "taskmanager",
    componentResources(spec.taskManager, "spec.taskManager"),
    version,
  );
  const tmReplicas = spec.taskManager?.replicas;
  if (tmReplicas !== undefined && tmReplicas > 0) {
    conf["kubernetes.internal.taskmanager.replicas"] = String(tmReplicas);
  }

  if (mode === "application") {
    const parallelism = jobParallelism(conf, job!.parallelism, tmReplicas);
    if (standalone) {
      setDefault(
        "kubernetes.internal.taskmanager.replicas",
        String(Math.ceil(parallelism / taskSlots(conf))),
      );
    }
    conf["execution.target"] = "kubernetes-application";
    // Native mode only, as FKO: in standalone mode the jar is on `pipeline.classpaths` (below),
    // and Flink 2's standalone entry point refuses a `local:` URI in `pipeline.jars`.
    if (!standalone && job!.jarURI !== undefined) {
      conf["pipeline.jars"] = encodeFlinkList([job!.jarURI]);
    }
    conf["parallelism.default"] = String(parallelism);
    // The JobManager must outlive a finished job so the operator can observe the result.
    conf["execution.shutdown-on-application-finish"] = "false";
    setDefault("execution.submit-failed-job-on-application-error", "true");
    applyJobConfig(conf, name, job!);
  } else {
    conf["execution.target"] = "kubernetes-session";
  }

  if (standalone) {
    conf["execution.target"] = "remote";
    conf["kubernetes.internal.cluster-mode"] = mode === "application" ? "APPLICATION" : "SESSION";
    if (mode === "application" && job!.jarURI !== undefined) {
      conf["pipeline.classpaths"] = encodeFlinkList([standaloneJarUri(job!.jarURI)]);
    }
  }

  conf["kubernetes.namespace"] = namespace;
  conf["kubernetes.cluster-id"] = name;
  if (isHaEnabled(conf)) conf["high-availability.cluster-id"] = name;

  if (mode === "application") applyApplicationDeploy(conf, input, name);

  conf[JOB_MANAGER_ANNOTATIONS_KEY] = encodeFlinkMap({
    ...readMap(conf, JOB_MANAGER_ANNOTATIONS_KEY),
    [GENERATION_ANNOTATION]: String(input.generation),
  });
  if (deployment.metadata.uid) {
    const owner = flinkDeploymentOwnerReference(deployment);
    conf["kubernetes.jobmanager.owner.reference"] = encodeFlinkList([encodeFlinkMap({
      apiVersion: owner.apiVersion,
      kind: owner.kind,
      name: owner.name,
      uid: owner.uid,
      controller: String(owner.controller),
      blockOwnerDeletion: String(owner.blockOwnerDeletion),
    })]);
  }

  return stripOperatorKeys(conf);
}

/** Savepoint path, job-result-store path and job id: what changes on every application deploy. */
function applyApplicationDeploy(
  conf: Record<string, string>,
  input: DeployConfigInput,
  clusterId: string,
): void {
  if (input.savepointPath === LAST_STATE_SAVEPOINT_SENTINEL && !input.haRestore) {
    throw new Error(
      `buildDeployConfig: ${LAST_STATE_SAVEPOINT_SENTINEL} is only valid for HA restores`,
    );
  }
  if (input.savepointPath !== undefined) {
    setRenamed(conf, SAVEPOINT_PATH_KEY, STATE_RECOVERY_PATH_KEY, input.savepointPath);
  } else {
    // Both spellings: a leftover new-style key would otherwise still restore the old state.
    delete conf[SAVEPOINT_PATH_KEY];
    delete conf[STATE_RECOVERY_PATH_KEY];
  }

  const haStorageDir = conf[HA_STORAGE_DIR_KEY];
  if (haStorageDir !== undefined && haStorageDir.trim() !== "") {
    if (!Object.hasOwn(conf, "job-result-store.delete-on-commit")) {
      conf["job-result-store.delete-on-commit"] = "false";
    }
    conf["job-result-store.storage-path"] =
      `${haStorageDir}/job-result-store/${clusterId}/${input.jobResultStoreUuid}`;
  }

  const fixedJobId = jobIdFromConfig(conf);
  if (fixedJobId !== undefined) {
    if (!isJobId(fixedJobId)) {
      throw new ConfigError({
        key: JOB_ID_KEY,
        message: `"${fixedJobId}" is not a 32-digit hex job id`,
      });
    }
  } else if (input.jobId !== undefined) {
    if (!isJobId(input.jobId)) {
      throw new Error(`buildDeployConfig: "${input.jobId}" is not a 32-digit hex job id`);
    }
    conf[JOB_ID_KEY] = input.jobId;
  }
}

/** Removes `kubernetes.operator.*` and `job.autoscaler.*`: Flink itself never sees them. */
export function stripOperatorKeys(conf: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(conf).filter(([key]) => !OPERATOR_KEY_PREFIXES.some((p) => key.startsWith(p))),
  );
}

/** The fixed job id of the configuration (`$internal.pipeline.job-id`), if any. */
export function jobIdFromConfig(conf: Readonly<Record<string, string>>): string | undefined {
  const value = conf[JOB_ID_KEY]?.trim();
  return value ? value : undefined;
}

/** Default savepoint directory; the 1.20+ key wins over the older `state.savepoints.dir`. */
export function getSavepointsDir(conf: Readonly<Record<string, string>>): string | undefined {
  return firstSet(conf, "execution.checkpointing.savepoint-dir", "state.savepoints.dir");
}

/** Checkpoint directory; the 1.20+ key wins over the older `state.checkpoints.dir`. */
export function getCheckpointsDir(conf: Readonly<Record<string, string>>): string | undefined {
  return firstSet(conf, "execution.checkpointing.dir", "state.checkpoints.dir");
}

function firstSet(conf: Readonly<Record<string, string>>, ...keys: string[]): string | undefined {
  for (const key of keys) {
    const value = conf[key]?.trim();
    if (value) return value;
  }
  return undefined;
}

function imageKey(version: FlinkVersion): string {
  return isFlinkVersionAtLeast(version, "v1_17")
    ? "kubernetes.container.image.ref"
    : "kubernetes.container.image";
}

function applyResources(
  conf: Record<string, string>,
  role: "jobmanager" | "taskmanager",
  resources: ComponentResources,
  version: FlinkVersion,
): void {
  if (resources.memoryBytes !== undefined) {
    conf[`${role}.memory.process.size`] = formatFlinkMemorySize(resources.memoryBytes);
  }
  if (resources.cpu !== undefined) {
    const key = isFlinkVersionAtLeast(version, "v1_17")
      ? `kubernetes.${role}.cpu.amount`
      : `kubernetes.${role}.cpu`;
    conf[key] = formatJavaDouble(resources.cpu);
  }
  if (resources.cpuLimitFactor !== undefined) {
    conf[`kubernetes.${role}.cpu.limit-factor`] = formatJavaDouble(resources.cpuLimitFactor);
  }
  if (resources.memoryLimitFactor !== undefined) {
    conf[`kubernetes.${role}.memory.limit-factor`] = formatJavaDouble(resources.memoryLimitFactor);
  }
}

/**
 * TaskManager replicas fix the parallelism (replicas × slots); otherwise the highest vertex
 * parallelism override, otherwise the job's parallelism.
 */
function jobParallelism(
  conf: Readonly<Record<string, string>>,
  specParallelism: number,
  tmReplicas: number | undefined,
): number {
  if (tmReplicas !== undefined) return tmReplicas * taskSlots(conf);
  const overrides = Object.values(readMap(conf, "pipeline.jobvertex-parallelism-overrides"))
    .map((value) => Number.parseInt(value, 10))
    .filter((value) => Number.isFinite(value));
  const maxOverride = overrides.length > 0 ? Math.max(...overrides) : 0;
  return maxOverride > 0 ? maxOverride : specParallelism;
}

function taskSlots(conf: Readonly<Record<string, string>>): number {
  const slots = Number.parseInt(conf["taskmanager.numberOfTaskSlots"] ?? "1", 10);
  return Number.isFinite(slots) && slots > 0 ? slots : 1;
}

/** Standalone entry points load the jar from the local file system: `local:` → `file:`. */
function standaloneJarUri(jarUri: string): string {
  if (!jarUri.startsWith("local:")) return jarUri;
  const rest = jarUri.slice("local:".length);
  // `local:/x` has no authority; FKO's URI rebuild writes it as `file:///x`.
  return rest.startsWith("//") ? `file:${rest}` : `file://${rest}`;
}

/**
 * Sets an option whose key Flink renamed: the old key (what FKO writes) always, and the new key
 * too when the user already set it, because Flink prefers the new spelling.
 */
/**
 * The job's part of a configuration (FKO FlinkConfigBuilder.applyJobConfig): its name, the
 * checkpoint defaults stateful upgrades rely on, and the job's own settings. Used for
 * application clusters and for what a session job is submitted with.
 */
export function applyJobConfig(conf: Record<string, string>, name: string, job: JobSpec): void {
  const setDefault = (key: string, value: string, ...aliases: string[]) => {
    if (![key, ...aliases].some((k) => Object.hasOwn(conf, k))) conf[key] = value;
  };
  setDefault("pipeline.name", name);
  if (job.upgradeMode === "last-state") setDefault("execution.checkpointing.interval", "5 min");
  setDefault(
    "execution.checkpointing.externalized-checkpoint-retention",
    "RETAIN_ON_CANCELLATION",
    "execution.checkpointing.externalized-checkpoints",
  );
  if (job.allowNonRestoredState !== undefined) {
    setRenamed(
      conf,
      "execution.savepoint.ignore-unclaimed-state",
      "execution.state-recovery.ignore-unclaimed-state",
      String(job.allowNonRestoredState),
    );
  }
  if (job.entryClass !== undefined) conf["$internal.application.main"] = job.entryClass;
  conf["$internal.application.program-args"] = encodeFlinkList(job.args);
}

function setRenamed(
  conf: Record<string, string>,
  oldKey: string,
  newKey: string,
  value: string,
): void {
  conf[oldKey] = value;
  if (Object.hasOwn(conf, newKey)) conf[newKey] = value;
}

function readMap(conf: Readonly<Record<string, string>>, key: string): Record<string, string> {
  const text = conf[key];
  if (text === undefined || text.trim() === "") return {};
  try {
    return decodeFlinkMap(text);
  } catch (error) {
    throw new ConfigError({ key, message: errorMessage(error) });
  }
}

function isJobId(text: string): boolean {
  return /^[0-9a-fA-F]{32}$/.test(text);
}

/** Program arguments as a list, decoded from `$internal.application.program-args`. */
export function programArgsFromConfig(conf: Readonly<Record<string, string>>): string[] {
  const text = conf["$internal.application.program-args"];
  return text === undefined ? [] : decodeFlinkList(text);
}
