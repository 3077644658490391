/**
 * Whether a deployment that did not become stable should be rolled back to `lastStableSpec`
 * (reference §3.10, FKO `AbstractFlinkResourceReconciler.shouldRollBack`). Pure predicate; the
 * rollback itself (ROLLING_BACK state, `Rollback` event, spec swap) is the controller's job.
 */
import type { FlinkVersion, JobState, ReconciliationState, UpgradeMode } from "../../api/mod.ts";

/** What decides whether a rollback is due, before asking the cluster (cheap, pure facts). */
export interface RollbackTiming {
  /** `kubernetes.operator.deployment.rollback.enabled` (observe config). */
  readonly rollbackEnabled: boolean;
  readonly reconciliationState: ReconciliationState;
  /** A spec change is pending (diff not IGNORE, or state UPGRADING). */
  readonly specChanged: boolean;
  /** Raw `lastReconciledSpec` / `lastStableSpec` strings; equal strings mean "stable". */
  readonly lastReconciledSpec?: string;
  readonly lastStableSpec?: string;
  /** `job.state` recorded in lastStableSpec; undefined for session clusters. */
  readonly lastStableJobState?: JobState;
  readonly lastStableFlinkVersion?: FlinkVersion;
  /** flinkVersion of the current spec. */
  readonly flinkVersion?: FlinkVersion;
  /** `reconciliationStatus.reconciliationTimestamp`, epoch ms. */
  readonly reconciliationTimestamp: number;
  /** `kubernetes.operator.deployment.readiness.timeout` in ms. */
  readonly readinessTimeoutMs: number;
  /** Epoch ms. */
  readonly now: number;
}

export interface RollbackInput extends RollbackTiming {
  /** lastReconciled `job.upgradeMode` (restore mode); undefined for session clusters. */
  readonly lastReconciledUpgradeMode?: UpgradeMode;
  readonly jobManagerPodNeverStarted: boolean;
  readonly haMetadataAvailable: boolean;
}

/**
 * The deployed spec has not become stable within the readiness timeout and there is a stable
 * spec worth going back to. Whether it can be done safely is {@link shouldRollBack}'s part.
 */
export function rollbackDue(input: RollbackTiming): boolean {
  if (input.specChanged) return false;
  if (!input.rollbackEnabled || input.reconciliationState === "ROLLED_BACK") return false;
  if (input.lastStableSpec === undefined) return false; // nothing to go back to
  if (input.lastReconciledSpec === input.lastStableSpec) return false; // already stable
  // Rolling back into a suspended job, or across a Flink version, would not restore service.
  if (input.lastStableJobState === "suspended") return false;
  if (input.lastStableFlinkVersion !== input.flinkVersion) return false;
  return input.now - input.readinessTimeoutMs > input.reconciliationTimestamp;
}

export function shouldRollBack(input: RollbackInput): boolean {
  // A rollback in progress runs to its end (a spec change then abandons it in the controller).
  if (input.reconciliationState === "ROLLING_BACK") return true;
  if (!rollbackDue(input)) return false;
  // The JobManager never ran, so no HA data was written; the savepoint it was started from is
  // still the state to return to.
  if (input.lastReconciledUpgradeMode === "savepoint" && input.jobManagerPodNeverStarted) {
    return true;
  }
  return input.haMetadataAvailable;
}
