/**
 * Spec validation of a FlinkDeployment (reference §1.14, FKO `DefaultValidator`).
 *
 * Unlike FKO, which stops at the first problem, every problem is reported, and each message
 * names the field and says how to fix it: the text ends up in a `ValidationError` event and in
 * `status.error`, where it is the only help the user gets.
 *
 * The rules that need only the object itself are declared once in lib/api/rules (and are CEL
 * validations of the CRD too); they run here in the order of FKO's checks, between the rules
 * that need the operator's configuration or the deployed spec. Beyond FKO, it refuses what
 * Flink's own client and process start would refuse (memory that does not add up, a jar URI
 * the Flink version cannot load), so the error shows in status at once.
 */
import {
  FLINK_DEPLOYMENT_RULES,
  type FlinkDeployment,
  type FlinkDeploymentSpec,
  isFlinkVersionAtLeast,
  type ResourceRequirements,
} from "../../api/mod.ts";
import { flattenFlinkConfiguration } from "../../config/flatten.ts";
import { OPTIONS } from "../../config/options.ts";
import { quantityValue } from "../../kube/quantity.ts";
import { isHaEnabled } from "../ha.ts";
import { isZooKeeperHa, ZK_QUORUM_KEY } from "../zookeeper_ha.ts";
import { isBlank } from "./state_dirs.ts";
import { checkProcessMemory } from "./validate_memory.ts";
import { checkAutoscaler, checkJob } from "./validate_job.ts";
import { checkImage, checkRestPort, checkRestTls } from "./validate_cluster_options.ts";
import { ValidationConfig } from "./validation_config.ts";
import { type Report, RuleReporter, type ValidationIssue } from "./validation_issue.ts";

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

const FORBIDDEN_CONFIG_KEYS = [
  "kubernetes.namespace",
  "kubernetes.cluster-id",
  "high-availability.cluster-id",
] as const;

/** Flink's option enabling `http://` artifacts (Flink 1.19+ fetches remote jars). */
const RAW_HTTP_KEY = "user.artifacts.raw-http-enabled";

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
  const rules = new RuleReporter(
    FLINK_DEPLOYMENT_RULES,
    deployment,
    context.lastReconciledSpec,
    issues,
  );

  rules.report("metadata.name");
  rules.report("spec.flinkVersion");
  checkFlinkVersionChange(spec, context.lastReconciledSpec, report);
  checkForbiddenKeys(config, report);
  checkOperatorFeaturePrerequisites(config, report);
  rules.report("spec.imagePullPolicy");
  rules.report("spec.ingress");
  checkIngressUrl(deployment, report);
  rules.report("spec.logConfiguration");
  if (spec.job !== undefined) {
    checkJob(spec.job, config, report);
    checkApplicationJar(spec, config, report);
  }
  rules.report("spec.job");
  checkProcessMemory("jobManager", spec, config, report);
  rules.report("spec.jobManager");
  checkJobManagerReplicas(spec, config, report);
  checkOtherResources("spec.jobManager.resources", spec.jobManager?.resources, report);
  checkProcessMemory("taskManager", spec, config, report);
  rules.report("spec.taskManager");
  checkTaskSlots(config, report);
  checkOtherResources("spec.taskManager.resources", spec.taskManager?.resources, report);
  rules.report("spec.mode");
  rules.report("spec.serviceAccount");
  checkImage(spec, config, report);
  checkRestPort(config, report);
  checkRestTls(spec, config, report);
  rules.reportRemaining();
  checkAutoscaler(config, context.effectiveConfig, report);
  return issues;
}

/** A job suspended with last-state can only come back on the version it was suspended with. */
function checkFlinkVersionChange(
  spec: FlinkDeploymentSpec,
  lastReconciled: FlinkDeploymentSpec | undefined,
  report: Report,
): void {
  const version = spec.flinkVersion;
  if (version === undefined) return;
  // HA metadata and checkpoints written by the old version are not portable.
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

/**
 * Keys the operator sets itself. Operator-side only: `flinkConfiguration` is free-form
 * (`x-kubernetes-preserve-unknown-fields`), and the API server gives CEL no access to its keys.
 */
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

/** The template must make a URL (its presence is an object rule). */
function checkIngressUrl(deployment: ValidatedDeployment, report: Report): void {
  const template = deployment.spec.ingress?.template;
  if (template === undefined || template.trim() === "") return;
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

/**
 * What Flink's client refuses about the jar of a native application (object rules cover the
 * `local:` scheme before Flink 1.19): from 1.19 Flink fetches the jar itself, and `http://`
 * only with `user.artifacts.raw-http-enabled`.
 */
function checkApplicationJar(
  spec: FlinkDeploymentSpec,
  config: ValidationConfig,
  report: Report,
): void {
  const jarUri = spec.job?.jarURI;
  if (jarUri === undefined || spec.mode === "standalone" || spec.flinkVersion === undefined) return;
  if (!isFlinkVersionAtLeast(spec.flinkVersion, "v1_19")) return;
  if (!jarUri.startsWith("http:")) return;
  if (config.get(RAW_HTTP_KEY)?.trim().toLowerCase() === "true") return;
  report(
    "spec.job.jarURI",
    "Flink fetches http:// jars only with user.artifacts.raw-http-enabled",
    `use https://, or set ${RAW_HTTP_KEY}: "true" in spec.flinkConfiguration`,
  );
}

/** More than one JobManager needs HA (the minimum of one is an object rule). */
function checkJobManagerReplicas(
  spec: FlinkDeploymentSpec,
  config: ValidationConfig,
  report: Report,
): void {
  const replicas = spec.jobManager?.replicas ?? 1;
  if (replicas > 1 && !isHaEnabled(config.values)) {
    report(
      "spec.jobManager.replicas",
      `${replicas} JobManagers need high availability`,
      "enable HA (e.g. high-availability.type: kubernetes) or set replicas to 1",
    );
  }
}

/**
 * Flink refuses a slot count below 1 and CPU cores that are not positive. The TaskManager reads
 * -1 as 1, but the JobManager's slot manager (SlotManagerConfiguration) takes the value as it is
 * and fails its start on anything below 1, -1 included.
 */
function checkTaskSlots(config: ValidationConfig, report: Report): void {
  const slotsKey = "taskmanager.numberOfTaskSlots";
  const slots = config.get(slotsKey);
  const slotCount = slots === undefined ? 1 : /^\s*[+-]?\d+\s*$/.test(slots) ? Number(slots) : NaN;
  if (!(slotCount >= 1)) {
    report(
      config.field(slotsKey),
      `"${slots}" is not a number of task slots Flink accepts`,
      "use a whole number of at least 1",
    );
  }
  const coresKey = "taskmanager.cpu.cores";
  const cores = config.get(coresKey);
  if (cores !== undefined && !(Number(cores.trim()) > 0)) {
    report(
      config.field(coresKey),
      `"${cores}" is not a positive number of CPU cores`,
      "use e.g. 1 or 0.5, or remove it (the cores then default to the task slots)",
    );
  }
}

/**
 * Resources other than cpu and memory in `resources.requests/limits` (object rules cover those
 * two): non-negative quantities, as FKO's validateQuantities checks them.
 */
function checkOtherResources(
  path: string,
  resources: ResourceRequirements | undefined,
  report: Report,
): void {
  for (const kind of ["requests", "limits"] as const) {
    for (const [name, value] of Object.entries(resources?.[kind] ?? {})) {
      if (name === "cpu" || name === "memory") continue;
      const amount = typeof value === "number" ? value : quantityValue(value);
      if (amount === undefined || !Number.isFinite(amount) || amount < 0) {
        report(
          `${path}.${kind}.${name}`,
          `"${value}" is not a non-negative Kubernetes quantity`,
          `use e.g. "2Gi" or "1"`,
        );
      }
    }
  }
}
