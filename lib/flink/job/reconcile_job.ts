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
import { describeDiff, diffSpecs } from "../spec/diff.ts";
import { savepointDirectory } from "../spec/state_dirs.ts";
import { checkpointInfoRequired, decideJobUpgrade, type JobUpgradeInput } from "../spec/upgrade.ts";
import {
  deployedSpec,
  lastReconciled,
  lastStable,
  markBeforeDeploy,
  markDeployed,
  markStable,
  type ReconciledSpec,
  recordRestoreMode,
  withJob,
} from "./bookkeeping.ts";
import { UpgradeFailure } from "./errors.ts";
import { scaleInPlace } from "./inplace_scaling.ts";
import { waitForPendingSnapshot } from "./legacy_snapshots.ts";
import { waitForLastCheckpoint } from "./observe_job.ts";
import {
  event,
  type JobResourceSpec,
  type ResourcePass,
  rest,
  save,
  uidOf,
} from "./resource_pass.ts";
import { rollBackIfDue } from "./rollback.ts";
import { resolveSnapshotReference } from "./snapshot_reference.ts";
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
  // While rolling back, the recorded job state is the rollback's (the failed job is stopped),
  // not a change the user asked for.
  const compared = p.status.reconciliationStatus.state === "ROLLING_BACK"
    ? withJob(rec.spec, { state: p.spec.job?.state })
    : rec.spec;
  const diff = diffSpecs(p.kind, compared, p.spec, { mode: p.driver.deploymentMode(p) });
  if (await rollBackIfDue(p, rec, diff.type !== "IGNORE" || wasUpgrading)) {
    return await reconcileJobChange(p, rec, false);
  }
  const upgrading = p.status.reconciliationStatus.state === "UPGRADING";
  if (diff.type !== "IGNORE" || upgrading) {
    if (await stableSpecRequested(p, rec)) return requeue(p);
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
      if (diff.type === "SCALE" && !upgrading && await scaleInPlace(p, rec)) return requeue(p);
      return await reconcileJobChange(p, rec, diff.type === "SAVEPOINT_REDEPLOY");
    } finally {
      await specChanged;
    }
  }
  if (p.generation !== undefined) p.status.observedGeneration = p.generation;
  return await reconcileOtherChanges(p, rec);
}

/**
 * After a rollback, a spec equal to the stable one that runs needs no deploy (FKO
 * checkNewSpecAlreadyDeployed): it is recorded as deployed, and the rollback is over.
 */
async function stableSpecRequested(
  p: ResourcePass,
  rec: ReconciledSpec<JobResourceSpec>,
): Promise<boolean> {
  if (p.status.reconciliationStatus.state !== "ROLLED_BACK") return false;
  const stable = lastStable(p);
  const mode = { mode: p.driver.deploymentMode(p) };
  if (!stable || diffSpecs(p.kind, stable, p.spec, mode).type !== "IGNORE") return false;
  log.info("the spec is the stable spec that runs since the rollback; nothing to deploy");
  const running = withJob(p.spec, { state: "running", upgradeMode: rec.spec.job?.upgradeMode });
  markDeployed(p, running, { keepNoncesFrom: rec.spec });
  await save(p, "deployed");
  return true;
}

export function requeue(p: ResourcePass): Action {
  return Action.requeue(p.driver.nextPassDelay(p));
}

/** The restore point of a first start: initialSavepointPath or a FlinkStateSnapshot reference. */
async function initialRestorePath(p: ResourcePass): Promise<string | undefined> {
  const job = p.spec.job;
  if (!job) return undefined;
  if (job.flinkStateSnapshotReference) {
    return await resolveSnapshotReference(p, job.flinkStateSnapshotReference);
  }
  return job.initialSavepointPath || undefined;
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

  if (savepointRedeploy) return await redeployFromSavepoint(p, rec);

  if (rec.spec.job?.state === "running") {
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
        if (desired === "suspended") {
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
  if (desired === "suspended") {
    markDeployed(
      p,
      withJob(spec, { state: "suspended", upgradeMode: current.spec.job?.upgradeMode }),
      { keepNoncesFrom: current.spec },
    );
    await save(p, "suspended");
    return requeue(p);
  }
  return await restore(p, current);
}

/** Starts the job from the recorded restore mode (FKO restoreJob). */
async function restore(p: ResourcePass, current: ReconciledSpec<JobResourceSpec>) {
  const spec = p.spec;
  const recordedMode: UpgradeMode = current.spec.job?.upgradeMode ?? "stateless";
  // The recorded mode wins unless the user now asks for stateless.
  const restoreMode: UpgradeMode = spec.job!.upgradeMode === "stateless"
    ? "stateless"
    : recordedMode;
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
  const path = job.flinkStateSnapshotReference
    ? await resolveSnapshotReference(p, job.flinkStateSnapshotReference)
    : job.initialSavepointPath;
  if (!path) {
    throw new UpgradeFailure(
      "UpgradeFailed",
      "spec.job.savepointRedeployNonce changed but spec.job.initialSavepointPath is empty",
    );
  }
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

async function upgradeInput(
  p: ResourcePass,
  rec: ReconciledSpec<JobResourceSpec>,
): Promise<JobUpgradeInput> {
  const js = p.status.jobStatus;
  const startTime = Number(js.startTime);
  const input: JobUpgradeInput = {
    ...await p.driver.upgradeFacts(p),
    specUpgradeMode: p.spec.job!.upgradeMode,
    lastReconciledUpgradeMode: rec.spec.job?.upgradeMode ?? "stateless",
    jobState: js.state,
    lastStateFallbackEnabled: p.rc.get(OPTIONS.jobUpgradeLastStateFallbackEnabled),
    lastStateJobCancelEnabled: p.rc.get(OPTIONS.jobUpgradeLastStateJobCancelEnabled),
    maxCheckpointAgeMs: p.rc.get(OPTIONS.jobUpgradeLastStateMaxAllowedCheckpointAge),
    jobStartTime: Number.isFinite(startTime) && startTime > 0 ? startTime : undefined,
    now: p.env.now(),
    savepointsDirConfigured: savepointDirectory(p.rc.flat) !== undefined,
    upgradeSavepointPath: js.upgradeSavepointPath,
  };
  if (!checkpointInfoRequired(input) || !js.jobId) return input;
  const stats = await (await rest(p)).checkpointStats(js.jobId);
  return {
    ...input,
    checkpointInfo: {
      newestCompletedAt: stats.latest.completed?.triggerTimestamp,
      pendingStartedAt: stats.pendingCheckpoint?.triggerTimestamp,
    },
  };
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
