import type { FlinkConfig } from "./flink_config.ts";
import { type FlinkVersion, isAtLeast } from "./version.ts";

/*
 * The Flink options the simulator honours, each with the spellings of all supported versions
 * (1.20 renamed the checkpoint options, 1.17 renamed `high-availability`).
 */

export const SAVEPOINT_PATH_KEYS = ["execution.state-recovery.path", "execution.savepoint.path"];
export const IGNORE_UNCLAIMED_KEYS = [
  "execution.state-recovery.ignore-unclaimed-state",
  "execution.savepoint.ignore-unclaimed-state",
];
export const CLAIM_MODE_KEYS = [
  "execution.state-recovery.claim-mode",
  "execution.savepoint-restore-mode",
];
const CHECKPOINT_DIR_KEYS = ["execution.checkpointing.dir", "state.checkpoints.dir"];
const SAVEPOINT_DIR_KEYS = ["execution.checkpointing.savepoint-dir", "state.savepoints.dir"];

/** The operator's guard value for last-state restores: must fail unless HA has a checkpoint. */
export const LAST_STATE_SENTINEL = "KUBERNETES_OPERATOR_LAST_STATE";

export const K8S_HA_FACTORY =
  "org.apache.flink.kubernetes.highavailability.KubernetesHaServicesFactory";

export type HaKind = "none" | "kubernetes" | "unsupported";

export function haKind(config: FlinkConfig): HaKind {
  const value = config.get("high-availability.type", "high-availability")?.toLowerCase();
  if (!value || value === "none") return "none";
  if (value === "kubernetes" || value === K8S_HA_FACTORY.toLowerCase()) return "kubernetes";
  return "unsupported";
}

/** Cluster id as the JobManager uses it for HA ConfigMap names. */
export function clusterIdOf(config: FlinkConfig): string | undefined {
  return config.get("kubernetes.cluster-id", "high-availability.cluster-id");
}

export function checkpointDirOf(config: FlinkConfig): string | undefined {
  return config.get(...CHECKPOINT_DIR_KEYS);
}

export function defaultSavepointDirOf(config: FlinkConfig): string | undefined {
  return config.get(...SAVEPOINT_DIR_KEYS);
}

/** The key Flink names in "Config key [...] is not set" for this version. */
export function savepointDirKeyName(version: FlinkVersion): string {
  return isAtLeast(version, 1, 20) ? SAVEPOINT_DIR_KEYS[0] : SAVEPOINT_DIR_KEYS[1];
}

export function checkpointIntervalMsOf(config: FlinkConfig): number | undefined {
  const ms = config.getDurationMs(["execution.checkpointing.interval"]);
  return ms !== undefined && ms > 0 ? ms : undefined;
}

export function retainedCheckpointsOf(config: FlinkConfig): number {
  const n = config.getInt(
    ["execution.checkpointing.num-retained", "state.checkpoints.num-retained"],
    1,
  );
  return Math.max(1, n);
}

export type RetentionPolicy =
  | "RETAIN_ON_CANCELLATION"
  | "DELETE_ON_CANCELLATION"
  | "NO_EXTERNALIZED_CHECKPOINTS";

export function retentionPolicyOf(config: FlinkConfig): RetentionPolicy {
  const value = config.get(
    "execution.checkpointing.externalized-checkpoint-retention",
    "execution.checkpointing.externalized-checkpoints",
  )?.toUpperCase();
  if (value === "RETAIN_ON_CANCELLATION" || value === "DELETE_ON_CANCELLATION") return value;
  return "NO_EXTERNALIZED_CHECKPOINTS";
}

export type ClaimMode = "CLAIM" | "NO_CLAIM" | "LEGACY";

export function parseClaimMode(text: string | undefined): ClaimMode | undefined {
  const value = text?.trim().toUpperCase();
  return value === "CLAIM" || value === "NO_CLAIM" || value === "LEGACY" ? value : undefined;
}

/**
 * Whether failures are restarted. Flink's default: restart forever when checkpointing is
 * enabled, never otherwise. `maxAttempts` undefined = unlimited.
 */
export interface RestartPolicy {
  restarts: boolean;
  maxAttempts?: number;
  description: string;
}

export function restartPolicyOf(config: FlinkConfig): RestartPolicy {
  const type = config.get("restart-strategy.type", "restart-strategy")?.toLowerCase();
  if (type === "none" || type === "off" || type === "disable") {
    return { restarts: false, description: "NoRestartBackoffTimeStrategy" };
  }
  if (type === "fixed-delay" || type === "fixeddelay") {
    const attempts = config.getInt(["restart-strategy.fixed-delay.attempts"], 1);
    return {
      restarts: true,
      maxAttempts: attempts,
      description: `FixedDelayRestartBackoffTimeStrategy(maxNumberRestartAttempts=${attempts})`,
    };
  }
  if (type) {
    return { restarts: true, description: `${type} restart strategy` };
  }
  return checkpointIntervalMsOf(config) !== undefined
    ? { restarts: true, description: "ExponentialDelayRestartBackoffTimeStrategy" }
    : { restarts: false, description: "NoRestartBackoffTimeStrategy" };
}

export function tolerableCheckpointFailuresOf(config: FlinkConfig): number {
  return config.getInt(["execution.checkpointing.tolerable-failed-checkpoints"], 0);
}

export function restPortOf(config: FlinkConfig): number {
  const bind = config.get("rest.bind-port");
  const first = bind ? Number.parseInt(bind.split(/[-,]/)[0], 10) : NaN;
  return Number.isFinite(first) ? first : config.getInt(["rest.port"], 8081);
}

export function slotsPerTaskManagerOf(config: FlinkConfig): number {
  return Math.max(1, config.getInt(["taskmanager.numberOfTaskSlots"], 1));
}

export function parallelismOf(config: FlinkConfig): number {
  return Math.max(1, config.getInt(["parallelism.default"], 1));
}

/**
 * `pipeline.jobvertex-parallelism-overrides` (`<vertex id>:<parallelism>,…`) for one vertex,
 * which Flink's Dispatcher applies when the job is submitted.
 */
export function parallelismOverrideOf(config: FlinkConfig, vertexId: string): number | undefined {
  const text = config.get("pipeline.jobvertex-parallelism-overrides") ?? "";
  for (const entry of text.split(",")) {
    const colon = entry.indexOf(":");
    if (colon < 0 || entry.slice(0, colon).trim().toLowerCase() !== vertexId) continue;
    const value = Number.parseInt(entry.slice(colon + 1).trim(), 10);
    if (Number.isFinite(value) && value > 0) return value;
  }
  return undefined;
}

/**
 * A vertex's maximum parallelism: `pipeline.max-parallelism`, else Flink's default for its
 * parallelism (1.5 × parallelism rounded up to a power of two, within 128…32768).
 */
export function maxParallelismOf(config: FlinkConfig, parallelism: number): number {
  const configured = config.getInt(["pipeline.max-parallelism"], -1);
  if (configured > 0) return configured;
  const wanted = parallelism + Math.floor(parallelism / 2);
  const powerOfTwo = 2 ** Math.ceil(Math.log2(Math.max(1, wanted)));
  return Math.min(Math.max(powerOfTwo, 128), 32768);
}

/** `web.checkpoints.history`: how many checkpoints the REST statistics remember. */
export function checkpointHistorySizeOf(config: FlinkConfig): number {
  return Math.max(1, config.getInt(["web.checkpoints.history"], 10));
}

/** The job name: `pipeline.name`, else the entry class, else Flink's streaming default. */
export function jobNameOf(config: FlinkConfig, entryClass: string | undefined): string {
  return config.get("pipeline.name") ?? entryClass ?? "Flink Streaming Job";
}
