/**
 * The cluster health check of application clusters (reference §3.13, FKO ClusterHealthEvaluator):
 * from samples of the job's restart count and completed-checkpoint count, kept between passes in
 * `status.clusterInfo.ClusterHealthInfo` (FKO's JSON, so a migrated resource keeps its history),
 * decide whether the job restarts too often or no longer completes checkpoints. Pure functions;
 * the observer feeds in the metrics, the reconciler acts on the result.
 */

/** `status.clusterInfo` key of the health history (FKO: the class's simple name). */
export const CLUSTER_HEALTH_INFO_KEY = "ClusterHealthInfo";

export interface ClusterHealthResult {
  readonly healthy: boolean;
  /** Null while nothing was evaluated yet; FKO joins the errors of both checks with `|`. */
  readonly error: string | null;
}

/** FKO's ClusterHealthInfo, field for field and in its order. */
export interface ClusterHealthInfo {
  /** When these numbers were observed, epoch ms. */
  timeStamp: number;
  numRestarts: number;
  /** Since when `numRestarts` is the baseline of the restart window, epoch ms. */
  numRestartsEvaluationTimeStamp: number;
  numCompletedCheckpoints: number;
  /** When the completed-checkpoint count last grew, epoch ms. */
  numCompletedCheckpointsIncreasedTimeStamp: number;
  healthResult: ClusterHealthResult;
}

/** What one observation saw. */
export interface HealthSample {
  readonly timeStamp: number;
  readonly numRestarts: number;
  readonly numCompletedCheckpoints: number;
}

export interface HealthPolicy {
  /** `kubernetes.operator.cluster.health-check.restarts.window` in ms. */
  readonly restartsWindowMs: number;
  /** `kubernetes.operator.cluster.health-check.restarts.threshold`. */
  readonly restartsThreshold: number;
  /** `kubernetes.operator.cluster.health-check.checkpoint-progress.enabled`. */
  readonly checkpointProgressEnabled: boolean;
  /** `kubernetes.operator.cluster.health-check.checkpoint-progress.window` in ms, if set. */
  readonly checkpointProgressWindowMs?: number;
  /** `execution.checkpointing.interval` in ms; undefined or ≤ 0: checkpointing is off. */
  readonly checkpointIntervalMs?: number;
  /** `execution.checkpointing.timeout` in ms (Flink's default 10 min). */
  readonly checkpointTimeoutMs: number;
  /** `execution.checkpointing.tolerable-failed-checkpoints` (Flink's default 0). */
  readonly tolerableFailedCheckpoints: number;
}

const HEALTHY: ClusterHealthResult = { healthy: true, error: null };

/**
 * The new history after `sample`. The first sample only starts the history; later ones are
 * judged against it. Throws when the sample is older than the history (a clock gone backwards),
 * as FKO does.
 */
export function evaluateClusterHealth(
  last: ClusterHealthInfo | undefined,
  sample: HealthSample,
  policy: HealthPolicy,
  now: number,
): ClusterHealthInfo {
  if (last === undefined) {
    return {
      timeStamp: sample.timeStamp,
      numRestarts: sample.numRestarts,
      numRestartsEvaluationTimeStamp: sample.timeStamp,
      numCompletedCheckpoints: sample.numCompletedCheckpoints,
      numCompletedCheckpointsIncreasedTimeStamp: sample.timeStamp,
      healthResult: HEALTHY,
    };
  }
  if (sample.timeStamp < last.timeStamp) {
    throw new Error("the observed health sample is older than the recorded one");
  }
  const next = { ...last };
  const restarts = evaluateRestarts(next, sample, policy, now);
  const checkpoints = evaluateCheckpoints(next, sample, policy, now);
  next.timeStamp = sample.timeStamp;
  next.healthResult = join(restarts, checkpoints);
  return next;
}

/** The restarts within the window (scaled down when the samples are further apart). */
function evaluateRestarts(
  info: ClusterHealthInfo,
  sample: HealthSample,
  policy: HealthPolicy,
  now: number,
): ClusterHealthResult {
  if (sample.numRestarts < info.numRestarts) {
    // The counter started over (a new job): a new baseline.
    info.numRestarts = sample.numRestarts;
    info.numRestartsEvaluationTimeStamp = sample.timeStamp;
    return HEALTHY;
  }
  const elapsed = sample.timeStamp - info.numRestartsEvaluationTimeStamp;
  const multiplier = Math.min(1, policy.restartsWindowMs / elapsed);
  const restarts = Math.trunc((sample.numRestarts - info.numRestarts) * multiplier);
  const result = restarts <= policy.restartsThreshold
    ? HEALTHY
    : { healthy: false, error: `Restart count hit threshold: ${policy.restartsThreshold}` };
  if (info.numRestartsEvaluationTimeStamp < now - policy.restartsWindowMs) {
    info.numRestarts = sample.numRestarts;
    info.numRestartsEvaluationTimeStamp = sample.timeStamp;
  }
  return result;
}

/** Whether the completed-checkpoint count grew within the window. */
function evaluateCheckpoints(
  info: ClusterHealthInfo,
  sample: HealthSample,
  policy: HealthPolicy,
  now: number,
): ClusterHealthResult {
  if (!policy.checkpointProgressEnabled) return HEALTHY;
  const window = checkpointProgressWindowMs(policy);
  if (window === undefined) return HEALTHY;
  if (sample.numCompletedCheckpoints < info.numCompletedCheckpoints) {
    info.numCompletedCheckpoints = sample.numCompletedCheckpoints;
    info.numCompletedCheckpointsIncreasedTimeStamp = sample.timeStamp;
    return HEALTHY;
  }
  if (sample.numCompletedCheckpoints > info.numCompletedCheckpoints) {
    info.numCompletedCheckpoints = sample.numCompletedCheckpoints;
    info.numCompletedCheckpointsIncreasedTimeStamp = sample.timeStamp;
  } else if (info.numCompletedCheckpointsIncreasedTimeStamp + window < now) {
    return { healthy: false, error: "Cluster is not able to complete checkpoints" };
  }
  return HEALTHY;
}

/**
 * The window within which a checkpoint must complete: the configured one unless it is shorter
 * than `max(interval, timeout) × (tolerable failures + 2)`, which is used instead; undefined when
 * neither a window is configured nor checkpointing is on (nothing to expect).
 */
export function checkpointProgressWindowMs(policy: HealthPolicy): number | undefined {
  const interval = policy.checkpointIntervalMs ?? -1;
  const failures = policy.tolerableFailedCheckpoints + 2;
  const minimum = Math.max(interval * failures, policy.checkpointTimeoutMs * failures);
  const configured = policy.checkpointProgressWindowMs;
  if (configured === undefined && interval <= 0) return undefined;
  return configured !== undefined && configured >= minimum ? configured : minimum;
}

function join(a: ClusterHealthResult, b: ClusterHealthResult): ClusterHealthResult {
  return {
    healthy: a.healthy && b.healthy,
    error: [a.error, b.error].filter((e) => e !== null).join("|"),
  };
}

/** FKO's JSON of the history (Jackson, fields in declaration order). */
export function serializeClusterHealthInfo(info: ClusterHealthInfo): string {
  return JSON.stringify({
    timeStamp: info.timeStamp,
    numRestarts: info.numRestarts,
    numRestartsEvaluationTimeStamp: info.numRestartsEvaluationTimeStamp,
    numCompletedCheckpoints: info.numCompletedCheckpoints,
    numCompletedCheckpointsIncreasedTimeStamp: info.numCompletedCheckpointsIncreasedTimeStamp,
    healthResult: { healthy: info.healthResult.healthy, error: info.healthResult.error },
  });
}

/** Reads the history; undefined for none or one that cannot be read (it then starts over). */
export function parseClusterHealthInfo(text: string | undefined): ClusterHealthInfo | undefined {
  if (!text) return undefined;
  try {
    const v = JSON.parse(text) as Partial<ClusterHealthInfo>;
    const num = (x: unknown) => typeof x === "number" && Number.isFinite(x) ? x : 0;
    if (!num(v.timeStamp)) return undefined;
    return {
      timeStamp: num(v.timeStamp),
      numRestarts: num(v.numRestarts),
      numRestartsEvaluationTimeStamp: num(v.numRestartsEvaluationTimeStamp),
      numCompletedCheckpoints: num(v.numCompletedCheckpoints),
      numCompletedCheckpointsIncreasedTimeStamp: num(v.numCompletedCheckpointsIncreasedTimeStamp),
      healthResult: {
        healthy: v.healthResult?.healthy !== false,
        error: typeof v.healthResult?.error === "string" ? v.healthResult.error : null,
      },
    };
  } catch {
    return undefined;
  }
}
