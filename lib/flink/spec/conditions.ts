/**
 * `status.conditions` of a FlinkDeployment.
 *
 * `Running` is FKO's only condition and is reproduced exactly (reference §1.8). The other three
 * follow the usual Kubernetes trio so that `kubectl wait --for=condition=Ready` and generic
 * tooling work; they are derived from the lifecycle state and never contradict it:
 *
 * | Type        | True when                                      | Reason if True / if False     |
 * |-------------|------------------------------------------------|-------------------------------|
 * | Running     | application: job RUNNING;                      | job state (`Running`,         |
 * |             | session: JobManager READY                      | `Failed`, ...) or JM status   |
 * |             |                                                | reason (`JobManagerReady`)    |
 * | Ready       | lifecycle STABLE or DEPLOYED, and the job      | `Ready` / lifecycle state     |
 * |             | RUNNING (application) or the JobManager READY  | (`Upgrading`, ...); once      |
 * |             | (session)                                      | deployed `Job<State>` or the  |
 * |             |                                                | JM status reason              |
 * | Progressing | lifecycle UPGRADING or ROLLING_BACK; or        | `Upgrading`, `RollingBack`,   |
 * |             | DEPLOYED and not up yet (job neither RUNNING   | `Deploying` / `Degraded`,     |
 * |             | nor terminal, or session JobManager not READY) | `Job<State>` or lifecycle     |
 * |             | and not Degraded                               | state (`Stable`, ...)         |
 * | Degraded    | job FAILED; JobManager ERROR; JobManager       | the first problem found (see  |
 * |             | MISSING while one should run (deployed, not    | below) / `AsExpected`         |
 * |             | upgrading, not suspended, job not terminal);   |                               |
 * |             | or `status.error` set                          |                               |
 *
 * Degraded reasons, in order of precedence: `JobFailed`, `JobManagerDeploymentError`,
 * `JobManagerDeploymentMissing`, `Error`; the message is the error message from `status.error`
 * when there is one.
 *
 * Before the first deployment there is no `Running` condition (as in FKO). `lastTransitionTime`
 * changes only when a condition's status flips.
 */
import {
  type Condition,
  isGloballyTerminal,
  JOB_MANAGER_DEPLOYMENT_STATUS_REASONS,
  type JobManagerDeploymentStatus,
  type ResourceLifecycleState,
  RUNNING_CONDITION_TYPE,
} from "../../api/mod.ts";
import { errorMessageOf } from "./error_json.ts";
import { computeLifecycleState, type LifecycleStatus, recordedJobState } from "./lifecycle.ts";
import { redactSecretText } from "./redact_text.ts";

export const CONDITION_TYPES = {
  running: RUNNING_CONDITION_TYPE,
  ready: "Ready",
  progressing: "Progressing",
  degraded: "Degraded",
} as const;

/** FKO's condition messages for each JobManager deployment status (session clusters). */
export const JOB_MANAGER_DEPLOYMENT_STATUS_MESSAGES: Readonly<
  Record<JobManagerDeploymentStatus, string>
> = {
  READY: "JobManager is running and ready to receive REST API calls",
  DEPLOYED_NOT_READY: "JobManager is running but not ready yet to receive REST API calls",
  DEPLOYING: "JobManager process is starting up",
  MISSING: "JobManager deployment not found",
  ERROR: "JobManager deployment failed",
};

// Keeps conditions readable in `kubectl describe`; the full error stays in status.error.
const MAX_MESSAGE_LENGTH = 1024;

export interface ConditionStatus extends LifecycleStatus {
  readonly observedGeneration?: number;
  readonly conditions?: readonly Condition[];
}

export interface ConditionOptions {
  /** Application cluster (the deployed spec has a job) rather than a session cluster. */
  readonly isApplication: boolean;
  readonly now: Date;
}

/**
 * FKO's `Running` condition: application clusters report the job state, session clusters the
 * JobManager deployment status.
 */
export function runningCondition(
  status: ConditionStatus,
  isApplication: boolean,
  now: Date,
  previousConditions: readonly Condition[] = status.conditions ?? [],
): Condition {
  let condition: Condition;
  if (isApplication) {
    // The operator writes RECONCILING whenever the job state is unknown.
    const state = status.jobStatus?.state ?? "RECONCILING";
    condition = {
      type: CONDITION_TYPES.running,
      status: state === "RUNNING" ? "True" : "False",
      reason: camelCase(state),
      message: `Job status ${state}`,
    };
  } else {
    const jobManager = status.jobManagerDeploymentStatus ?? "MISSING";
    condition = {
      type: CONDITION_TYPES.running,
      status: jobManager === "READY" ? "True" : "False",
      reason: JOB_MANAGER_DEPLOYMENT_STATUS_REASONS[jobManager],
      message: JOB_MANAGER_DEPLOYMENT_STATUS_MESSAGES[jobManager],
    };
  }
  return withTransitionTime(condition, previousConditions, now);
}

/** All conditions of a FlinkDeployment, in a fixed order, replacing `status.conditions`. */
export function deploymentConditions(
  status: ConditionStatus,
  options: ConditionOptions,
): Condition[] {
  const previous = status.conditions ?? [];
  const facts = observe(status, options.isApplication);
  const generation = status.observedGeneration === undefined
    ? {}
    : { observedGeneration: status.observedGeneration };
  const conditions: Condition[] = [];
  if (facts.deployed) {
    conditions.push(runningCondition(status, options.isApplication, options.now, previous));
  }
  for (const condition of [ready(facts), progressing(facts), degraded(facts, status)]) {
    conditions.push(withTransitionTime({ ...condition, ...generation }, previous, options.now));
  }
  return conditions;
}

interface Facts {
  readonly lifecycle: ResourceLifecycleState;
  readonly deployed: boolean;
  readonly isApplication: boolean;
  readonly jobState: string;
  readonly jobManager: JobManagerDeploymentStatus;
  /** Application: job RUNNING; session: JobManager READY. */
  readonly up: boolean;
  readonly degradedReason?: string;
}

function observe(status: ConditionStatus, isApplication: boolean): Facts {
  const lifecycle = computeLifecycleState(status, { kind: "FlinkDeployment" });
  const reconciliation = status.reconciliationStatus ?? {};
  const lastReconciledSpec = reconciliation.lastReconciledSpec;
  const jobState = status.jobStatus?.state ?? "RECONCILING";
  const jobManager = status.jobManagerDeploymentStatus ?? "MISSING";
  const up = isApplication ? jobState === "RUNNING" : jobManager === "READY";
  const reconciliationState = reconciliation.state ?? "UPGRADING";
  const stopping = reconciliationState === "UPGRADING" || reconciliationState === "ROLLING_BACK";
  // A missing JobManager is expected while upgrading, when suspended and after the job ended.
  const jobManagerExpected = lastReconciledSpec !== undefined && !stopping &&
    (!isApplication ||
      (recordedJobState(lastReconciledSpec, "FlinkDeployment") !== "suspended" &&
        !isGloballyTerminal(jobState)));

  let degradedReason: string | undefined;
  if (jobState === "FAILED") degradedReason = "JobFailed";
  else if (jobManager === "ERROR") degradedReason = "JobManagerDeploymentError";
  else if (jobManager === "MISSING" && jobManagerExpected) {
    degradedReason = "JobManagerDeploymentMissing";
  } else if (status.error !== undefined && status.error !== "") degradedReason = "Error";

  return {
    lifecycle,
    deployed: lastReconciledSpec !== undefined,
    isApplication,
    jobState,
    jobManager,
    up,
    degradedReason,
  };
}

function ready(facts: Facts): Condition {
  const settled = facts.lifecycle === "STABLE" || facts.lifecycle === "DEPLOYED";
  if (settled && facts.up) {
    return {
      type: CONDITION_TYPES.ready,
      status: "True",
      reason: "Ready",
      message: facts.isApplication ? "Job is running" : "Session cluster is ready",
    };
  }
  return {
    type: CONDITION_TYPES.ready,
    status: "False",
    ...(settled ? notUpYet(facts) : lifecycleReason(facts.lifecycle)),
  };
}

function progressing(facts: Facts): Condition {
  const type = CONDITION_TYPES.progressing;
  if (facts.lifecycle === "UPGRADING") {
    return { type, status: "True", reason: "Upgrading", message: "Deploying a new spec" };
  }
  if (facts.lifecycle === "ROLLING_BACK") {
    return {
      type,
      status: "True",
      reason: "RollingBack",
      message: "Rolling back to the last stable spec",
    };
  }
  if (facts.lifecycle === "ROLLED_BACK") {
    return {
      type,
      status: "False",
      reason: "RolledBack",
      message: "Rolled back to the last stable spec: the new spec did not become stable within " +
        "kubernetes.operator.deployment.readiness.timeout; fix the spec and apply it again",
    };
  }
  if (facts.lifecycle === "DEPLOYED" && !facts.up) {
    if (facts.degradedReason !== undefined) {
      return { type, status: "False", reason: "Degraded", message: "Deployment is degraded" };
    }
    if (!facts.isApplication || !isGloballyTerminal(facts.jobState)) {
      return { type, status: "True", reason: "Deploying", message: notUpYet(facts).message };
    }
    return { type, status: "False", ...notUpYet(facts) };
  }
  return { type, status: "False", ...lifecycleReason(facts.lifecycle) };
}

function degraded(facts: Facts, status: ConditionStatus): Condition {
  const type = CONDITION_TYPES.degraded;
  const reason = facts.degradedReason;
  if (reason === undefined) {
    return { type, status: "False", reason: "AsExpected", message: "No problems detected" };
  }
  const error = errorMessageOf(status.error);
  const fallback: Record<string, string> = {
    JobFailed: "Job status FAILED",
    JobManagerDeploymentError: JOB_MANAGER_DEPLOYMENT_STATUS_MESSAGES.ERROR,
    JobManagerDeploymentMissing: JOB_MANAGER_DEPLOYMENT_STATUS_MESSAGES.MISSING,
    Error: "Error",
  };
  const message = error === undefined ? fallback[reason] : truncate(redactSecretText(error));
  return { type, status: "True", reason, message };
}

/** Reason and message while deployed but the job (or session JobManager) is not up. */
function notUpYet(facts: Facts): { reason: string; message: string } {
  if (facts.isApplication) {
    return { reason: `Job${camelCase(facts.jobState)}`, message: `Job status ${facts.jobState}` };
  }
  return {
    reason: JOB_MANAGER_DEPLOYMENT_STATUS_REASONS[facts.jobManager],
    message: JOB_MANAGER_DEPLOYMENT_STATUS_MESSAGES[facts.jobManager],
  };
}

function lifecycleReason(lifecycle: ResourceLifecycleState): { reason: string; message: string } {
  return { reason: camelCase(lifecycle), message: `Lifecycle state ${lifecycle}` };
}

function withTransitionTime(
  condition: Condition,
  previous: readonly Condition[],
  now: Date,
): Condition {
  const before = previous.find((candidate) => candidate.type === condition.type);
  const unchanged = before !== undefined && before.status === condition.status &&
    before.lastTransitionTime !== undefined;
  return {
    ...condition,
    lastTransitionTime: unchanged ? before.lastTransitionTime : now.toISOString(),
  };
}

/** `RECONCILING` → `Reconciling`, `ROLLED_BACK` → `RolledBack`. */
function camelCase(constant: string): string {
  return constant.toLowerCase().split("_").filter((word) => word !== "")
    .map((word) => word[0].toUpperCase() + word.slice(1)).join("");
}

function truncate(text: string): string {
  return text.length <= MAX_MESSAGE_LENGTH ? text : `${text.slice(0, MAX_MESSAGE_LENGTH - 3)}...`;
}
