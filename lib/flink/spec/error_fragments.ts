/**
 * Message fragments that FKO's lifecycle logic (and user tooling written against FKO) looks for in
 * `status.error` (reference §1.8). Errors that mean "the operator cannot go on without a human"
 * must contain one of them verbatim, otherwise the resource is not reported as FAILED.
 */

/** The operator gave up: someone has to restore the job by hand. */
export const MANUAL_RESTORE_REQUIRED = "Manual restore required.";

/** A last-state upgrade or recovery found no Kubernetes/ZooKeeper HA data to restore from. */
export const HA_METADATA_NOT_AVAILABLE = "HA metadata is not available";

/** The JobManager vanished and the job may be gone for good. */
export const JOB_MAY_HAVE_TERMINATED = "It is possible that the job has finished or terminally " +
  "failed, or the configmaps have been deleted.";

export const SIGNIFICANT_ERROR_FRAGMENTS: readonly string[] = [
  MANUAL_RESTORE_REQUIRED,
  HA_METADATA_NOT_AVAILABLE,
  JOB_MAY_HAVE_TERMINATED,
];

/** True when `error` (raw `status.error`, JSON or plain) contains a significant fragment. */
export function hasSignificantErrorFragment(error: string | undefined): boolean {
  if (error === undefined || error === "") return false;
  return SIGNIFICANT_ERROR_FRAGMENTS.some((fragment) => error.includes(fragment));
}
