/**
 * `status.lifecycleState`, derived from the rest of the status every time status is written
 * (reference §1.12, FKO `CommonStatus.getLifecycleState`). First matching rule wins.
 */
import {
  type JobManagerDeploymentStatus,
  parseSpecWithMeta,
  type ReconciledKind,
  type ReconciliationState,
  type ResourceLifecycleState,
} from "../../api/mod.ts";
import { hasSignificantErrorFragment } from "./error_fragments.ts";

/**
 * The status fields the lifecycle depends on. Both FlinkDeploymentStatus and
 * FlinkSessionJobStatus fit; `jobManagerDeploymentStatus` only exists on the former.
 */
export interface LifecycleStatus {
  readonly error?: string;
  readonly lifecycleState?: ResourceLifecycleState;
  readonly jobStatus?: { readonly state?: string };
  readonly reconciliationStatus?: {
    readonly state?: ReconciliationState;
    readonly lastReconciledSpec?: string;
    readonly lastStableSpec?: string;
  };
  readonly jobManagerDeploymentStatus?: JobManagerDeploymentStatus;
}

export interface LifecycleOptions {
  readonly kind: ReconciledKind;
}

export function computeLifecycleState(
  status: LifecycleStatus,
  options: LifecycleOptions,
): ResourceLifecycleState {
  // Set by the deletion path; nothing else may overwrite them.
  if (status.lifecycleState === "DELETING" || status.lifecycleState === "DELETED") {
    return status.lifecycleState;
  }
  const reconciliation = status.reconciliationStatus ?? {};
  const lastReconciledSpec = reconciliation.lastReconciledSpec;
  const hasError = status.error !== undefined && status.error !== "";
  if (lastReconciledSpec === undefined) return hasError ? "FAILED" : "CREATED";

  // The schema default of a reconciliation state is UPGRADING.
  const state = reconciliation.state ?? "UPGRADING";
  if (state === "UPGRADING") return "UPGRADING";
  if (state === "ROLLING_BACK") return "ROLLING_BACK";

  if (recordedJobState(lastReconciledSpec, options.kind) === "suspended") return "SUSPENDED";
  if (status.jobStatus?.state === "FAILED") return "FAILED";

  const jobManager = status.jobManagerDeploymentStatus;
  if (
    options.kind === "FlinkDeployment" && (jobManager === "MISSING" || jobManager === "ERROR") &&
    hasSignificantErrorFragment(status.error)
  ) {
    return "FAILED";
  }

  if (state === "ROLLED_BACK") return "ROLLED_BACK";
  if (lastReconciledSpec === reconciliation.lastStableSpec) return "STABLE";
  return "DEPLOYED";
}

/**
 * `job.state` recorded in a lastReconciledSpec (the actual state, not the desired one); undefined
 * for session clusters and for a spec that cannot be read, which then counts as not suspended.
 */
export function recordedJobState(
  lastReconciledSpec: string,
  kind: ReconciledKind,
): "running" | "suspended" | undefined {
  try {
    return parseSpecWithMeta(kind, lastReconciledSpec).spec.job?.state;
  } catch {
    return undefined;
  }
}
