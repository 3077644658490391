import type { UpgradeFailureReason } from "../spec/upgrade.ts";

/**
 * An upgrade/restore that cannot proceed safely (FKO UpgradeFailureException): recorded in
 * status and as a Warning event with `reason`, then retried at the normal reconcile interval —
 * not hammered with backoff, because it usually needs a human (e.g. "Manual restore required").
 */
export class UpgradeFailure extends Error {
  constructor(readonly reason: UpgradeFailureReason, message: string) {
    super(message);
    this.name = "UpgradeFailure";
  }
}

/**
 * A precondition that will resolve by itself (a snapshot still being taken, a session cluster
 * still starting): recorded in status with a Normal `Waiting` event, and polled again.
 */
export class WaitingFor extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WaitingFor";
  }
}
