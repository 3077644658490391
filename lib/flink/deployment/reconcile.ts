import { getLogger } from "@logtape/logtape";
import { isGloballyTerminal, type UpgradeMode } from "../../api/enums.ts";
import { OPTIONS } from "../../config/options.ts";
import { Action } from "../../runtime/action.ts";
import { isHaEnabled, readHaMetadata } from "../ha.ts";
import {
  checkpointInfoRequired,
  decideJobUpgrade,
  describeDiff,
  diffSpecs,
  type JobUpgradeInput,
  savepointDirectory,
} from "../spec/mod.ts";
import {
  lastReconciled,
  markBeforeDeploy,
  markDeployed,
  markStable,
  type ReconciledSpec,
  recordRestoreMode,
  withJob,
} from "./bookkeeping.ts";
import { deploy, removeCluster, suspendJob } from "./cluster.ts";
import { UpgradeFailure } from "./errors.ts";
import { event, isApplication, type Pass, rest, save } from "./pass.ts";
import { resolveSnapshotReference } from "./snapshot_reference.ts";
import { reconcileSnapshotDuties, restorePathFor, waitForPendingSnapshot } from "./snapshots.ts";

const log = getLogger(["flinkop", "deployment", "reconcile"]);

/** Generations for which a SpecChanged event was emitted (FKO emits it once per generation). */
const specChangedEmitted = new Map<string, number>();

/** Reconcile phase (FKO AbstractFlinkResourceReconciler.reconcile). */
export async function reconcile(p: Pass): Promise<Action> {
  const rec = lastReconciled(p.status);
  if (!rec) return await firstDeploy(p);
  const pendingSnapshot = await waitForPendingSnapshot(p);
  if (pendingSnapshot) return pendingSnapshot;
  const spec = p.dep.spec;
  const upgrading = p.status.reconciliationStatus.state === "UPGRADING";
  const diff = diffSpecs(rec.spec, spec, { mode: rec.spec.mode ?? "native" });
  if (diff.type !== "IGNORE" || upgrading) {
    const uid = p.raw.metadata.uid ?? p.name;
    const generation = p.raw.metadata.generation ?? 0;
    if (!upgrading && specChangedEmitted.get(uid) !== generation) {
      specChangedEmitted.set(uid, generation);
      await event(p, { type: "Normal", reason: "SpecChanged", message: describeDiff(diff) });
    }
    return isApplication(p)
      ? await reconcileJobChange(p, rec, diff.type === "SAVEPOINT_REDEPLOY")
      : await redeploySession(p);
  }
  if (p.raw.metadata.generation !== undefined) {
    p.status.observedGeneration = p.raw.metadata.generation;
  }
  return await reconcileOtherChanges(p, rec);
}

function nextPassDelay(p: Pass): number {
  const c = p.env.config;
  switch (p.status.jobManagerDeploymentStatus) {
    case "DEPLOYING":
      return c.progressCheckIntervalMs;
    case "DEPLOYED_NOT_READY":
      return c.restReadyDelayMs;
    case "READY":
      return p.status.jobStatus.state === "RUNNING" || !isApplication(p) ||
          isGloballyTerminal(p.status.jobStatus.state)
        ? c.reconcileIntervalMs
        : c.progressCheckIntervalMs;
    default:
      return c.reconcileIntervalMs;
  }
}

export function requeue(p: Pass): Action {
  return Action.requeue(nextPassDelay(p));
}

function deployedOpts(p: Pass) {
  const slots = Number(p.rc.flat["taskmanager.numberOfTaskSlots"] ?? "1") || 1;
  return { firstDeployment: false, now: p.env.now(), clusterId: p.name, slotsPerTm: slots };
}

/** The restore point for a first deploy: initialSavepointPath or a FlinkStateSnapshot reference. */
async function initialRestorePath(p: Pass): Promise<string | undefined> {
  const job = p.dep.spec.job;
  if (!job) return undefined;
  if (job.flinkStateSnapshotReference) {
    return await resolveSnapshotReference(p, job.flinkStateSnapshotReference);
  }
  return job.initialSavepointPath || undefined;
}

async function firstDeploy(p: Pass): Promise<Action> {
  const spec = p.dep.spec;
  const generation = p.raw.metadata.generation;
  if (spec.job?.state === "suspended") {
    // Nothing to start; the spec is recorded once it is first resumed (FKO leaves it CREATED).
    await save(p);
    return Action.done();
  }
  const restorePath = await initialRestorePath(p);
  const recorded = withJob(spec, { upgradeMode: restorePath ? "savepoint" : "stateless" });
  if (restorePath) p.status.jobStatus.upgradeSavepointPath = restorePath;
  markBeforeDeploy(p.status, recorded, generation, { firstDeployment: true, now: p.env.now() });
  await save(p, "before-first-deploy");
  await deploy(p, spec, { savepointPath: restorePath, requireHa: false });
  markDeployed(p.status, withJob(recorded, { state: "running" }), generation, {
    ...deployedOpts(p),
    firstDeployment: true,
  });
  await save(p, "deployed");
  return requeue(p);
}

/** Any UPGRADE-class change of a session cluster: delete it (keeping HA data) and redeploy. */
async function redeploySession(p: Pass): Promise<Action> {
  const generation = p.raw.metadata.generation;
  markBeforeDeploy(p.status, p.dep.spec, generation, { firstDeployment: false, now: p.env.now() });
  await save(p, "before-deploy");
  await removeCluster(p, { deleteHaData: false });
  await deploy(p, p.dep.spec, { requireHa: false });
  markDeployed(p.status, p.dep.spec, generation, deployedOpts(p));
  await save(p, "deployed");
  return requeue(p);
}

async function reconcileJobChange(
  p: Pass,
  rec: ReconciledSpec,
  savepointRedeploy: boolean,
): Promise<Action> {
  const spec = p.dep.spec;
  const desired = spec.job!.state;
  const generation = p.raw.metadata.generation;

  if (savepointRedeploy) return await redeployFromSavepoint(p);

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
        await removeCluster(p, { deleteHaData: false });
        p.status.jobStatus.state = "FAILED";
        await save(p);
        return Action.requeue(0);
      case "available": {
        if (decision.suspend !== "NOOP") {
          await event(p, {
            type: "Normal",
            reason: "Suspended",
            message: "Suspending existing deployment.",
          });
        }
        await suspendJob(p, decision.suspend);
        recordRestoreMode(p.status, decision.restoreMode);
        const target = withJob(spec, { upgradeMode: decision.restoreMode });
        if (desired === "suspended") {
          markDeployed(
            p.status,
            withJob(target, { state: "suspended" }),
            generation,
            deployedOpts(p),
          );
          await save(p, "suspended");
          return requeue(p);
        }
        markBeforeDeploy(p.status, target, generation, {
          firstDeployment: false,
          now: p.env.now(),
          keepNoncesFrom: rec.spec,
        });
        await save(p, "upgrade-suspended");
        // A NOOP suspend changed nothing in the cluster: restore right away in this pass.
        if (decision.suspend !== "NOOP") return Action.requeue(0);
        break;
      }
    }
  }

  const current = lastReconciled(p.status)!;
  if (desired === "suspended") {
    markDeployed(
      p.status,
      withJob(spec, { state: "suspended", upgradeMode: current.spec.job?.upgradeMode }),
      generation,
      deployedOpts(p),
    );
    await save(p, "suspended");
    return requeue(p);
  }
  return await restore(p, current);
}

/** Starts the job from the recorded restore mode (FKO restoreJob). */
async function restore(p: Pass, current: ReconciledSpec): Promise<Action> {
  const spec = p.dep.spec;
  const generation = p.raw.metadata.generation;
  const recordedMode: UpgradeMode = current.spec.job?.upgradeMode ?? "stateless";
  const restoreMode: UpgradeMode = spec.job!.upgradeMode === "stateless"
    ? "stateless"
    : recordedMode;
  const target = withJob(spec, { upgradeMode: restoreMode });
  markBeforeDeploy(p.status, target, generation, {
    firstDeployment: false,
    now: p.env.now(),
    keepNoncesFrom: current.spec,
  });
  await save(p, "before-restore");
  const savepointPath = restoreMode === "savepoint" ? await restorePathFor(p) : undefined;
  await deploy(p, spec, { savepointPath, requireHa: restoreMode === "last-state" });
  markDeployed(p.status, withJob(target, { state: "running" }), generation, deployedOpts(p));
  await save(p, "deployed");
  return requeue(p);
}

/** savepointRedeployNonce: throw away the running job and start from initialSavepointPath. */
async function redeployFromSavepoint(p: Pass): Promise<Action> {
  const spec = p.dep.spec;
  const generation = p.raw.metadata.generation;
  const path = spec.job!.flinkStateSnapshotReference
    ? await resolveSnapshotReference(p, spec.job!.flinkStateSnapshotReference)
    : spec.job!.initialSavepointPath;
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
  });
  await suspendJob(p, "STATELESS");
  p.status.jobStatus.upgradeSavepointPath = path;
  const target = withJob(spec, { upgradeMode: "savepoint" });
  markBeforeDeploy(p.status, target, generation, { firstDeployment: false, now: p.env.now() });
  await save(p, "before-redeploy");
  if (spec.job!.state === "running") {
    await deploy(p, spec, { savepointPath: path, requireHa: false });
  }
  markDeployed(p.status, withJob(target, { state: spec.job!.state }), generation, deployedOpts(p));
  markStable(p.status);
  await save(p, "deployed");
  return requeue(p);
}

async function upgradeInput(p: Pass, rec: ReconciledSpec): Promise<JobUpgradeInput> {
  const haEnabled = isHaEnabled(p.rc.flinkOptions);
  const ha = haEnabled
    ? await readHaMetadata(p.ctx.client, p.ns, p.name)
    : { available: false, hasCheckpoint: false };
  const startTime = Number(p.status.jobStatus.startTime);
  const input: JobUpgradeInput = {
    specUpgradeMode: p.dep.spec.job!.upgradeMode,
    lastReconciledUpgradeMode: rec.spec.job?.upgradeMode ?? "stateless",
    lastReconciledFlinkVersion: rec.spec.flinkVersion,
    flinkVersion: p.dep.spec.flinkVersion,
    jobState: p.status.jobStatus.state,
    jobManagerDeploymentStatus: p.status.jobManagerDeploymentStatus,
    haEnabledInDeployConfig: haEnabled,
    haEnabledInObserveConfig: haEnabled,
    haMetadataAvailable: ha.available,
    jobManagerPodNeverStarted: false,
    lastStateFallbackEnabled: p.rc.get(OPTIONS.jobUpgradeLastStateFallbackEnabled),
    lastStateJobCancelEnabled: p.rc.get(OPTIONS.jobUpgradeLastStateJobCancelEnabled),
    maxCheckpointAgeMs: p.rc.get(OPTIONS.jobUpgradeLastStateMaxAllowedCheckpointAge),
    jobStartTime: Number.isFinite(startTime) && startTime > 0 ? startTime : undefined,
    now: p.env.now(),
    savepointsDirConfigured: savepointDirectory(p.rc.flat) !== undefined,
    upgradeSavepointPath: p.status.jobStatus.upgradeSavepointPath,
    isSessionJob: false,
  };
  if (!checkpointInfoRequired(input) || !p.status.jobStatus.jobId) return input;
  const stats = await (await rest(p)).checkpointStats(p.status.jobStatus.jobId);
  return {
    ...input,
    checkpointInfo: {
      newestCompletedAt: stats.latest.completed?.triggerTimestamp,
      pendingStartedAt: stats.pendingCheckpoint?.triggerTimestamp,
    },
  };
}

/** Nothing to upgrade: recover a lost JobManager, restart a failed job. */
async function reconcileOtherChanges(p: Pass, rec: ReconciledSpec): Promise<Action> {
  const status = p.status;
  const app = isApplication(p);
  const running = rec.spec.job?.state === "running";
  const haEnabled = isHaEnabled(p.rc.flinkOptions);
  const stateless = rec.spec.job?.upgradeMode === "stateless" ||
    p.dep.spec.job?.upgradeMode === "stateless";

  if (app && running && status.jobStatus.state === "FAILED" && p.rc.get(OPTIONS.jobRestartFailed)) {
    await event(p, {
      type: "Warning",
      reason: "RestartFailedJob",
      message: "Restarting failed job",
    });
    await removeCluster(p, { deleteHaData: false });
    status.error = undefined;
    const path = stateless ? undefined : status.jobStatus.upgradeSavepointPath;
    const target = withJob(rec.spec, { upgradeMode: path ? "savepoint" : "stateless" });
    markBeforeDeploy(status, target, p.raw.metadata.generation, {
      firstDeployment: false,
      now: p.env.now(),
    });
    await save(p, "before-restart");
    await deploy(p, rec.spec, { savepointPath: path, requireHa: false });
    markDeployed(
      status,
      withJob(target, { state: "running" }),
      p.raw.metadata.generation,
      deployedOpts(p),
    );
    await save(p, "deployed");
    return requeue(p);
  }

  const snapshotAction = await reconcileSnapshotDuties(p, rec);
  if (snapshotAction) return snapshotAction;

  const shouldHaveJm = !app || (running && !isGloballyTerminal(status.jobStatus.state));
  if (
    status.jobManagerDeploymentStatus === "MISSING" && shouldHaveJm &&
    p.rc.get(OPTIONS.jmDeploymentRecoveryEnabled) && (stateless || haEnabled)
  ) {
    await event(p, {
      type: "Warning",
      reason: "RecoverDeployment",
      message: "Recovering lost deployment",
      component: "JobManagerDeployment",
    });
    await deploy(p, rec.spec, { requireHa: app && haEnabled && !stateless });
    await save(p, "recovered");
    return requeue(p);
  }
  return requeue(p);
}
