/**
 * What the reconcile phase does about a resource's spec, decided from what it knows: the route a
 * pass takes with a pending change (nothing, in-place scaling, an upgrade, a redeploy from a
 * savepoint), the next step of a change (stop the running job first, record a suspended job,
 * restore), the restore mode of a start, and the inputs of the upgrade decision.
 *
 * reconcileJob (reconcile_job.ts) follows these pass by pass, acting after each; `flinkop plan`
 * (plan_job.ts) runs them forward over the live facts without acting. Both take every decision
 * from here and from decideJobUpgrade, so what plan prints is what the controller does.
 */
import type { JobState, UpgradeMode } from "../../api/enums.ts";
import { OPTIONS } from "../../config/options.ts";
import type { HaPresence } from "../ha_store.ts";
import { diffSpecs, type DiffType, type SpecDiff } from "../spec/diff.ts";
import { savepointDirectory } from "../spec/state_dirs.ts";
import {
  type CheckpointInfo,
  checkpointInfoRequired,
  type JobUpgradeInput,
} from "../spec/upgrade.ts";
import { lastStable, type ReconciledSpec, withJob } from "./bookkeeping.ts";
import { UpgradeFailure } from "./errors.ts";
import { type JobResourceSpec, type ResourcePass, rest } from "./resource_pass.ts";
import { resolveSnapshotReference } from "./snapshot_reference.ts";

/** What a pass does about the spec once rollbacks are settled. */
export type SpecRoute =
  /** Nothing to deploy: the other duties (failed-job restart, snapshots, JobManager recovery). */
  | "none"
  /** ROLLED_BACK, and the spec asked for is the stable spec that runs: recorded, not deployed. */
  | "record-stable-spec"
  /** A SCALE change: applied to the running job in place if possible, else an upgrade. */
  | "scale"
  /** Stop the job as decideJobUpgrade says (if it runs) and start it with the new spec. */
  | "upgrade"
  /** A new savepointRedeployNonce: stateless stop, start from initialSavepointPath. */
  | "savepoint-redeploy";

export function specRoute(facts: {
  /** Aggregate class of {@link pendingDiff}. */
  readonly diffType: DiffType;
  /** `reconciliationStatus.state` is UPGRADING: a change is half done. */
  readonly upgrading: boolean;
  /** {@link stableSpecRequested}. */
  readonly stableSpecRequested: boolean;
}): SpecRoute {
  if (facts.diffType === "IGNORE" && !facts.upgrading) return "none";
  if (facts.stableSpecRequested) return "record-stable-spec";
  if (facts.diffType === "SCALE" && !facts.upgrading) return "scale";
  return facts.diffType === "SAVEPOINT_REDEPLOY" ? "savepoint-redeploy" : "upgrade";
}

/** The next step of a spec change (FKO AbstractJobReconciler.reconcileSpecChange). */
export type ChangeStep =
  | { readonly kind: "redeploy-from-savepoint" }
  /** The recorded job runs: stop it first, the way decideJobUpgrade decides. */
  | { readonly kind: "stop" }
  /** Nothing runs and the spec asks for a suspended job: record the spec, start nothing. */
  | { readonly kind: "record-suspended"; readonly restoreMode: UpgradeMode }
  /** Nothing runs: start the job with the new spec, restoring in `restoreMode`. */
  | { readonly kind: "restore"; readonly restoreMode: UpgradeMode };

export function changeStep(facts: {
  readonly savepointRedeploy: boolean;
  /** lastReconciled `job.state`: the job's actual state (suspended once it was stopped). */
  readonly recordedJobState: JobState | undefined;
  /** lastReconciled `job.upgradeMode`: how the job was stopped, i.e. how it restores. */
  readonly recordedUpgradeMode: UpgradeMode | undefined;
  readonly desiredJobState: JobState;
  readonly specUpgradeMode: UpgradeMode;
}): ChangeStep {
  if (facts.savepointRedeploy) return { kind: "redeploy-from-savepoint" };
  if (facts.recordedJobState === "running") return { kind: "stop" };
  const recorded = facts.recordedUpgradeMode ?? "stateless";
  if (facts.desiredJobState === "suspended") {
    return { kind: "record-suspended", restoreMode: recorded };
  }
  return { kind: "restore", restoreMode: restoreModeFor(facts.specUpgradeMode, recorded) };
}

/** How a stopped job starts (FKO restoreJob): as it was stopped, unless the spec now says stateless. */
export function restoreModeFor(specMode: UpgradeMode, recordedMode: UpgradeMode): UpgradeMode {
  return specMode === "stateless" ? "stateless" : recordedMode;
}

/**
 * The change the reconcile phase acts on: the current spec against lastReconciledSpec, in the
 * deployment mode of the running cluster. While rolling back, the recorded job state is the
 * rollback's (the failed job is stopped), not a change the user asked for.
 */
export function pendingDiff(p: ResourcePass, rec: ReconciledSpec<JobResourceSpec>): SpecDiff {
  const compared = p.status.reconciliationStatus.state === "ROLLING_BACK"
    ? withJob(rec.spec, { state: p.spec.job?.state })
    : rec.spec;
  return diffSpecs(p.kind, compared, p.spec, { mode: p.driver.deploymentMode(p) });
}

/**
 * After a rollback, a spec equal to the stable one that runs needs no deploy (FKO
 * checkNewSpecAlreadyDeployed): it is only recorded as deployed, and the rollback is over.
 */
export function stableSpecRequested(p: ResourcePass): boolean {
  if (p.status.reconciliationStatus.state !== "ROLLED_BACK") return false;
  const stable = lastStable(p);
  const mode = { mode: p.driver.deploymentMode(p) };
  return stable !== undefined && diffSpecs(p.kind, stable, p.spec, mode).type === "IGNORE";
}

/** The restore point of a first start: initialSavepointPath or a FlinkStateSnapshot reference. */
export async function initialRestorePath(p: ResourcePass): Promise<string | undefined> {
  const job = p.spec.job;
  if (!job) return undefined;
  if (job.flinkStateSnapshotReference) {
    return await resolveSnapshotReference(p, job.flinkStateSnapshotReference);
  }
  return job.initialSavepointPath || undefined;
}

/** Where a savepointRedeployNonce redeploys from; an empty path is refused. */
export async function savepointRedeployPath(p: ResourcePass): Promise<string> {
  const job = p.spec.job!;
  const path = job.flinkStateSnapshotReference
    ? await resolveSnapshotReference(p, job.flinkStateSnapshotReference)
    : job.initialSavepointPath;
  if (!path) {
    throw new UpgradeFailure(
      "UpgradeFailed",
      "spec.job.savepointRedeployNonce changed but spec.job.initialSavepointPath is empty",
    );
  }
  return path;
}

/**
 * The upgrade decision's input, except the running job's checkpoint statistics. `ha`: what the
 * HA metadata store holds, when already known; read from it otherwise.
 */
export async function upgradeBaseInput(
  p: ResourcePass,
  rec: ReconciledSpec<JobResourceSpec>,
  ha?: HaPresence,
): Promise<JobUpgradeInput> {
  const js = p.status.jobStatus;
  const startTime = Number(js.startTime);
  return {
    ...await p.driver.upgradeFacts(p, ha),
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
}

/** The decision reads the running job's checkpoint statistics (and there is a job to ask). */
export function checkpointStatsNeeded(p: ResourcePass, input: JobUpgradeInput): boolean {
  return checkpointInfoRequired(input) && !!p.status.jobStatus.jobId;
}

/** The running job's newest completed and in-progress checkpoints, from its REST API. */
export async function checkpointInfoOf(p: ResourcePass): Promise<CheckpointInfo> {
  const stats = await (await rest(p)).checkpointStats(p.status.jobStatus.jobId!);
  return {
    newestCompletedAt: stats.latest.completed?.triggerTimestamp,
    pendingStartedAt: stats.pendingCheckpoint?.triggerTimestamp,
  };
}

/** The complete input of decideJobUpgrade for this pass. */
export async function upgradeInput(
  p: ResourcePass,
  rec: ReconciledSpec<JobResourceSpec>,
): Promise<JobUpgradeInput> {
  const input = await upgradeBaseInput(p, rec);
  if (!checkpointStatsNeeded(p, input)) return input;
  return { ...input, checkpointInfo: await checkpointInfoOf(p) };
}
