/**
 * `flinkop plan`: what the operator would do about a resource's spec, without doing it. The pass
 * is the controller's own (same pass builder, same drivers) over a read-only context, and every
 * decision comes from the functions the controller acts on: validation, the spec diff, rollbacks,
 * the route of a change (job_change.ts), in-place scaling, decideJobUpgrade, restore modes and
 * restore paths. The plan runs them forward across the passes a change takes (stop, record,
 * restore) and describes the result: the action, the upgrade mode and why, what the job restores
 * from, and how much downtime that means.
 *
 * Facts only the JobManager knows (checkpoint statistics, the job's resource requirements) and HA
 * metadata that cannot be read are reported as unknown, with the outcome of each possibility.
 */
import type { SuspendMode } from "../spec/upgrade.ts";
import { isGloballyTerminal, type UpgradeMode } from "../../api/enums.ts";
import { OPTIONS } from "../../config/options.ts";
import { errorMessage } from "../../error_message.ts";
import { Resources } from "../../kube/resource.ts";
import { haRestoreRefusal, jobIdOnDeploy } from "../deployment/cluster.ts";
import { isFlinkUnavailable } from "../rest/errors.ts";
import { manualTriggerRequested } from "../snapshot/trigger_decision.ts";
import { renderDiffValue, type SpecDiff } from "../spec/diff.ts";
import { getSavepointsDir } from "../render/mod.ts";
import { decideJobUpgrade, type JobUpgradeInput } from "../spec/upgrade.ts";
import type { ValidationIssue } from "../spec/validation_issue.ts";
import { lastReconciled, type ReconciledSpec } from "./bookkeeping.ts";
import { UpgradeFailure, WaitingFor } from "./errors.ts";
import { inPlaceScalingPlan } from "./inplace_scaling.ts";
import {
  changeStep,
  checkpointInfoOf,
  checkpointStatsNeeded,
  initialRestorePath,
  pendingDiff,
  savepointRedeployPath,
  specRoute,
  stableSpecRequested,
  upgradeBaseInput,
} from "./job_change.ts";
import { pendingSnapshotStep } from "./legacy_snapshots.ts";
import { type JobResourceSpec, type ResourcePass, rest } from "./resource_pass.ts";
import { rollbackStep, rollbackTarget } from "./rollback.ts";
import { restorePathFor, snapshotResourcesEnabled } from "./snapshot_records.ts";
import { validationIssues } from "./run_pass.ts";

/** How much the running job is disrupted. */
export type Downtime = "none" | "in-place" | "job-restart" | "cluster-redeploy" | "until-resumed";

export type PlannedAction =
  /** Nothing is deployed or stopped (IGNORE changes take effect without a deploy). */
  | "nothing"
  /** The spec is recorded as deployed; nothing in the cluster changes. */
  | "record-only"
  | "first-deploy"
  | "in-place-scale"
  | "upgrade"
  | "redeploy-from-savepoint"
  | "suspend"
  | "resume"
  | "rollback"
  | "redeploy-session-cluster"
  /** The change waits for something (a checkpoint, a job to run, a snapshot). */
  | "wait"
  /** The operator refuses to go on (status.error, a Warning event): a person has to act. */
  | "fail"
  /** The spec is invalid: a ValidationError, and the last valid spec stays deployed. */
  | "refused";

export interface RestorePoint {
  readonly kind:
    | "savepoint-taken-now"
    | "newest-checkpoint"
    | "recorded-savepoint"
    | "ha-metadata"
    | "initial-savepoint"
    | "nothing";
  readonly path?: string;
  readonly detail: string;
}

export interface PlannedOutcome {
  /** The assumption this outcome rests on; absent when every fact it needs is known. */
  readonly when?: string;
  readonly action: PlannedAction;
  readonly summary: string;
  /** For a change that stops the running job: decideJobUpgrade's choice and why. */
  readonly upgrade?: {
    readonly specUpgradeMode: UpgradeMode;
    readonly suspend: SuspendMode;
    readonly restoreMode: UpgradeMode;
    readonly why: string;
  };
  /** How the job starts (lastReconciledSpec's `job.upgradeMode` afterwards). */
  readonly restoreMode?: UpgradeMode;
  readonly restoreFrom?: RestorePoint;
  readonly downtime: Downtime;
  /** The job id after it: kept, a new one, the configured `$internal.pipeline.job-id`. */
  readonly jobId: "kept" | "new" | "configured" | "none";
  /** The JobManager Deployment (its uid) after it; n/a for session jobs. */
  readonly jobManager: "kept" | "replaced" | "created" | "deleted" | "n/a";
  /** Reasons of the events the operator records on the way. */
  readonly events: readonly string[];
}

export interface PlannedChange {
  readonly path: string;
  readonly type: string;
  readonly before: string;
  readonly after: string;
}

export interface JobPlan {
  readonly kind: ResourcePass["kind"];
  readonly namespace: string;
  readonly name: string;
  readonly current: {
    readonly exists: boolean;
    readonly lifecycleState?: string;
    readonly reconciliationState?: string;
    readonly jobState?: string;
    readonly jobId?: string;
    readonly jobManager?: string;
    readonly recordedUpgradeMode?: UpgradeMode;
  };
  /** Against lastReconciledSpec (values under secret-looking keys masked). */
  readonly diff: { readonly type: string; readonly changes: readonly PlannedChange[] };
  readonly notes: readonly string[];
  /** Facts the plan could not learn, and why; the outcomes then say what each would lead to. */
  readonly unknown: readonly { readonly fact: string; readonly reason: string }[];
  readonly outcomes: readonly PlannedOutcome[];
}

/** The pass of the resource with the new spec, and how the kind validates it. */
export interface PlanInput<P extends ResourcePass> {
  readonly pass: P;
  readonly validate: (p: P) => ValidationIssue[];
  /** What the kind's reconcile step waits for before anything (a session job's cluster). */
  readonly waitsFor?: (p: P) => string | undefined;
  /** The resource does not exist yet (a first deployment). */
  readonly exists: boolean;
}

type Outcome = Omit<PlannedOutcome, "when"> & { when?: string };

interface Planner {
  readonly p: ResourcePass;
  readonly notes: string[];
  readonly unknown: { fact: string; reason: string }[];
}

export async function planJob<P extends ResourcePass>(input: PlanInput<P>): Promise<JobPlan> {
  const p = input.pass;
  const rec = lastReconciled(p);
  const status = p.status;
  const current = {
    exists: input.exists,
    lifecycleState: status.lifecycleState,
    reconciliationState: rec ? status.reconciliationStatus.state : undefined,
    jobState: status.jobStatus.state,
    jobId: status.jobStatus.jobId,
    jobManager: (status as { jobManagerDeploymentStatus?: string }).jobManagerDeploymentStatus,
    recordedUpgradeMode: rec?.spec.job?.upgradeMode,
  };
  const planner: Planner = { p, notes: [], unknown: [] };
  const diff = rec ? pendingDiff(p, rec) : undefined;
  if (rec) await checkLiveJob(planner);
  const outcomes = await plan(
    planner,
    input.validate as (p: ResourcePass) => ValidationIssue[],
    input.waitsFor as ((p: ResourcePass) => string | undefined) | undefined,
  );
  return {
    kind: p.kind,
    namespace: p.ns,
    name: p.name,
    current,
    diff: describeChanges(diff),
    notes: planner.notes,
    unknown: planner.unknown,
    outcomes: merge(outcomes),
  };
}

async function plan(
  planner: Planner,
  validate: (p: ResourcePass) => ValidationIssue[],
  waitsFor: ((p: ResourcePass) => string | undefined) | undefined,
): Promise<Outcome[]> {
  const { p } = planner;
  const rec = lastReconciled(p);
  const issues = validationIssues(p, validate);
  if (issues.length) {
    return [{
      action: "refused",
      summary: `the spec is invalid (a ValidationError event and status.error): ${
        issues.map((i) => i.message).join("; ")
      }. ${
        rec
          ? "The operator keeps managing the last valid spec; nothing is deployed."
          : "Nothing is deployed until it is fixed."
      }`,
      ...unchanged(p),
      events: ["ValidationError"],
    }];
  }
  const waiting = waitsFor?.(p);
  if (waiting) {
    return [{ action: "wait", summary: waiting, ...unchanged(p), events: ["Waiting"] }];
  }
  if (!rec) return await planFirstDeploy(planner);
  if (p.spec.job === undefined || p.spec.job === null) return planSessionCluster(planner, rec);

  switch (pendingSnapshotStep(p)) {
    case "wait":
      planner.notes.push(
        "a manual or periodic savepoint is in progress (status.jobStatus.savepointInfo): the " +
          "operator waits for it before acting on the spec",
      );
      break;
    case "drop":
      planner.notes.push("a pending savepoint of a job that no longer runs is dropped first");
      break;
  }
  const wasUpgrading = p.status.reconciliationStatus.state === "UPGRADING";
  if (wasUpgrading) {
    planner.notes.push(
      "an earlier change is half done (reconciliationStatus.state UPGRADING): the operator " +
        "finishes it with the current spec",
    );
  }
  const diff = pendingDiff(p, rec);
  const specChanged = diff.type !== "IGNORE" || wasUpgrading;
  let rollback;
  try {
    rollback = await rollbackStep(p, rec, specChanged);
  } catch (err) {
    planner.unknown.push({ fact: "whether a rollback is due", reason: errorMessage(err) });
    rollback = "none" as const;
  }
  switch (rollback) {
    case "start":
    case "continue": {
      planner.notes.push(
        rollback === "start"
          ? "the deployed spec has not become stable within " +
            "kubernetes.operator.deployment.readiness.timeout: a rollback to lastStableSpec " +
            "starts (a Rollback event, reconciliationStatus ROLLING_BACK, then ROLLED_BACK)"
          : "a rollback is in progress (ROLLING_BACK): it goes on with lastStableSpec",
      );
      p.driver.useSpec(p, rollbackTarget(p, rec));
      const outcomes = await planChange(planner, rec, false);
      return outcomes.map((o) =>
        o.action === "upgrade" || o.action === "resume"
          ? {
            ...o,
            action: "rollback",
            summary: `roll back to the last stable spec: ${o.summary}`,
            events: rollback === "start" ? ["Rollback", ...o.events] : o.events,
          }
          : o
      );
    }
    case "abandon":
      planner.notes.push(
        "a rollback is in progress (ROLLING_BACK); this change abandons it and deploys the new " +
          "spec instead",
      );
      p.status.reconciliationStatus.state = "UPGRADING";
      break;
    case "none":
      if (p.status.reconciliationStatus.state === "ROLLED_BACK") {
        planner.notes.push(
          "reconciliationStatus ROLLED_BACK: the last stable spec runs; lastReconciledSpec keeps " +
            "the spec that failed, and the change is shown against it",
        );
      }
  }
  const upgrading = p.status.reconciliationStatus.state === "UPGRADING";
  const route = specRoute({
    diffType: diff.type,
    upgrading,
    stableSpecRequested: stableSpecRequested(p),
  });
  const specChangedEvent = wasUpgrading ? [] : ["SpecChanged"];
  switch (route) {
    case "none":
      return [planNoChange(planner, rec, diff)];
    case "record-stable-spec":
      return [{
        action: "record-only",
        summary: "the spec is the stable spec that runs since the rollback: it is recorded as " +
          "deployed and the rollback is over; nothing is deployed",
        ...unchanged(p),
        events: [],
      }];
    case "scale":
      return withEvents(specChangedEvent, await planScale(planner, rec));
    case "upgrade":
    case "savepoint-redeploy":
      noteSnapshotNonces(planner, rec);
      return withEvents(
        specChangedEvent,
        await planChange(planner, rec, route === "savepoint-redeploy"),
      );
  }
}

/** A change: the next step, and the steps after it, as the controller's passes take them. */
async function planChange(
  planner: Planner,
  rec: ReconciledSpec<JobResourceSpec>,
  savepointRedeploy: boolean,
): Promise<Outcome[]> {
  const { p } = planner;
  const job = p.spec.job!;
  const step = changeStep({
    savepointRedeploy,
    recordedJobState: rec.spec.job?.state,
    recordedUpgradeMode: rec.spec.job?.upgradeMode,
    desiredJobState: job.state,
    specUpgradeMode: job.upgradeMode,
  });
  switch (step.kind) {
    case "redeploy-from-savepoint":
      return [await planSavepointRedeploy(planner, rec)];
    case "record-suspended":
      return [{
        action: "record-only",
        summary: `the job is not running and stays suspended: the new spec is recorded and ` +
          `starts on resume (restoring in ${step.restoreMode} mode)`,
        restoreMode: step.restoreMode,
        ...unchanged(p),
        events: [],
      }];
    case "restore":
      return [await planRestore(planner, step.restoreMode, undefined, "resume")];
    case "stop":
      return await planStop(planner, rec);
  }
}

/** The recorded job runs: decideJobUpgrade says how it stops, then it restores or stays suspended. */
async function planStop(
  planner: Planner,
  rec: ReconciledSpec<JobResourceSpec>,
): Promise<Outcome[]> {
  const { p } = planner;
  const job = p.spec.job!;
  const outcomes: Outcome[] = [];
  for (const scenario of await upgradeScenarios(planner, rec)) {
    const decision = decideJobUpgrade(scenario.input);
    const when = scenario.when;
    switch (decision.kind) {
      case "wait":
        outcomes.push({
          when,
          action: "wait",
          summary: `the upgrade waits: ${decision.message}`,
          ...unchanged(p),
          events: [],
        });
        break;
      case "pending-cancellation":
        outcomes.push({
          when,
          action: "wait",
          summary: decision.why,
          ...unchanged(p),
          events: [],
        });
        break;
      case "fail":
        outcomes.push({
          when,
          action: "fail",
          summary: `${decision.reason}: ${decision.message}`,
          ...unchanged(p),
          events: [decision.reason],
        });
        break;
      case "delete-unstarted-jm-and-retry":
        outcomes.push({
          when,
          action: "upgrade",
          summary: `${decision.why}; run plan again after that pass`,
          downtime: "cluster-redeploy",
          jobId: "none",
          jobManager: "deleted",
          events: [],
        });
        break;
      case "available": {
        const after = changeStep({
          savepointRedeploy: false,
          recordedJobState: "suspended",
          recordedUpgradeMode: decision.restoreMode,
          desiredJobState: job.state,
          specUpgradeMode: job.upgradeMode,
        });
        const upgrade = {
          specUpgradeMode: job.upgradeMode,
          suspend: decision.suspend,
          restoreMode: decision.restoreMode,
          why: decision.why,
        };
        const stopEvents = decision.suspend === "NOOP" ? [] : ["Suspended"];
        if (after.kind === "record-suspended") {
          const from = await restorePoint(planner, after.restoreMode, decision.suspend);
          outcomes.push({
            when,
            action: "suspend",
            summary: `the job is stopped (${stopDescription(decision.suspend)}) and stays ` +
              `suspended; on resume it restores in ${after.restoreMode} mode`,
            upgrade,
            restoreMode: after.restoreMode,
            restoreFrom: from,
            downtime: "until-resumed",
            jobId: "none",
            jobManager: jobManagerAfterStop(p, decision.suspend),
            events: stopEvents,
          });
        } else if (after.kind === "restore") {
          const restored = await planRestore(
            planner,
            after.restoreMode,
            decision.suspend,
            "upgrade",
          );
          outcomes.push({
            ...restored,
            when,
            upgrade,
            summary: `the job is stopped (${stopDescription(decision.suspend)}), then ` +
              restored.summary,
            events: [...stopEvents, ...restored.events],
          });
        }
        break;
      }
    }
  }
  return outcomes;
}

/**
 * The upgrade decision's inputs: one when every fact is known, else one per possibility of the
 * unknown ones (HA metadata that cannot be read, checkpoint statistics of an unreachable
 * JobManager).
 */
async function upgradeScenarios(
  planner: Planner,
  rec: ReconciledSpec<JobResourceSpec>,
): Promise<{ when?: string; input: JobUpgradeInput }[]> {
  const { p } = planner;
  let bases: { when?: string; input: JobUpgradeInput }[];
  try {
    bases = [{ input: await upgradeBaseInput(p, rec) }];
  } catch (err) {
    planner.unknown.push({ fact: "HA metadata", reason: errorMessage(err) });
    bases = [
      {
        when: "if HA metadata is available",
        input: await upgradeBaseInput(p, rec, { available: true, hasCheckpoint: true }),
      },
      {
        when: "if there is no HA metadata",
        input: await upgradeBaseInput(p, rec, { available: false, hasCheckpoint: false }),
      },
    ];
  }
  const scenarios: { when?: string; input: JobUpgradeInput }[] = [];
  let statsUnknown = false;
  for (const base of bases) {
    if (!checkpointStatsNeeded(p, base.input)) {
      scenarios.push(base);
      continue;
    }
    try {
      scenarios.push({
        ...base,
        input: { ...base.input, checkpointInfo: await checkpointInfoOf(p) },
      });
    } catch (err) {
      if (!statsUnknown) {
        planner.unknown.push({
          fact: "the age of the job's newest checkpoint (its JobManager's checkpoint statistics)",
          reason: errorMessage(err),
        });
        statsUnknown = true;
      }
      const now = base.input.now;
      const also = (text: string) => base.when ? `${base.when}, and ${text}` : text;
      scenarios.push(
        {
          when: also("if the newest checkpoint is within the maximum allowed age"),
          input: { ...base.input, checkpointInfo: { newestCompletedAt: now } },
        },
        {
          when: also("if it is older and a checkpoint is in progress"),
          input: { ...base.input, checkpointInfo: { pendingStartedAt: now } },
        },
        {
          when: also("if it is older and none is in progress"),
          input: { ...base.input, checkpointInfo: {} },
        },
      );
    }
  }
  return scenarios;
}

/** A start with the new spec in `restoreMode` (FKO restoreJob), after `suspend` (if any). */
async function planRestore(
  planner: Planner,
  restoreMode: UpgradeMode,
  suspend: SuspendMode | undefined,
  action: "upgrade" | "resume",
): Promise<Outcome> {
  const { p } = planner;
  const from = await restorePoint(planner, restoreMode, suspend);
  const application = p.kind === "FlinkDeployment";
  if (application && restoreMode === "last-state" && suspend !== "LAST_STATE") {
    // A restore through HA needs its metadata (deployCluster checks it before anything else).
    const refusal = await haRefusal(planner);
    if (refusal) {
      return {
        action: "fail",
        summary: `${refusal.reason}: ${refusal.message}`,
        restoreMode,
        ...unchanged(p),
        events: [refusal.reason],
      };
    }
  }
  // Whether a job runs until this start (a stop that had nothing to stop does not count).
  const running = suspend !== undefined && suspend !== "NOOP";
  return {
    action,
    summary: `the job starts with the new spec in ${restoreMode} mode` +
      (running ? "" : " (it is not running now)"),
    restoreMode,
    restoreFrom: from,
    downtime: running ? (application ? "cluster-redeploy" : "job-restart") : "none",
    jobId: newJobId(p, restoreMode),
    jobManager: application ? (jobManagerExists(p) ? "replaced" : "created") : "n/a",
    events: ["Submit"],
  };
}

/** What a start in `restoreMode` after a stop in `suspend` (undefined: none) restores from. */
async function restorePoint(
  planner: Planner,
  restoreMode: UpgradeMode,
  suspend: SuspendMode | undefined,
): Promise<RestorePoint> {
  const { p } = planner;
  switch (restoreMode) {
    case "stateless":
      return { kind: "nothing", detail: "nothing (it starts without state)" };
    case "last-state":
      return {
        kind: "ha-metadata",
        detail: "HA metadata (the newest checkpoint the HA store records; same job id)",
      };
    case "savepoint":
      break;
  }
  if (suspend === "SAVEPOINT") {
    const dir = getSavepointsDir(p.rc.flinkOptions);
    const record = snapshotResourcesEnabled(p)
      ? ", recorded as an UPGRADE FlinkStateSnapshot"
      : ", recorded in status.jobStatus.savepointInfo";
    return {
      kind: "savepoint-taken-now",
      detail: `a savepoint taken now by stop-with-savepoint${dir ? ` into ${dir}` : ""}${record}`,
    };
  }
  if (suspend === "CANCEL") {
    const newest = await newestCheckpoint(planner);
    return {
      kind: "newest-checkpoint",
      path: newest,
      detail: "the newest completed checkpoint when the job is cancelled" +
        (newest ? ` (now ${newest})` : ""),
    };
  }
  // Nothing stopped now: the path recorded when the job stopped (restorePathFor, as restore()).
  const path = await restorePathFor(p);
  if (!path) {
    planner.notes.push(
      "no savepoint or checkpoint is recorded to restore from: the job would start without state",
    );
    return {
      kind: "nothing",
      detail: "nothing: no savepoint is recorded, it starts without state",
    };
  }
  return { kind: "recorded-savepoint", path, detail: path };
}

async function planSavepointRedeploy(
  planner: Planner,
  rec: ReconciledSpec<JobResourceSpec>,
): Promise<Outcome> {
  const { p } = planner;
  let path: string;
  try {
    path = await savepointRedeployPath(p);
  } catch (err) {
    return blocked(p, err);
  }
  const application = p.kind === "FlinkDeployment";
  const starts = p.spec.job!.state === "running";
  const wasRunning = rec.spec.job?.state === "running";
  return {
    action: "redeploy-from-savepoint",
    summary: `savepointRedeployNonce: the job is stopped without state (cancelled, its cluster ` +
      `deleted with its HA data) and ${
        starts ? `started from ${path}` : "stays suspended (it resumes from that path)"
      }; no rollback ever goes back past it`,
    restoreMode: "savepoint",
    restoreFrom: { kind: "initial-savepoint", path, detail: path },
    downtime: !starts
      ? "until-resumed"
      : !wasRunning
      ? "none"
      : application
      ? "cluster-redeploy"
      : "job-restart",
    jobId: starts ? newJobId(p, "savepoint") : "none",
    jobManager: application ? (starts ? "replaced" : "deleted") : "n/a",
    events: starts ? ["Suspended", "Submit"] : ["Suspended"],
  };
}

/** SCALE: in place when the JobManager takes it, else the regular upgrade. */
async function planScale(
  planner: Planner,
  rec: ReconciledSpec<JobResourceSpec>,
): Promise<Outcome[]> {
  const { p } = planner;
  const inPlace: Outcome = {
    action: "in-place-scale",
    summary: "the new parallelism overrides go to the running job " +
      "(PUT /jobs/:id/resource-requirements); the adaptive scheduler rescales it, same job, " +
      "no savepoint",
    restoreMode: p.spec.job!.upgradeMode,
    downtime: "in-place",
    jobId: "kept",
    jobManager: p.kind === "FlinkDeployment" ? "kept" : "n/a",
    events: ["Scaling"],
  };
  let scaling;
  try {
    scaling = await inPlaceScalingPlan(p, rec);
  } catch (err) {
    planner.unknown.push({
      fact: "the job's resource requirements (whether it can be scaled in place)",
      reason: errorMessage(err),
    });
    const upgrade = await planChange(planner, rec, false);
    return [
      { ...inPlace, when: "if the JobManager answers and the job's vertices take the overrides" },
      ...upgrade.map((o) => ({
        ...o,
        when: o.when
          ? `if in-place scaling is not possible, and ${o.when}`
          : "if in-place scaling is not possible",
      })),
    ];
  }
  switch (scaling.kind) {
    case "update":
      return [inPlace];
    case "unchanged":
      return [{
        action: "record-only",
        summary: "a SCALE change the job already runs with: the spec is recorded as deployed",
        ...unchanged(p),
        events: [],
      }];
    case "redeploy":
      planner.notes.push(`a SCALE change, not applied in place: ${scaling.reason}`);
      return await planChange(planner, rec, false);
  }
}

function planNoChange(
  planner: Planner,
  rec: ReconciledSpec<JobResourceSpec>,
  diff: SpecDiff,
): Outcome {
  const { p } = planner;
  noteSnapshotNonces(planner, rec);
  const js = p.status.jobStatus;
  if (
    rec.spec.job?.state === "running" && js.state === "FAILED" &&
    p.rc.get(OPTIONS.jobRestartFailed)
  ) {
    planner.notes.push(
      "the job is FAILED and kubernetes.operator.job.restart.failed is true: the operator " +
        "restarts it from its last checkpoint (a RestartFailedJob event) whatever this change is",
    );
  }
  return {
    action: "nothing",
    summary: diff.changes.length
      ? "only IGNORE changes: nothing is deployed; they take effect without a deploy"
      : "no change to the deployed spec: nothing is deployed",
    ...unchanged(p),
    events: [],
  };
}

function planSessionCluster(planner: Planner, rec: ReconciledSpec<JobResourceSpec>): Outcome[] {
  const { p } = planner;
  const diff = pendingDiff(p, rec);
  const route = specRoute({
    diffType: diff.type,
    upgrading: p.status.reconciliationStatus.state === "UPGRADING",
    stableSpecRequested: false,
  });
  if (route === "none") {
    return [{ action: "nothing", summary: "no change to deploy", ...unchanged(p), events: [] }];
  }
  return [{
    action: "redeploy-session-cluster",
    summary: "the session cluster is redeployed with the new spec: its JobManager Deployment is " +
      "replaced, its HA data kept",
    downtime: "cluster-redeploy",
    jobId: "none",
    jobManager: jobManagerExists(p) ? "replaced" : "created",
    events: ["SpecChanged", "Submit"],
  }];
}

async function planFirstDeploy(planner: Planner): Promise<Outcome[]> {
  const { p } = planner;
  const application = p.kind === "FlinkDeployment";
  if (!p.spec.job) {
    return [{
      action: "first-deploy",
      summary: "a new session cluster is deployed",
      downtime: "none",
      jobId: "none",
      jobManager: "created",
      events: ["Submit"],
    }];
  }
  if (p.spec.job.state === "suspended") {
    return [{
      action: "nothing",
      summary: "a new resource with job.state suspended: nothing starts; the spec is recorded " +
        "once it is first resumed",
      downtime: "none",
      jobId: "none",
      jobManager: "n/a",
      events: [],
    }];
  }
  let path: string | undefined;
  try {
    path = await initialRestorePath(p);
  } catch (err) {
    return [blocked(p, err)];
  }
  const mode: UpgradeMode = path ? "savepoint" : "stateless";
  return [{
    action: "first-deploy",
    summary: `the job is started for the first time, ${
      path ? `from ${path}` : "without state (no initialSavepointPath or snapshot reference)"
    }`,
    restoreMode: mode,
    restoreFrom: path
      ? { kind: "initial-savepoint", path, detail: path }
      : { kind: "nothing", detail: "nothing (it starts without state)" },
    downtime: "none",
    jobId: newJobId(p, mode),
    jobManager: application ? "created" : "n/a",
    events: ["Submit"],
  }];
}

/** A WaitingFor or UpgradeFailure of a decision function, as the controller records it. */
function blocked(p: ResourcePass, err: unknown): Outcome {
  if (err instanceof WaitingFor) {
    return { action: "wait", summary: err.message, ...unchanged(p), events: ["Waiting"] };
  }
  if (err instanceof UpgradeFailure) {
    return {
      action: "fail",
      summary: `${err.reason}: ${err.message}`,
      ...unchanged(p),
      events: [err.reason],
    };
  }
  throw err;
}

/** Manual snapshot nonces of the new spec, handled after the change by the snapshot duties. */
function noteSnapshotNonces(planner: Planner, rec: ReconciledSpec<JobResourceSpec>): void {
  const { p } = planner;
  for (
    const [field, what] of [["savepointTriggerNonce", "savepoint"], [
      "checkpointTriggerNonce",
      "checkpoint",
    ]] as const
  ) {
    if (manualTriggerRequested(p.spec.job?.[field], rec.spec.job?.[field])) {
      planner.notes.push(
        `job.${field} changed: a manual ${what} is triggered once the job runs with the ` +
          "deployed spec (and not before any upgrade of this change)",
      );
    }
  }
}

/** Compares the job the JobManager reports with the job status records. */
async function checkLiveJob(planner: Planner): Promise<void> {
  const { p } = planner;
  const js = p.status.jobStatus;
  if (!js.jobId || isGloballyTerminal(js.state)) return;
  try {
    const live = await (await rest(p)).jobStatus(js.jobId);
    if (live !== js.state) {
      planner.notes.push(
        `the JobManager reports job ${js.jobId} ${live}, status records ${
          js.state ?? "nothing"
        }: ` +
          "the operator observes that before it acts, which may change this plan (run it again " +
          "once status shows it)",
      );
    }
  } catch (err) {
    planner.notes.push(
      isFlinkUnavailable(err)
        ? `the JobManager's REST API cannot be reached (${errorMessage(err)}): the job state is ` +
          `the one the operator last recorded (${js.state ?? "none"})`
        : `the JobManager could not tell the job's state (${errorMessage(err)}): the plan uses ` +
          `the one the operator last recorded (${js.state ?? "none"})`,
    );
  }
}

async function newestCheckpoint(planner: Planner): Promise<string | undefined> {
  const { p } = planner;
  const jobId = p.status.jobStatus.jobId;
  if (!jobId) return undefined;
  try {
    return (await (await rest(p)).checkpointStats(jobId)).latestCheckpoint()?.externalPath;
  } catch {
    return undefined;
  }
}

async function haRefusal(planner: Planner): Promise<UpgradeFailure | undefined> {
  const { p } = planner;
  try {
    const facts = await p.driver.upgradeFacts(p);
    if (!facts.haEnabledInDeployConfig) {
      return haRestoreRefusal({ available: false, hasCheckpoint: false });
    }
    return haRestoreRefusal({ available: facts.haMetadataAvailable, hasCheckpoint: false });
  } catch (err) {
    planner.unknown.push({ fact: "HA metadata", reason: errorMessage(err) });
    planner.notes.push(
      "the restore needs HA metadata: without it the operator stops with RestoreFailed " +
        "(Manual restore required)",
    );
    return undefined;
  }
}

function stopDescription(suspend: SuspendMode): string {
  switch (suspend) {
    case "NOOP":
      return "it is not running: nothing to stop";
    case "STATELESS":
      return "cancelled, its cluster deleted with its HA data";
    case "SAVEPOINT":
      return "stop-with-savepoint";
    case "CANCEL":
      return "cancelled";
    case "LAST_STATE":
      return "its JobManager deleted, HA metadata kept";
  }
}

/** The JobManager Deployment after the job was stopped in `suspend` mode and nothing started. */
function jobManagerAfterStop(p: ResourcePass, suspend: SuspendMode): PlannedOutcome["jobManager"] {
  if (p.kind !== "FlinkDeployment") return "n/a";
  switch (suspend) {
    case "NOOP":
      return "kept";
    case "STATELESS":
    case "LAST_STATE":
      return "deleted";
    case "SAVEPOINT":
    case "CANCEL":
      return p.driver.clusterRemovedAfterStop(p, suspend) ? "deleted" : "kept";
  }
}

function newJobId(p: ResourcePass, restoreMode: UpgradeMode): PlannedOutcome["jobId"] {
  if (p.kind !== "FlinkDeployment") return "new";
  const source = jobIdOnDeploy(
    p.rc.flinkOptions,
    { requireHa: restoreMode === "last-state" },
    p.status.jobStatus.jobId,
  );
  return source.kind;
}

function jobManagerExists(p: ResourcePass): boolean {
  if (p.kind !== "FlinkDeployment") return false;
  return p.ctx.cache(Resources.deployments).get(`${p.ns}/${p.driver.clusterId(p)}`) !== undefined;
}

/** Nothing in the cluster changes. */
function unchanged(p: ResourcePass): Pick<PlannedOutcome, "downtime" | "jobId" | "jobManager"> {
  return {
    downtime: "none",
    jobId: p.status.jobStatus.jobId ? "kept" : "none",
    jobManager: p.kind === "FlinkDeployment" ? "kept" : "n/a",
  };
}

function withEvents(events: readonly string[], outcomes: Outcome[]): Outcome[] {
  return outcomes.map((o) => ({ ...o, events: [...events, ...o.events] }));
}

function describeChanges(diff: SpecDiff | undefined): JobPlan["diff"] {
  if (!diff) return { type: "FIRST_DEPLOYMENT", changes: [] };
  return {
    type: diff.type,
    changes: diff.changes.map((c) => ({
      path: c.path,
      type: c.type,
      before: renderDiffValue(c.before, c.sensitive),
      after: renderDiffValue(c.after, c.sensitive),
    })),
  };
}

/** Outcomes that agree whatever the unknown facts are become one, without a condition. */
function merge(outcomes: Outcome[]): PlannedOutcome[] {
  const key = (o: Outcome) => JSON.stringify({ ...o, when: undefined });
  if (outcomes.length > 1 && new Set(outcomes.map(key)).size === 1) {
    return [{ ...outcomes[0], when: undefined }];
  }
  const merged: Outcome[] = [];
  for (const o of outcomes) {
    const same = merged.find((m) => key(m) === key(o));
    if (same) {
      Object.assign(same, { when: `${same.when} or ${o.when}` });
    } else {
      merged.push({ ...o });
    }
  }
  return merged;
}
