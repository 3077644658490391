/**
 * An upgrade/restore that cannot proceed safely (FKO UpgradeFailureException): recorded in
 * status and as a Warning event with `reason`, then retried at the normal reconcile interval —
 * not hammered with backoff, because it usually needs a human (e.g. "Manual restore required").
 */
export class UpgradeFailure extends Error {
  constructor(
    readonly reason:
      | "UpgradeFailed"
      | "RestoreFailed"
      | "CheckpointNotFound"
      | "SavepointError"
      | "CleanupFailed",
    message: string,
  ) {
    super(message);
    this.name = "UpgradeFailure";
  }
}

/** The JobManager deployment itself is failing (FKO DeploymentFailedException). */
export class DeploymentFailure extends Error {
  constructor(readonly reason: string, message: string) {
    super(message);
    this.name = "DeploymentFailure";
  }
}

/** A precondition that will resolve by itself (e.g. a snapshot still being taken): poll again. */
export class WaitingFor extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WaitingFor";
  }
}
