/**
 * Spec validation of a FlinkDeployment (reference §1.14, FKO `DefaultValidator`).
 *
 * Unlike FKO, which stops at the first problem, every problem is reported, and each message
 * names the field and says how to fix it: the text ends up in a `ValidationError` event and in
 * `status.error`, where it is the only help the user gets.
 */
import {
  type FlinkDeployment,
  type FlinkDeploymentSpec,
  isFlinkVersionAtLeast,
  OLDEST_SUPPORTED_FLINK_VERSION,
  type Resource,
  type ResourceRequirements,
} from "../../api/mod.ts";
import { flattenFlinkConfiguration } from "../../config/flatten.ts";
import { parseMemorySize } from "../../config/memory_size.ts";
import { OPTIONS } from "../../config/options.ts";
import { quantityValue } from "../../kube/quantity.ts";
import { isHaEnabled } from "../ha.ts";
import { isZooKeeperHa, ZK_QUORUM_KEY } from "../zookeeper_ha.ts";
import { isBlank } from "./state_dirs.ts";
import { checkAutoscaler, checkJob } from "./validate_job.ts";
import { ValidationConfig } from "./validation_config.ts";
import type { Report, ValidationIssue } from "./validation_issue.ts";

export type { ValidationIssue } from "./validation_issue.ts";
export { formatValidationError } from "./validation_issue.ts";

export interface ValidationContext {
  /**
   * The resource's effective flat configuration (operator defaults, namespace and version
   * defaults, and `spec.flinkConfiguration`).
   */
  readonly effectiveConfig: Readonly<Record<string, string>>;
  /** The spec that was last deployed, if any: spec change rules compare against it. */
  readonly lastReconciledSpec?: FlinkDeploymentSpec;
}

export type ValidatedDeployment = Pick<FlinkDeployment, "metadata" | "spec">;

// FKO's cluster-id rule: a DNS label short enough for the names derived from it (e.g. `-rest`).
const DEPLOYMENT_NAME = /^[a-z]([-a-z0-9]{0,43}[a-z0-9])?$/;
const MAX_NAME_LENGTH = 45;

const FORBIDDEN_CONFIG_KEYS = [
  "kubernetes.namespace",
  "kubernetes.cluster-id",
  "high-availability.cluster-id",
] as const;

const ALLOWED_LOG_CONFIG_FILES = ["log4j-console.properties", "logback-console.xml"] as const;
const IMAGE_PULL_POLICIES = ["Always", "IfNotPresent", "Never"] as const;

/** Flink options that size the JobManager process; any one of them is enough. */
const JOB_MANAGER_MEMORY_KEYS = [
  "jobmanager.memory.process.size",
  "jobmanager.memory.flink.size",
  "jobmanager.memory.heap.size",
  "jobmanager.heap.size",
] as const;
/** Flink options that size a TaskManager process on their own. */
const TASK_MANAGER_MEMORY_KEYS = [
  "taskmanager.memory.process.size",
  "taskmanager.memory.flink.size",
  "taskmanager.heap.size",
] as const;
/** Flink's fine-grained alternative: both must be set. */
const TASK_MANAGER_FINE_GRAINED_MEMORY_KEYS = [
  "taskmanager.memory.task.heap.size",
  "taskmanager.memory.managed.size",
] as const;
/** Pre-1.10 Flink sizes in megabytes, still honoured by Flink as fallbacks. */
const LEGACY_MB_KEYS = { jobmanager: "jobmanager.heap.mb", taskmanager: "taskmanager.heap.mb" };

/** Checks `deployment` against every FlinkDeployment rule; an empty list means valid. */
export function validateFlinkDeployment(
  deployment: ValidatedDeployment,
  context: ValidationContext,
): ValidationIssue[] {
  const spec = deployment.spec;
  const specConfig = flattenFlinkConfiguration(spec.flinkConfiguration);
  // The spec's own keys win even if the caller's effective config was built without them.
  const config = new ValidationConfig({ ...context.effectiveConfig, ...specConfig }, specConfig);
  const issues: ValidationIssue[] = [];
  const report = (field: string, problem: string, fix: string) =>
    issues.push({ field, message: `${field}: ${problem}; ${fix}` });

  checkName(deployment.metadata.name, report);
  checkFlinkVersion(spec, context.lastReconciledSpec, report);
  checkForbiddenKeys(config, report);
  checkOperatorFeaturePrerequisites(config, report);
  checkImagePullPolicy(spec.imagePullPolicy, report);
  checkIngress(deployment, report);
  checkLogConfiguration(spec.logConfiguration, report);
  if (spec.job !== undefined) checkJob(spec.job, spec.taskManager?.replicas, config, report);
  checkJobManager(spec, config, report);
  checkTaskManager(spec, config, report);
  if (context.lastReconciledSpec !== undefined) {
    checkSpecChange(context.lastReconciledSpec, spec, report);
  }
  checkServiceAccount(spec.serviceAccount, report);
  checkAutoscaler(config, context.effectiveConfig, report);
  return issues;
}

function checkName(name: string | undefined, report: Report): void {
  if (name === undefined || name === "") {
    report("metadata.name", "required", "give the FlinkDeployment a name");
    return;
  }
  if (name.length > MAX_NAME_LENGTH || !DEPLOYMENT_NAME.test(name)) {
    report(
      "metadata.name",
      `"${name}" is not a valid FlinkDeployment name`,
      `use at most ${MAX_NAME_LENGTH} lower case letters, digits or '-', starting with a letter ` +
        `and ending with a letter or digit (e.g. "my-job")`,
    );
  }
}

function checkFlinkVersion(
  spec: FlinkDeploymentSpec,
  lastReconciled: FlinkDeploymentSpec | undefined,
  report: Report,
): void {
  const version = spec.flinkVersion;
  if (version === undefined) {
    report(
      "spec.flinkVersion",
      "required",
      `set it to the Flink version of the image (e.g. "v1_20")`,
    );
    return;
  }
  if (!isFlinkVersionAtLeast(version, OLDEST_SUPPORTED_FLINK_VERSION)) {
    report(
      "spec.flinkVersion",
      `${version} is not supported`,
      `use ${OLDEST_SUPPORTED_FLINK_VERSION} or newer (and an image of that version)`,
    );
  }
  // HA metadata and checkpoints written by the old version are not portable; a job suspended
  // in last-state mode can only come back on the version it was suspended with.
  const lastJob = lastReconciled?.job;
  if (
    lastJob !== undefined && spec.job !== undefined && spec.job.upgradeMode !== "stateless" &&
    lastJob.state === "suspended" && lastJob.upgradeMode === "last-state" &&
    lastReconciled?.flinkVersion !== version
  ) {
    report(
      "spec.flinkVersion",
      `cannot change from ${lastReconciled?.flinkVersion ?? "(unset)"} to ${version} ` +
        "while the job is suspended with last-state",
      `restore the job on ${lastReconciled?.flinkVersion ?? "the previous version"} first and ` +
        "change the version afterwards, or set spec.job.upgradeMode to stateless",
    );
  }
}

function checkForbiddenKeys(config: ValidationConfig, report: Report): void {
  for (const key of FORBIDDEN_CONFIG_KEYS) {
    if (!config.has(key)) continue;
    report(
      config.field(key),
      "must not be set",
      "remove it (the operator sets it from the resource's name and namespace)",
    );
  }
}

function checkOperatorFeaturePrerequisites(config: ValidationConfig, report: Report): void {
  const rollbackKey = OPTIONS.deploymentRollbackEnabled.key;
  if (config.option(OPTIONS.deploymentRollbackEnabled, report) && !isHaEnabled(config.values)) {
    report(
      config.field(rollbackKey),
      "rollback needs high availability",
      `enable HA (e.g. high-availability.type: kubernetes and high-availability.storageDir) ` +
        `or set ${rollbackKey} to false`,
    );
  }
  const quorum = config.get(ZK_QUORUM_KEY) ?? config.get("recovery.zookeeper.quorum");
  if (isZooKeeperHa(config.values) && isBlank(quorum)) {
    report(
      config.field("high-availability.type"),
      `ZooKeeper HA needs ${ZK_QUORUM_KEY}`,
      `set ${ZK_QUORUM_KEY} to the ZooKeeper servers (host:port,host:port), or use ` +
        "high-availability.type: kubernetes",
    );
  }
  const healthKey = OPTIONS.clusterHealthCheckEnabled.key;
  if (
    config.option(OPTIONS.clusterHealthCheckEnabled, report) &&
    !config.option(OPTIONS.jmDeploymentRecoveryEnabled, report)
  ) {
    report(
      config.field(healthKey),
      `the cluster health check needs ${OPTIONS.jmDeploymentRecoveryEnabled.key}`,
      `set ${OPTIONS.jmDeploymentRecoveryEnabled.key} to true or ${healthKey} to false`,
    );
  }
}

function checkImagePullPolicy(policy: string | undefined, report: Report): void {
  if (policy === undefined || (IMAGE_PULL_POLICIES as readonly string[]).includes(policy)) return;
  report(
    "spec.imagePullPolicy",
    `"${policy}" is not an image pull policy`,
    `use one of ${IMAGE_PULL_POLICIES.join(", ")}`,
  );
}

function checkIngress(deployment: ValidatedDeployment, report: Report): void {
  const ingress = deployment.spec.ingress;
  if (ingress === undefined) return;
  const template = ingress.template;
  if (template === undefined || template.trim() === "") {
    report(
      "spec.ingress.template",
      "required when spec.ingress is set",
      `set a URL template such as "{{name}}.{{namespace}}.example.com" or ` +
        `"example.com/{{namespace}}/{{name}}(/|$)(.*)"`,
    );
    return;
  }
  const url = ingressUrl(
    template,
    deployment.metadata.name ?? "",
    deployment.metadata.namespace ?? "default",
  );
  if (url === undefined) {
    report(
      "spec.ingress.template",
      `"${template}" is not a valid URL after substituting {{name}} and {{namespace}}`,
      `use a host with an optional path, e.g. "{{name}}.{{namespace}}.example.com"`,
    );
  }
}

/** The URL an ingress template stands for, or undefined when it is not a valid http(s) URL. */
function ingressUrl(template: string, name: string, namespace: string): URL | undefined {
  const substituted = template.replace(/\{\{name\}\}/gi, name).replace(
    /\{\{namespace\}\}/gi,
    namespace,
  );
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(substituted)
    ? substituted
    : `http://${substituted}`;
  try {
    const url = new URL(withScheme);
    if (url.protocol !== "http:" && url.protocol !== "https:") return undefined;
    if (url.hostname === "" || /[{}]/.test(url.hostname)) return undefined;
    return url;
  } catch {
    return undefined;
  }
}

function checkLogConfiguration(
  logConfiguration: Readonly<Record<string, string>> | undefined,
  report: Report,
): void {
  for (const file of Object.keys(logConfiguration ?? {})) {
    if ((ALLOWED_LOG_CONFIG_FILES as readonly string[]).includes(file)) continue;
    report(
      `spec.logConfiguration["${file}"]`,
      "unsupported log configuration file",
      `use ${ALLOWED_LOG_CONFIG_FILES.join(" or ")}`,
    );
  }
}

function checkJobManager(spec: FlinkDeploymentSpec, config: ValidationConfig, report: Report) {
  const jobManager = spec.jobManager;
  checkMemoryDefined("jobManager", jobManager?.resource, jobManager?.resources, config, report);
  checkResource("spec.jobManager", jobManager?.resource, report);
  checkResourceRequirements("spec.jobManager.resources", jobManager?.resources, report);
  const replicas = jobManager?.replicas ?? 1;
  if (replicas < 1) {
    report(
      "spec.jobManager.replicas",
      `must be at least 1, got ${replicas}`,
      "set it to 1, or to more than 1 with high availability enabled",
    );
  } else if (replicas > 1 && !isHaEnabled(config.values)) {
    report(
      "spec.jobManager.replicas",
      `${replicas} JobManagers need high availability`,
      "enable HA (e.g. high-availability.type: kubernetes) or set replicas to 1",
    );
  }
}

function checkTaskManager(spec: FlinkDeploymentSpec, config: ValidationConfig, report: Report) {
  const taskManager = spec.taskManager;
  checkMemoryDefined("taskManager", taskManager?.resource, taskManager?.resources, config, report);
  checkResource("spec.taskManager", taskManager?.resource, report);
  checkResourceRequirements("spec.taskManager.resources", taskManager?.resources, report);
  // Session clusters: job rules do not run, but a replica count below 1 is still wrong.
  const replicas = taskManager?.replicas;
  if (spec.job === undefined && replicas !== undefined && replicas < 1) {
    report(
      "spec.taskManager.replicas",
      `must be at least 1, got ${replicas}`,
      "set a positive number of TaskManagers or remove it",
    );
  }
}

function checkMemoryDefined(
  component: "jobManager" | "taskManager",
  resource: Resource | undefined,
  resources: ResourceRequirements | undefined,
  config: ValidationConfig,
  report: Report,
): void {
  const prefix = component === "jobManager" ? "jobmanager" : "taskmanager";
  const flinkKeys: readonly string[] = component === "jobManager"
    ? JOB_MANAGER_MEMORY_KEYS
    : [...TASK_MANAGER_MEMORY_KEYS, ...TASK_MANAGER_FINE_GRAINED_MEMORY_KEYS];
  // A set memory option must be readable even when the spec defines memory another way.
  let readableFlinkKeys = 0;
  for (const key of flinkKeys) {
    const value = config.get(key);
    if (value === undefined) continue;
    if (canParse(parseMemorySize, value)) {
      if (!(TASK_MANAGER_FINE_GRAINED_MEMORY_KEYS as readonly string[]).includes(key)) {
        readableFlinkKeys++;
      }
    } else {
      report(config.field(key), `"${value}" is not a memory size`, `use e.g. "2048m" or "2g"`);
    }
  }
  const legacyMb = config.get(LEGACY_MB_KEYS[prefix]);
  if (legacyMb !== undefined && /^\s*\d+\s*$/.test(legacyMb)) readableFlinkKeys++;
  const fineGrained = component === "taskManager" &&
    TASK_MANAGER_FINE_GRAINED_MEMORY_KEYS.every((key) =>
      config.has(key) && canParse(parseMemorySize, config.get(key) ?? "")
    );

  const defined = !isBlank(resource?.memory) || resources?.requests?.memory !== undefined ||
    resources?.limits?.memory !== undefined || readableFlinkKeys > 0 || fineGrained;
  if (!defined) {
    report(
      `spec.${component}.resource.memory`,
      `the ${component === "jobManager" ? "JobManager" : "TaskManager"} memory is not defined`,
      `set spec.${component}.resource.memory (e.g. "2048m"), spec.${component}.resources` +
        `.requests.memory, or ${prefix}.memory.process.size in spec.flinkConfiguration`,
    );
  }
}

function checkResource(path: string, resource: Resource | undefined, report: Report): void {
  if (resource === undefined) return;
  if (resource.cpu !== undefined && !(Number.isFinite(resource.cpu) && resource.cpu >= 0)) {
    report(
      `${path}.resource.cpu`,
      `must not be negative, got ${resource.cpu}`,
      "use e.g. 0.5 or 1",
    );
  }
  if (resource.memory !== undefined && !canParse(parseMemorySize, resource.memory)) {
    report(
      `${path}.resource.memory`,
      `"${resource.memory}" is not a memory size`,
      `use e.g. "2048m" (MiB), "2g" or "2Gi"`,
    );
  }
  if (resource.ephemeralStorage !== undefined && !isQuantity(resource.ephemeralStorage)) {
    report(
      `${path}.resource.ephemeralStorage`,
      `"${resource.ephemeralStorage}" is not a non-negative Kubernetes quantity`,
      `use e.g. "2Gi"`,
    );
  }
}

function checkResourceRequirements(
  path: string,
  resources: ResourceRequirements | undefined,
  report: Report,
): void {
  if (resources === undefined) return;
  const amounts: Record<"requests" | "limits", Record<string, number>> = {
    requests: {},
    limits: {},
  };
  for (const kind of ["requests", "limits"] as const) {
    for (const [name, value] of Object.entries(resources[kind] ?? {})) {
      const amount = quantityAmount(value);
      if (amount === undefined || amount < 0) {
        report(
          `${path}.${kind}.${name}`,
          `"${value}" is not a non-negative Kubernetes quantity`,
          name === "cpu" ? `use e.g. "500m" or 1` : `use e.g. "2Gi" or "512Mi"`,
        );
      } else {
        amounts[kind][name] = amount;
      }
    }
  }
  for (const [name, limit] of Object.entries(amounts.limits)) {
    const request = amounts.requests[name];
    if (request !== undefined && limit < request) {
      report(
        `${path}.limits.${name}`,
        "is lower than the request",
        `raise limits.${name} to at least requests.${name}`,
      );
    }
  }
}

function checkSpecChange(
  previous: FlinkDeploymentSpec,
  current: FlinkDeploymentSpec,
  report: Report,
): void {
  if (current.job !== undefined && previous.job === undefined) {
    report(
      "spec.job",
      "cannot turn a session cluster into an application cluster",
      "remove spec.job, or create a new FlinkDeployment for the application",
    );
  } else if (current.job === undefined && previous.job !== undefined) {
    report(
      "spec.job",
      "cannot turn an application cluster into a session cluster",
      "restore spec.job, or create a new FlinkDeployment for the session cluster",
    );
  }
  const previousMode = previous.mode ?? "native";
  const currentMode = current.mode ?? "native";
  if (previousMode !== currentMode) {
    report(
      "spec.mode",
      `cannot switch from ${previousMode} to ${currentMode} after the first deployment`,
      `set it back to ${previousMode}, or create a new FlinkDeployment`,
    );
  }
  const previousJob = previous.job;
  const currentJob = current.job;
  if (
    previousJob !== undefined && currentJob?.savepointRedeployNonce !== undefined &&
    currentJob.savepointRedeployNonce !== previousJob.savepointRedeployNonce &&
    isBlank(currentJob.initialSavepointPath) &&
    currentJob.flinkStateSnapshotReference === undefined
  ) {
    report(
      "spec.job.initialSavepointPath",
      "required when spec.job.savepointRedeployNonce changes",
      "set it to the savepoint to redeploy from",
    );
  }
}

function checkServiceAccount(serviceAccount: string | undefined, report: Report): void {
  if (!isBlank(serviceAccount)) return;
  report(
    "spec.serviceAccount",
    "required",
    `set it to the service account the JobManager runs as (e.g. "flink")`,
  );
}

function canParse(parse: (text: string) => unknown, text: string): boolean {
  try {
    parse(text);
    return true;
  } catch {
    return false;
  }
}

function isQuantity(value: string | number): boolean {
  const amount = quantityAmount(value);
  return amount !== undefined && amount >= 0;
}

/** Magnitude of a Kubernetes quantity (sign kept); units only matter for comparing like names. */
function quantityAmount(value: string | number): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  return quantityValue(value);
}
