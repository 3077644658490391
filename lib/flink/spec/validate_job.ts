/** Validation rules about a job, shared by FlinkDeployment and FlinkSessionJob. */
import type { JobSpec } from "../../api/mod.ts";
import { parseDuration } from "../../config/duration.ts";
import { OPTIONS } from "../../config/options.ts";
import {
  CHECKPOINT_DIR_KEYS,
  describeDirKeys,
  firstConfiguredKey,
  isBlank,
  SAVEPOINT_DIR_KEYS,
} from "./state_dirs.ts";
import { ValidationConfig } from "./validation_config.ts";
import type { Report } from "./validation_issue.ts";

const AUTOSCALER_ENABLED = "job.autoscaler.enabled";
const AUTOSCALER_METRICS_WINDOW = "job.autoscaler.metrics.window";
const AUTOSCALER_METRICS_WINDOW_DEFAULT_MS = 15 * 60_000;
const AUTOSCALER_NON_NEGATIVE_NUMBERS = [
  "job.autoscaler.scale-down.max-factor",
  "job.autoscaler.scale-up.max-factor",
  "job.autoscaler.target.utilization",
  "job.autoscaler.target.utilization.boundary",
] as const;

/**
 * The job rules (FKO validateJobSpec) against the resource's merged configuration: state
 * directories the upgrade mode and snapshot options need. (Parallelism, TaskManager count and
 * the snapshot reference need only the object: they are object rules, lib/api/rules.)
 */
export function checkJob(job: JobSpec, config: ValidationConfig, report: Report): void {
  const hasCheckpointDir = firstConfiguredKey(config.values, CHECKPOINT_DIR_KEYS) !== undefined;
  if (job.upgradeMode !== "stateless" && !hasCheckpointDir) {
    report(
      "spec.job.upgradeMode",
      `${job.upgradeMode} needs a checkpoint directory`,
      `set ${describeDirKeys(CHECKPOINT_DIR_KEYS)} in spec.flinkConfiguration, ` +
        "or use upgradeMode stateless",
    );
  }

  if (firstConfiguredKey(config.values, SAVEPOINT_DIR_KEYS) === undefined) {
    const savepointDir = describeDirKeys(SAVEPOINT_DIR_KEYS);
    if (job.upgradeMode === "savepoint") {
      report(
        "spec.job.upgradeMode",
        "savepoint needs a savepoint directory",
        `set ${savepointDir} in spec.flinkConfiguration, or use upgradeMode last-state`,
      );
    }
    if (job.savepointTriggerNonce !== undefined) {
      report(
        "spec.job.savepointTriggerNonce",
        "manual savepoints need a savepoint directory",
        `set ${savepointDir} in spec.flinkConfiguration, or remove savepointTriggerNonce`,
      );
    }
    const periodicKey = OPTIONS.periodicSavepointInterval.key;
    if (!isBlank(config.get(periodicKey))) {
      report(
        config.field(periodicKey),
        "periodic savepoints need a savepoint directory",
        `set ${savepointDir}, or remove ${periodicKey}`,
      );
    }
    const maxAgeKey = OPTIONS.jobUpgradeLastStateMaxAllowedCheckpointAge.key;
    if (!isBlank(config.get(maxAgeKey))) {
      report(
        config.field(maxAgeKey),
        "the maximum checkpoint age needs a savepoint directory to fall back to savepoints",
        `set ${savepointDir}, or remove ${maxAgeKey}`,
      );
    }
  }
}

/** Autoscaler options, when the autoscaler is enabled (FKO validateAutoScalerFlinkConfiguration). */
export function checkAutoscaler(
  config: ValidationConfig,
  operatorConfig: Readonly<Record<string, string>>,
  report: Report,
): void {
  if (config.get(AUTOSCALER_ENABLED)?.trim().toLowerCase() !== "true") return;
  for (const key of AUTOSCALER_NON_NEGATIVE_NUMBERS) {
    const value = config.get(key);
    if (value === undefined) continue;
    const number = Number(value.trim());
    if (value.trim() === "" || !Number.isFinite(number) || number < 0) {
      report(config.field(key), `"${value}" is not a non-negative number`, "use e.g. 0.5");
    }
  }
  const window = config.get(AUTOSCALER_METRICS_WINDOW);
  let windowMs = AUTOSCALER_METRICS_WINDOW_DEFAULT_MS;
  if (window !== undefined) {
    try {
      windowMs = parseDuration(window);
    } catch {
      report(
        config.field(AUTOSCALER_METRICS_WINDOW),
        `"${window}" is not a duration`,
        `use e.g. "10 min"`,
      );
      return;
    }
  }
  // An operator-wide option: a value in the spec has no effect, so only the operator's counts.
  const intervalMs = new ValidationConfig(operatorConfig, {}).option(
    OPTIONS.reconcileInterval,
    report,
  );
  if (windowMs < intervalMs) {
    report(
      config.field(AUTOSCALER_METRICS_WINDOW),
      "is shorter than the operator's reconcile interval",
      `set it to at least ${OPTIONS.reconcileInterval.key} (${intervalMs} ms)`,
    );
  }
}
