/**
 * How to stop a running job for an upgrade and how to bring it back (reference §3.6, FKO
 * `AbstractJobReconciler.getJobUpgrade` and `ApplicationReconciler.getJobUpgrade`).
 *
 * The decision is a pure function of what the controller observed. Rules are evaluated in the
 * reference's order; the numbers in comments are the rows of its table.
 *
 * Invariant: a job whose spec asks for `savepoint` or `last-state` is never stopped or restored
 * statelessly. The stateful rules live in {@link decideStatefulUpgrade}, whose return type
 * cannot express a stateless upgrade, so the compiler enforces it.
 */
import {
  type FlinkVersion,
  isGloballyTerminal,
  type JobManagerDeploymentStatus,
  type UpgradeMode,
} from "../../api/mod.ts";
import {
  HA_METADATA_NOT_AVAILABLE,
  JOB_MAY_HAVE_TERMINATED,
  MANUAL_RESTORE_REQUIRED,
} from "./error_fragments.ts";

/** The savepoint path recorded after a last-state (HA) deploy; FKO `LAST_STATE_DUMMY_SP_PATH`. */
export const LAST_STATE_SAVEPOINT_SENTINEL = "KUBERNETES_OPERATOR_LAST_STATE";

/** How the running job is stopped (FKO `SuspendMode`). */
export type SuspendMode = "NOOP" | "STATELESS" | "SAVEPOINT" | "CANCEL" | "LAST_STATE";

/** Reasons of FKO's `UpgradeFailureException`, used as Warning event reasons. */
export type UpgradeFailureReason =
  | "UpgradeFailed"
  | "RestoreFailed"
  | "CheckpointNotFound"
  | "SavepointError"
  | "CleanupFailed";

/** Stop without keeping state, start empty. Only ever chosen when the spec says `stateless`. */
export interface StatelessUpgrade {
  readonly kind: "available";
  readonly suspend: "NOOP" | "STATELESS";
  readonly restoreMode: "stateless";
  /** Why this way, in words (logged by the controller, shown by `flinkop plan`). */
  readonly why: string;
}

/**
 * Stop keeping state; restore from a savepoint/checkpoint path (`savepoint`) or from HA
 * metadata (`last-state`). The restore mode is recorded as lastReconciled `job.upgradeMode`.
 */
export interface StatefulUpgrade {
  readonly kind: "available";
  readonly suspend: "NOOP" | "SAVEPOINT" | "CANCEL" | "LAST_STATE";
  readonly restoreMode: "savepoint" | "last-state";
  /** Why this way, in words (logged by the controller, shown by `flinkop plan`). */
  readonly why: string;
}

export type WaitReason =
  /** Savepoint mode, job not running, `last-state-fallback.enabled` false. */
  | "savepoint-fallback-disabled"
  /** Flink version change: needs a savepoint or a cancel, and neither is possible now. */
  | "version-change-needs-running-job"
  /** Max checkpoint age exceeded but a fresh checkpoint is in progress. */
  | "checkpoint-in-progress"
  /** No safe way to stop the job with its state right now (no HA metadata, not cancellable). */
  | "not-upgradable";

export interface UpgradeWait {
  readonly kind: "wait";
  readonly reason: WaitReason;
  readonly message: string;
}

/** A cancel is in flight: end this loop and wait for CANCELED. */
export interface PendingCancellation {
  readonly kind: "pending-cancellation";
  readonly why: string;
}

/** The operator cannot go on; record in `status.error` with a Warning event of `reason`. */
export interface UpgradeFailure {
  readonly kind: "fail";
  readonly reason: UpgradeFailureReason;
  readonly message: string;
}

/**
 * The JobManager of the previous (non-last-state) deploy never started: delete it, set the job
 * state to FAILED and decide again (FKO `deleteJmThatNeverStarted`).
 */
export interface DeleteUnstartedJobManager {
  readonly kind: "delete-unstarted-jm-and-retry";
  readonly why: string;
}

export type JobUpgradeDecision =
  | StatelessUpgrade
  | StatefulUpgrade
  | UpgradeWait
  | PendingCancellation
  | UpgradeFailure
  | DeleteUnstartedJobManager;

type StatefulDecision = Exclude<JobUpgradeDecision, StatelessUpgrade>;

export interface CheckpointInfo {
  /** Epoch ms of the newest completed checkpoint; undefined if there is none. */
  readonly newestCompletedAt?: number;
  /** Epoch ms at which the in-progress checkpoint started; undefined if none is running. */
  readonly pendingStartedAt?: number;
}

export interface JobUpgradeInput {
  /** `spec.job.upgradeMode` of the current spec: what the user wants. */
  readonly specUpgradeMode: UpgradeMode;
  /** lastReconciled `job.upgradeMode`: how the job was last deployed (its restore mode). */
  readonly lastReconciledUpgradeMode: UpgradeMode;
  /** flinkVersion of the deployed spec (lastReconciled, or lastStable when ROLLED_BACK). */
  readonly lastReconciledFlinkVersion?: FlinkVersion;
  /** flinkVersion of the current spec. */
  readonly flinkVersion?: FlinkVersion;
  /** `status.jobStatus.state` (Flink job state or RECONCILING); undefined when unknown. */
  readonly jobState?: string;
  /** FlinkDeployment only; ignored for session jobs (their session cluster is READY). */
  readonly jobManagerDeploymentStatus?: JobManagerDeploymentStatus;
  readonly haEnabledInDeployConfig: boolean;
  readonly haEnabledInObserveConfig: boolean;
  /** Per-job HA ConfigMaps (or ZooKeeper job nodes) exist. */
  readonly haMetadataAvailable: boolean;
  /** The JobManager Deployment has been unavailable since it was created. */
  readonly jobManagerPodNeverStarted: boolean;
  /** `kubernetes.operator.job.upgrade.last-state-fallback.enabled` (default true). */
  readonly lastStateFallbackEnabled: boolean;
  /** `kubernetes.operator.job.upgrade.last-state.job-cancel.enabled` (default false). */
  readonly lastStateJobCancelEnabled: boolean;
  /** `kubernetes.operator.job.upgrade.last-state.max.allowed.checkpoint.age` in ms, if set. */
  readonly maxCheckpointAgeMs?: number;
  /** `status.jobStatus.startTime` in epoch ms. */
  readonly jobStartTime?: number;
  /**
   * Checkpoint statistics of the running job. Only consulted when
   * {@link checkpointInfoRequired} says so; absent means "no checkpoints known".
   */
  readonly checkpointInfo?: CheckpointInfo;
  /** Epoch ms. */
  readonly now: number;
  /** A savepoint directory is configured (observe config). */
  readonly savepointsDirConfigured: boolean;
  /** `status.jobStatus.upgradeSavepointPath`. */
  readonly upgradeSavepointPath?: string;
  readonly isSessionJob: boolean;
}

/** Decides how to stop and restore the job for a spec change. */
export function decideJobUpgrade(input: JobUpgradeInput): JobUpgradeDecision {
  return decide(input, () => {});
}

/**
 * Whether {@link decideJobUpgrade} will look at `checkpointInfo` for this input, so that the
 * controller fetches checkpoint statistics from Flink only when they matter.
 */
export function checkpointInfoRequired(input: Omit<JobUpgradeInput, "checkpointInfo">): boolean {
  let required = false;
  decide(input, () => {
    required = true;
  });
  return required;
}

/**
 * FKO `isJobCancellable`: the job can be cancelled through REST. Its state must be known and
 * not terminal, and a FlinkDeployment's JobManager must be READY to answer.
 */
export function isJobCancellable(
  input: Pick<JobUpgradeInput, "jobState" | "jobManagerDeploymentStatus" | "isSessionJob">,
): boolean {
  const state = input.jobState;
  if (state === undefined || state === "RECONCILING" || isGloballyTerminal(state)) return false;
  return input.isSessionJob || input.jobManagerDeploymentStatus === "READY";
}

/**
 * FKO `allowLastStateCancel`: a last-state upgrade may cancel the job (and restore from its last
 * checkpoint) instead of deleting the JobManager and relying on HA metadata.
 */
export function allowLastStateCancel(
  input: Pick<
    JobUpgradeInput,
    | "jobState"
    | "jobManagerDeploymentStatus"
    | "isSessionJob"
    | "haMetadataAvailable"
    | "lastStateJobCancelEnabled"
  >,
): boolean {
  if (!isJobCancellable(input)) return false;
  // Session jobs have no HA path of their own; without HA metadata cancel is the only way.
  return input.isSessionJob || !input.haMetadataAvailable || input.lastStateJobCancelEnabled;
}

type OnCheckpointInfoRead = () => void;

function decide(
  input: Omit<JobUpgradeInput, "checkpointInfo"> & { checkpointInfo?: CheckpointInfo },
  onCheckpointInfoRead: OnCheckpointInfoRead,
): JobUpgradeDecision {
  const specMode = input.specUpgradeMode;
  // 1: the user asked for stateless; the only place a stateless upgrade is produced.
  if (specMode === "stateless") {
    const over = isGloballyTerminal(input.jobState);
    return {
      kind: "available",
      suspend: over ? "NOOP" : "STATELESS",
      restoreMode: "stateless",
      why: "spec.job.upgradeMode is stateless: " +
        (over
          ? `the job is already ${input.jobState}, nothing to stop; it starts without state`
          : "the job is cancelled and its cluster deleted with its HA data; it starts without " +
            "state"),
    };
  }
  return decideStatefulUpgrade({ ...input, specUpgradeMode: specMode }, onCheckpointInfoRead);
}

function decideStatefulUpgrade(
  input: Omit<JobUpgradeInput, "checkpointInfo" | "specUpgradeMode"> & {
    readonly specUpgradeMode: "savepoint" | "last-state";
    readonly checkpointInfo?: CheckpointInfo;
  },
  onCheckpointInfoRead: OnCheckpointInfoRead,
): StatefulDecision {
  const state = input.jobState;
  const jobManagerReady = input.isSessionJob || input.jobManagerDeploymentStatus === "READY";

  // 2: the job is over and its latest checkpoint was (or can be) observed: restore from it.
  if (
    isGloballyTerminal(state) &&
    (state === "CANCELED" || !input.haMetadataAvailable || jobManagerReady)
  ) {
    if (input.upgradeSavepointPath === LAST_STATE_SAVEPOINT_SENTINEL) {
      // Still the marker of an HA deploy: no checkpoint of this run was ever observed, so there
      // is no path to restore from, and starting empty would silently lose the state.
      return {
        kind: "fail",
        reason: "UpgradeFailed",
        message: "Job is in terminal state but last checkpoint is unknown, possibly due to an " +
          `unrecoverable restore error. ${MANUAL_RESTORE_REQUIRED}`,
      };
    }
    return {
      kind: "available",
      suspend: "NOOP",
      restoreMode: "savepoint",
      why: `the job is already ${state}, nothing to stop: it restores from the savepoint or ` +
        "checkpoint recorded when it ended (status.jobStatus.upgradeSavepointPath)",
    };
  }

  // 3
  if (state === "CANCELLING") {
    return {
      kind: "pending-cancellation",
      why: "a cancel of the job is in progress (CANCELLING): the upgrade waits for it to end",
    };
  }

  const running = state === "RUNNING";
  const versionChanged = input.lastReconciledFlinkVersion !== input.flinkVersion;

  if (input.specUpgradeMode === "savepoint") {
    // 4
    if (running) {
      return {
        kind: "available",
        suspend: "SAVEPOINT",
        restoreMode: "savepoint",
        why: "savepoint mode and the job is RUNNING: stop-with-savepoint, then restore from that " +
          "savepoint",
      };
    }
    // 5: a savepoint needs a running job; fall back to last-state if allowed.
    if (!versionChanged && !input.lastStateFallbackEnabled) {
      return {
        kind: "wait",
        reason: "savepoint-fallback-disabled",
        message: "Job is not running and last-state fallback is disabled " +
          "(kubernetes.operator.job.upgrade.last-state-fallback.enabled); waiting for the job " +
          "to run so a savepoint can be taken",
      };
    }
    // From here on the savepoint-mode job is treated as last-state.
    const decision = decideLastState(input, versionChanged, onCheckpointInfoRead);
    if (decision.kind !== "available" || versionChanged) return decision;
    return {
      ...decision,
      why: `savepoint mode, but the job is ${state ?? "in an unknown state"} (not RUNNING), so ` +
        "no savepoint can be taken and the upgrade falls back to last-state " +
        "(kubernetes.operator.job.upgrade.last-state-fallback.enabled): " + decision.why,
    };
  }
  return decideLastState(input, versionChanged, onCheckpointInfoRead);
}

/** Rules 6-9: a last-state upgrade, or a savepoint upgrade of a job that is not running. */
function decideLastState(
  input: Omit<JobUpgradeInput, "checkpointInfo" | "specUpgradeMode"> & {
    readonly checkpointInfo?: CheckpointInfo;
  },
  versionChanged: boolean,
  onCheckpointInfoRead: OnCheckpointInfoRead,
): StatefulDecision {
  const state = input.jobState;
  const running = state === "RUNNING";

  // 6: HA metadata cannot be carried across Flink versions; a savepoint or a cancel (restoring
  // from the last checkpoint) can.
  if (versionChanged) {
    const change = `the Flink version changes (${input.lastReconciledFlinkVersion ?? "unknown"} ` +
      `-> ${input.flinkVersion ?? "unknown"}) and HA metadata cannot be carried across versions`;
    if (running && input.savepointsDirConfigured) {
      return {
        kind: "available",
        suspend: "SAVEPOINT",
        restoreMode: "savepoint",
        why: `${change}: stop-with-savepoint, then restore from that savepoint`,
      };
    }
    if (isJobCancellable(input)) {
      return {
        kind: "available",
        suspend: "CANCEL",
        restoreMode: "savepoint",
        why: `${change}: the job is cancelled and restores from its newest checkpoint`,
      };
    }
    return {
      kind: "wait",
      reason: "version-change-needs-running-job",
      message: "Flink version change needs a savepoint or a cancellable job, and neither is " +
        "possible now; waiting for the job to run",
    };
  }

  const cancelAllowed = allowLastStateCancel(input);
  // 7
  if (running) return decideByCheckpointAge(input, cancelAllowed, onCheckpointInfoRead);
  // 8
  if (cancelAllowed) {
    return {
      kind: "available",
      suspend: "CANCEL",
      restoreMode: "savepoint",
      why: `the job is ${state} (not RUNNING) and ${cancelReason(input)}: it is cancelled and ` +
        "restores from its newest checkpoint",
    };
  }

  // 9: only application clusters can fall back to HA metadata or clean up a dead JobManager.
  if (!input.isSessionJob) {
    if (
      input.haEnabledInDeployConfig && input.haEnabledInObserveConfig && input.haMetadataAvailable
    ) {
      return {
        kind: "available",
        suspend: "LAST_STATE",
        restoreMode: "last-state",
        why: `the job is ${state ?? "in an unknown state"} and cannot be cancelled, and HA ` +
          "metadata is available: the JobManager is deleted (HA metadata kept) and the job " +
          "restores from it, keeping its job id",
      };
    }
    const jobManager = input.jobManagerDeploymentStatus ?? "MISSING";
    if (
      jobManager !== "MISSING" && input.lastReconciledUpgradeMode !== "last-state" &&
      input.jobManagerPodNeverStarted
    ) {
      return {
        kind: "delete-unstarted-jm-and-retry",
        why: "the JobManager of the previous deploy never started (so it wrote no HA metadata): " +
          "it is deleted, the job marked FAILED, and the upgrade decided again",
      };
    }
    if ((jobManager === "MISSING" || jobManager === "ERROR") && !input.haMetadataAvailable) {
      return {
        kind: "fail",
        reason: "UpgradeFailed",
        message: `JobManager deployment is missing and ${HA_METADATA_NOT_AVAILABLE} to make ` +
          `stateful upgrades. ${JOB_MAY_HAVE_TERMINATED} ${MANUAL_RESTORE_REQUIRED}`,
      };
    }
  }
  return {
    kind: "wait",
    reason: "not-upgradable",
    message: "Job is not running and cannot be stopped with its state kept right now " +
      "(no usable HA metadata and not cancellable); waiting",
  };
}

/**
 * 7: a running job in last-state mode. Restoring from an old checkpoint would replay a lot of
 * input, so when `max.allowed.checkpoint.age` is set and the newest checkpoint is older, a
 * savepoint is taken instead (or a checkpoint in progress is awaited).
 */
function decideByCheckpointAge(
  input:
    & Pick<
      JobUpgradeInput,
      "maxCheckpointAgeMs" | "jobStartTime" | "now" | "isSessionJob" | "haMetadataAvailable"
    >
    & {
      readonly checkpointInfo?: CheckpointInfo;
    },
  cancelAllowed: boolean,
  onCheckpointInfoRead: OnCheckpointInfoRead,
): StatefulDecision {
  const preferred = (because: string): StatefulUpgrade =>
    cancelAllowed
      ? {
        kind: "available",
        suspend: "CANCEL",
        restoreMode: "savepoint",
        why: `last-state mode, the job is RUNNING and ${cancelReason(input)}: it is cancelled ` +
          `and restores from its newest checkpoint${because}`,
      }
      : {
        kind: "available",
        suspend: "LAST_STATE",
        restoreMode: "last-state",
        why: "last-state mode, the job is RUNNING and HA metadata is available: the JobManager " +
          "is deleted (HA metadata kept) and the job restores from it, keeping its job id" +
          because,
      };
  const maxAge = input.maxCheckpointAgeMs;
  if (maxAge === undefined) return preferred("");
  const recent = (time: number | undefined) => time !== undefined && input.now - maxAge < time;
  const limit = `kubernetes.operator.job.upgrade.last-state.max.allowed.checkpoint.age (${
    formatMs(maxAge)
  })`;
  // A job that started recently has restored from a recent state anyway.
  if (recent(input.jobStartTime)) {
    return preferred(` (the job started within ${limit})`);
  }

  onCheckpointInfoRead();
  const newest = input.checkpointInfo?.newestCompletedAt;
  if (recent(newest)) return preferred(` (its newest checkpoint is within ${limit})`);
  if (recent(input.checkpointInfo?.pendingStartedAt)) {
    return {
      kind: "wait",
      reason: "checkpoint-in-progress",
      message: "Newest checkpoint is older than the maximum allowed age " +
        "(kubernetes.operator.job.upgrade.last-state.max.allowed.checkpoint.age); waiting for " +
        "the checkpoint in progress",
    };
  }
  return {
    kind: "available",
    suspend: "SAVEPOINT",
    restoreMode: "savepoint",
    why:
      `the newest checkpoint is ${
        newest === undefined ? "unknown (none completed)" : "older than"
      } ${limit}, and none is in progress: a savepoint is taken instead (stop-with-savepoint) ` +
      "and the job restores from it",
  };
}

/** Why a last-state upgrade may cancel the job ({@link allowLastStateCancel} holds). */
function cancelReason(
  input: Pick<JobUpgradeInput, "isSessionJob" | "haMetadataAvailable">,
): string {
  if (input.isSessionJob) return "a session job has no HA metadata of its own";
  if (!input.haMetadataAvailable) return "there is no HA metadata to restore from";
  return "kubernetes.operator.job.upgrade.last-state.job-cancel.enabled is true";
}

/** A duration for messages: `250 ms`, `45s`, `12m`, `3h`, `2d`. */
function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  if (s < 172_800) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86400)}d`;
}
