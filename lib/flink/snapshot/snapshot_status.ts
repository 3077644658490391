/**
 * The state machine of `FlinkStateSnapshot.status` (FKO FlinkStateSnapshotUtils and
 * `updateErrorStatus`): TRIGGER_PENDING → IN_PROGRESS → COMPLETED, with FAILED (retried with
 * exponential backoff until `backoffLimit`) and ABANDONED (the job went away) on the side.
 * Pure functions over the status object, so every transition is unit-testable.
 */
import type { FlinkStateSnapshotStatus } from "../../api/flink_state_snapshot.ts";
import type { SnapshotState } from "../../api/enums.ts";

/** States after which the controller never acts on the snapshot again. */
export const FINAL_SNAPSHOT_STATES: readonly SnapshotState[] = ["COMPLETED", "FAILED", "ABANDONED"];

/**
 * A Kubernetes-style timestamp (RFC 3339, whole seconds, `Z`), as FKO writes `triggerTimestamp`
 * and `resultTimestamp` (e.g. `2026-07-20T10:00:00Z`).
 */
export function kubernetesTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

export function markInProgress(
  status: FlinkStateSnapshotStatus,
  triggerId: string,
  now: number,
): void {
  status.state = "IN_PROGRESS";
  status.triggerId = triggerId;
  status.triggerTimestamp = kubernetesTimestamp(now);
}

export function markCompleted(
  status: FlinkStateSnapshotStatus,
  path: string | undefined,
  now: number,
  opts: { setTriggerTimestamp: boolean },
): void {
  const time = kubernetesTimestamp(now);
  status.state = "COMPLETED";
  status.path = path;
  status.error = undefined;
  status.resultTimestamp = time;
  if (opts.setTriggerTimestamp) status.triggerTimestamp = time;
}

export function markAbandoned(
  status: FlinkStateSnapshotStatus,
  message: string,
  now: number,
): void {
  status.state = "ABANDONED";
  status.path = undefined;
  status.error = message;
  status.resultTimestamp = kubernetesTimestamp(now);
}

/** What a failed attempt leads to. */
export type FailureOutcome =
  | { readonly retry: true; readonly delayMs: number }
  | { readonly retry: false };

/**
 * Records a failed trigger or observation. The snapshot is FAILED for good once `failures`
 * exceeds a non-negative `backoffLimit`; otherwise it goes back to TRIGGER_PENDING and is retried
 * after `base × 2^(failures−1)`. The trigger id is dropped so the retry starts a new operation.
 */
export function recordFailure(
  status: FlinkStateSnapshotStatus,
  errorJson: string,
  opts: { backoffLimit: number; now: number; backoffBaseMs: number },
): FailureOutcome {
  status.failures = (status.failures ?? 0) + 1;
  status.error = errorJson;
  status.resultTimestamp = kubernetesTimestamp(opts.now);
  status.triggerId = undefined;
  status.state = "FAILED";
  if (opts.backoffLimit >= 0 && status.failures > opts.backoffLimit) return { retry: false };
  status.state = "TRIGGER_PENDING";
  return { retry: true, delayMs: retryDelayMs(opts.backoffBaseMs, status.failures) };
}

/** Delay before retry number `failures` (1-based): base, 2 × base, 4 × base, ... */
export function retryDelayMs(baseMs: number, failures: number): number {
  const exponent = Math.min(Math.max(0, failures - 1), 30);
  return baseMs * 2 ** exponent;
}

/**
 * Milliseconds until a failed snapshot may be triggered again (0: now). `failedAtMs` is the
 * precise failure time when this process saw it; after a restart only the persisted
 * `resultTimestamp` (whole seconds) is known.
 */
export function retryWaitMs(
  status: FlinkStateSnapshotStatus,
  opts: { now: number; backoffBaseMs: number; failedAtMs?: number },
): number {
  if (status.state !== "TRIGGER_PENDING" || !status.failures) return 0;
  const persisted = status.resultTimestamp ? Date.parse(status.resultTimestamp) : NaN;
  const failedAt = Math.max(opts.failedAtMs ?? 0, Number.isFinite(persisted) ? persisted : 0);
  if (failedAt === 0) return 0;
  const due = failedAt + retryDelayMs(opts.backoffBaseMs, status.failures);
  return Math.max(0, due - opts.now);
}
