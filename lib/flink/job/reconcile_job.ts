/**
 * The job lifecycle's reconcile phase, one piece of code for application FlinkDeployments and
 * FlinkSessionJobs (FKO AbstractFlinkResourceReconciler.reconcile + AbstractJobReconciler,
 * reference §3.3, §3.8, §3.11, §3.14). Status is a write-ahead log: every cluster action is
 * preceded by a status write that lets a restarted operator finish what was begun, and never do
 * it twice.
 */
import { getLogger } from "@logtape/logtape";
import type { UpgradeMode } from "../../api/enums.ts";
import { OPTIONS } from "../../config/options.ts";
import { Action } from "../../runtime/action.ts";
import type { JobSpec } from "../../api/job_spec.ts";
import { describeDiff } from "../spec/diff.ts";
import { decideJobUpgrade } from "../spec/upgrade.ts";
import {
  deployedSpec,
  lastReconciled,
  markBeforeDeploy,
  markDeployed,
  markStable,
  type ReconciledSpec,
  recordRestoreMode,
  withJob,
} from "./bookkeeping.ts";
import { UpgradeFailure } from "./errors.ts";
import { scaleInPlace } from "./inplace_scaling.ts";
import {
  changeStep,
  initialRestorePath,
  pendingDiff,
  savepointRedeployPath,
  specRoute,
  stableSpecRequested,
  upgradeInput,
} from "./job_change.ts";
import { waitForPendingSnapshot } from "./legacy_snapshots.ts";
import { waitForLastCheckpoint } from "./observe_job.ts";
import { event, type JobResourceSpec, type ResourcePass, save, uidOf } from "./resource_pass.ts";
import { rollBackIfDue } from "./rollback.ts";
import { restorePathFor } from "./snapshot_records.ts";
import { reconcileSnapshotDuties } from "./snapshot_triggers.ts";
import { suspendJob } from "./stop_job.ts";

const log = getLogger(["flinkop", "job", "reconcile"]);

/** Reconcile phase of a resource that runs a job. */
export async function reconcileJob(p: ResourcePass): Promise<Action> {
  const rec = lastReconciled(p);
  if (!rec) return await firstDeploy(p);
  const lastCheckpointUnknown = waitForLastCheckpoint(p);
  if (lastCheckpointUnknown) return lastCheckpointUnknown;
  const pendingSnapshot = await waitForPendingSnapshot(p);
  if (pendingSnapshot) return pendingSnapshot;
  const wasUpgrading = p.status.reconciliationStatus.state === "UPGRADING";
  const diff = pendingDiff(p, rec);
  if (await rollBackIfDue(p, rec, diff.type !== "IGNORE" || wasUpgrading)) {
    return await reconcileJobChange(p, rec, false);
  }
  const route = specRoute({
    diffType: diff.type,
    upgrading: p.status.reconciliationStatus.state === "UPGRADING",
    stableSpecRequested: stableSpecRequested(p),
  });
  if (route === "record-stable-spec") {
    await recordStableSpec(p, rec);
    return requeue(p);
  }
  if (route !== "none") {
    const generation = p.generation ?? 0;
    let specChanged: Promise<void> | undefined;
    if (!wasUpgrading && p.memory.specChangedGeneration.get(uidOf(p)) !== generation) {
      p.memory.specChangedGeneration.set(uidOf(p), generation);
      // Recorded while the change is acted on (the event changes nothing the action depends on),
      // and done before the pass ends.
      specChanged = event(p, {
        type: "Normal",
        reason: "SpecChanged",
        message: describeDiff(diff),
        component: "JobManagerDeployment",
      });
    }
    try {
      if (route === "scale" && await scaleInPlace(p, rec)) return requeue(p);
      return await reconcileJobChange(p, rec, route === "savepoint-redeploy");
    } finally {
      await specChanged;
    }
  }
  if (p.generation !== undefined) p.status.observedGeneration = p.generation;
  return await reconcileOtherChanges(p, rec);
}

/**
 * After a rollback, the stable spec that runs was asked for (job_change.ts stableSpecRequested):
 * it is recorded as deployed, and the rollback is over.
 */
async function recordStableSpec(
  p: ResourcePass,
  rec: ReconciledSpec<JobResourceSpec>,
): Promise<void> {
  log.info("the spec is the stable spec that runs since the rollback; nothing to deploy");
  const running = withJob(p.spec, { state: "running", upgradeMode: rec.spec.job?.upgradeMode });
  markDeployed(p, running, { keepNoncesFrom: rec.spec });
  await save(p, "deployed");
}

export function requeue(p: ResourcePass): Action {
  return Action.requeue(p.driver.nextPassDelay(p));
}

async function firstDeploy(p: ResourcePass): Promise<Action> {
  const spec = p.spec;
  if (spec.job?.state === "suspended") {
    // Nothing to start; the spec is recorded once it is first resumed (FKO leaves it CREATED).
    await save(p);
    return Action.done();
  }
  const restorePath = await initialRestorePath(p);
  const recorded = withJob(spec, { upgradeMode: restorePath ? "savepoint" : "stateless" });
  if (restorePath) p.status.jobStatus.upgradeSavepointPath = restorePath;
  markBeforeDeploy(p, recorded, { firstDeployment: true });
  await save(p, "before-first-deploy");
  await p.driver.deploy(p, spec, { savepointPath: restorePath, requireHa: false });
  markDeployed(p, withJob(recorded, { state: "running" }), { firstDeployment: true });
  await save(p, "deployed");
  return requeue(p);
}

async function reconcileJobChange(
  p: ResourcePass,
  rec: ReconciledSpec<JobResourceSpec>,
  savepointRedeploy: boolean,
): Promise<Action> {
  const spec = p.spec;
  const desired = spec.job!.state;
  const stepFor = (recorded: Pick<JobSpec, "state" | "upgradeMode"> | undefined) =>
    changeStep({
      savepointRedeploy,
      recordedJobState: recorded?.state,
      recordedUpgradeMode: recorded?.upgradeMode,
      desiredJobState: desired,
      specUpgradeMode: spec.job!.upgradeMode,
    });
  const step = stepFor(rec.spec.job);

  if (step.kind === "redeploy-from-savepoint") return await redeployFromSavepoint(p, rec);

  if (step.kind === "stop") {
    const decision = decideJobUpgrade(await upgradeInput(p, rec));
    switch (decision.kind) {
      case "wait":
        log.info("upgrade waits: {reason}", { reason: decision.reason });
        return Action.requeue(p.env.config.progressCheckIntervalMs);
      case "pending-cancellation":
        return Action.requeue(p.env.config.progressCheckIntervalMs);
      case "fail":
        throw new UpgradeFailure(decision.reason, decision.message);
      case "delete-unstarted-jm-and-retry":
        await p.driver.stopKeepingHaMetadata(p);
        p.status.jobStatus.state = "FAILED";
        await save(p);
        return Action.requeue(0);
      case "available": {
        log.info("upgrade: {why}", { why: decision.why });
        // Recorded while the job is being stopped, which does not depend on it.
        const suspended = decision.suspend === "NOOP" ? undefined : event(p, {
          type: "Normal",
          reason: "Suspended",
          message: "Suspending existing deployment.",
          component: "JobManagerDeployment",
        });
        try {
          await suspendJob(p, decision.suspend);
        } finally {
          await suspended;
        }
        recordRestoreMode(p, decision.restoreMode);
        const target = withJob(spec, { upgradeMode: decision.restoreMode });
        // The job is stopped now, to be restored in the decided mode.
        const stopped = stepFor({ state: "suspended", upgradeMode: decision.restoreMode });
        if (stopped.kind === "record-suspended") {
          markDeployed(p, withJob(target, { state: "suspended" }), { keepNoncesFrom: rec.spec });
          await save(p, "suspended");
          return requeue(p);
        }
        markBeforeDeploy(p, target, { firstDeployment: false, keepNoncesFrom: rec.spec });
        await save(p, "upgrade-suspended");
        // A NOOP suspend changed nothing in the cluster: restore right away in this pass.
        if (decision.suspend !== "NOOP") return Action.requeue(0);
        break;
      }
    }
  }

  const current = lastReconciled(p)!;
  const next = stepFor(current.spec.job);
  switch (next.kind) {
    case "record-suspended":
      markDeployed(
        p,
        withJob(spec, { state: "suspended", upgradeMode: next.restoreMode }),
        { keepNoncesFrom: current.spec },
      );
      await save(p, "suspended");
      return requeue(p);
    case "restore":
      return await restore(p, current, next.restoreMode);
    default:
      throw new Error(`the job is recorded ${current.spec.job?.state} after it was stopped`);
  }
}

/** Starts the job with the current spec, restoring in `restoreMode` (FKO restoreJob). */
async function restore(
  p: ResourcePass,
  current: ReconciledSpec<JobResourceSpec>,
  restoreMode: UpgradeMode,
) {
  const spec = p.spec;
  const target = withJob(spec, { upgradeMode: restoreMode });
  markBeforeDeploy(p, target, { firstDeployment: false, keepNoncesFrom: current.spec });
  await save(p, "before-restore");
  const savepointPath = restoreMode === "savepoint" ? await restorePathFor(p) : undefined;
  await p.driver.deploy(p, spec, { savepointPath, requireHa: restoreMode === "last-state" });
  markDeployed(p, withJob(target, { state: "running" }), { keepNoncesFrom: current.spec });
  await save(p, "deployed");
  return requeue(p);
}

/** savepointRedeployNonce: throw away the running job and start from initialSavepointPath. */
async function redeployFromSavepoint(
  p: ResourcePass,
  rec: ReconciledSpec<JobResourceSpec>,
): Promise<Action> {
  const spec = p.spec;
  const job = spec.job!;
  const path = await savepointRedeployPath(p);
  await event(p, {
    type: "Normal",
    reason: "Suspended",
    message: "Suspending existing deployment.",
    component: "JobManagerDeployment",
  });
  await suspendJob(p, "STATELESS");
  p.status.jobStatus.upgradeSavepointPath = path;
  const target = withJob(spec, { upgradeMode: "savepoint" });
  markBeforeDeploy(p, target, { firstDeployment: false, keepNoncesFrom: rec.spec });
  await save(p, "before-redeploy");
  if (job.state === "running") {
    await p.driver.deploy(p, spec, { savepointPath: path, requireHa: false });
  }
  markDeployed(p, withJob(target, { state: job.state }), { keepNoncesFrom: rec.spec });
  // No rollback ever goes back past a manual redeploy.
  markStable(p.status);
  await save(p, "deployed");
  return requeue(p);
}

/** Nothing to upgrade: restart a failed job, take due snapshots, then the kind's own duties. */
async function reconcileOtherChanges(
  p: ResourcePass,
  rec: ReconciledSpec<JobResourceSpec>,
): Promise<Action> {
  const status = p.status;
  const running = rec.spec.job?.state === "running";
  if (running && status.jobStatus.state === "FAILED" && p.rc.get(OPTIONS.jobRestartFailed)) {
    return await restartFailedJob(p, rec);
  }
  const snapshotAction = await reconcileSnapshotDuties(p);
  if (snapshotAction) return snapshotAction;
  return await p.driver.reconcileOtherChanges(p) ?? requeue(p);
}

/**
 * `kubernetes.operator.job.restart.failed` (reference §3.14): resubmit the deployed spec from
 * the job's last checkpoint, or empty if it is stateless.
 */
async function restartFailedJob(
  p: ResourcePass,
  rec: ReconciledSpec<JobResourceSpec>,
): Promise<Action> {
  await event(p, { type: "Warning", reason: "RestartFailedJob", message: "Restarting failed job" });
  await p.driver.cleanupAfterFailedJob(p);
  p.status.error = undefined;
  const stateless = rec.spec.job?.upgradeMode === "stateless" ||
    p.spec.job?.upgradeMode === "stateless";
  const path = stateless ? undefined : p.status.jobStatus.upgradeSavepointPath;
  // After a rollback the stable spec runs, and is what restarts.
  const running = deployedSpec(p) ?? rec.spec;
  const target = withJob(running, { upgradeMode: path ? "savepoint" : "stateless" });
  markBeforeDeploy(p, target, { firstDeployment: false });
  await save(p, "before-restart");
  await p.driver.deploy(p, running, { savepointPath: path, requireHa: false });
  markDeployed(p, withJob(target, { state: "running" }));
  await save(p, "deployed");
  return requeue(p);
}
