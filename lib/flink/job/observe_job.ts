/**
 * Observing a job through its JobManager's REST API, the same for both kinds (FKO
 * AbstractFlinkResourceObserver + JobStatusObserver + SnapshotObserver, reference §3.2): bring
 * `status.jobStatus` in line with what runs before anything is decided.
 */
import { getLogger } from "@logtape/logtape";
import { isGloballyTerminal } from "../../api/enums.ts";
import { Action } from "../../runtime/action.ts";
import { NOT_EXTERNALLY_ADDRESSABLE } from "../rest/checkpoint_stats.ts";
import {
  checkpointStatsCacheMs,
  checkpointStatsFreshInMs,
} from "../rest/checkpoint_stats_cache.ts";
import type { FlinkRestClient } from "../rest/client.ts";
import { isStable, lastReconciled, markStable, recordJobState } from "./bookkeeping.ts";
import { observeJobExceptions } from "./job_exceptions.ts";
import { recordJobFailure } from "./job_failure.ts";
import { observeLegacySnapshots } from "./legacy_snapshots.ts";
import { event, type ResourcePass, uidOf } from "./resource_pass.ts";

const log = getLogger(["flinkop", "job", "observe"]);

/** FKO's `status.error` (and event message) for a job its cluster does not know. */
export const JOB_NOT_FOUND = "Job Not Found";

/**
 * Whether there is anything to observe (FKO isResourceReadyToBeObserved): something was
 * deployed, no rollback is replacing it, and an interrupted upgrade either reached the cluster (then it is recorded as
 * deployed now) or did not (then nothing runs that belongs to the recorded spec).
 */
export async function readyToObserve(p: ResourcePass): Promise<boolean> {
  const rec = lastReconciled(p);
  if (!rec) return false;
  const status = p.status;
  // What runs during a rollback is being replaced; its status is observed once it is done.
  if (status.reconciliationStatus.state === "ROLLING_BACK") return false;
  if (status.reconciliationStatus.state !== "UPGRADING") return true;
  if (status.jobStatus.state === "CANCELLING") return true;
  if (await p.driver.alreadyDeployed(p)) {
    log.info("the recorded deploy reached the cluster; recording it as deployed");
    status.reconciliationStatus.state = "DEPLOYED";
    // Only a running target is ever deployed, so that is what runs.
    recordJobState(p, "running");
    return true;
  }
  // The first deploy never materialised: start it over as a first deployment.
  if (rec.firstDeployment) status.reconciliationStatus.lastReconciledSpec = undefined;
  return false;
}

/**
 * Job status observation (FKO JobStatusObserver), then the legacy snapshot triggers. Returns
 * whether the cluster knows the job.
 */
export async function observeJob(p: ResourcePass, client: FlinkRestClient): Promise<boolean> {
  const rec = lastReconciled(p)!;
  if (rec.spec.job?.state === "suspended") return false;
  const js = p.status.jobStatus;
  const job = js.jobId ? (await client.listJobs()).find((j) => j.jid === js.jobId) : undefined;
  if (!job) {
    await onJobNotFound(p);
    return false;
  }
  if (isGloballyTerminal(job.state)) {
    const unknownForMs = lastCheckpointUnknownForMs(p, `${job.jid}@${job.startTime}`);
    if (unknownForMs > 0) {
      // Flink's checkpoint statistics may still be from before the job ended. Its end — state,
      // restore point, suspension — is recorded once they cannot be, all in one pass, so nothing
      // is decided from an older checkpoint (which Flink may already have deleted) and a restart
      // in between loses nothing.
      log.info("job {jobId} ended moments ago ({state}); recording its end in {ms} ms", {
        jobId: job.jid,
        state: job.state,
        ms: unknownForMs,
      });
      p.lastCheckpointUnknownForMs = unknownForMs;
      return true;
    }
  } else {
    p.memory.terminalSeen.delete(uidOf(p));
  }
  const previous = js.state;
  js.jobName = job.name;
  if (job.startTime !== undefined && job.startTime > 0) js.startTime = String(job.startTime);
  if (previous !== job.state) {
    js.state = job.state;
    js.updateTime = String(p.env.now());
    await event(p, {
      type: "Normal",
      reason: "JobStatusChanged",
      message: previous
        ? `Job status changed from ${previous} to ${job.state}`
        : `Job status changed to ${job.state}`,
      component: "Job",
    });
    if (job.state === "CANCELED" || (previous === "CANCELLING" && isGloballyTerminal(job.state))) {
      recordJobState(p, "suspended");
    }
    if (job.state === "FAILED") await recordJobFailure(p, client, job.jid);
  }
  if (!isGloballyTerminal(previous)) await observeJobExceptions(p, client);
  if (
    p.status.reconciliationStatus.state === "DEPLOYED" &&
    (job.state === "RUNNING" || job.state === "FINISHED")
  ) {
    markStable(p.status);
  }
  if (isGloballyTerminal(job.state)) await recordLastCheckpoint(p, client);
  await observeLegacySnapshots(p, client);
  if (js.state !== "FAILED" && isStable(p.status)) p.status.error = undefined;
  return true;
}

/**
 * FKO onTargetJobNotFound. A lost stateless session job is marked suspended so the next pass
 * submits it again; anything else waits with "Job Not Found" (an application cluster resubmits
 * its own job, and a stateful job must not silently restart empty).
 */
async function onJobNotFound(p: ResourcePass): Promise<void> {
  const js = p.status.jobStatus;
  if (js.state !== "RECONCILING" || p.status.error !== JOB_NOT_FOUND) {
    await event(p, {
      type: "Warning",
      reason: "Missing",
      message: JOB_NOT_FOUND,
      component: "Job",
    });
  }
  if (
    p.kind === "FlinkSessionJob" && !isGloballyTerminal(js.state) &&
    p.spec.job?.upgradeMode === "stateless"
  ) {
    recordJobState(p, "suspended");
  } else {
    p.status.reconciliationStatus.state = "DEPLOYED";
  }
  js.state = "RECONCILING";
  p.status.error = JOB_NOT_FOUND;
}

/**
 * Milliseconds until the checkpoint statistics of this ended job `run` are sure to be final (0:
 * now): Flink serves them from a cache, and what was cached before the job ended may lack its
 * last checkpoints (rest/checkpoint_stats_cache.ts). Counted from when the run was first seen
 * ended — by this operator process; after a restart that is the first pass.
 */
function lastCheckpointUnknownForMs(p: ResourcePass, run: string): number {
  const uid = uidOf(p);
  const now = p.env.now();
  let seen = p.memory.terminalSeen.get(uid);
  if (seen?.run !== run) {
    seen = { run, at: now };
    p.memory.terminalSeen.set(uid, seen);
  }
  return checkpointStatsFreshInMs(seen.at, now, checkpointStatsCacheMs(p.rc.flat));
}

/**
 * Ends the pass while the observer holds back a job's end ({@link
 * ResourcePass.lastCheckpointUnknownForMs}): nothing is decided from the state before it.
 */
export function waitForLastCheckpoint(p: ResourcePass): Action | undefined {
  const ms = p.lastCheckpointUnknownForMs;
  return ms === undefined ? undefined : Action.requeue(ms);
}

/**
 * A terminal job's newest checkpoint or savepoint becomes the restore point (FKO does this so a
 * job stopped by anyone — or by a stop-with-savepoint we crashed in the middle of — can resume).
 */
async function recordLastCheckpoint(p: ResourcePass, client: FlinkRestClient): Promise<void> {
  const js = p.status.jobStatus;
  const latest = (await client.checkpointStats(js.jobId!)).latestCheckpoint();
  if (!latest || latest.externalPath === NOT_EXTERNALLY_ADDRESSABLE) return;
  if (js.upgradeSavepointPath !== latest.externalPath) {
    log.info("recording last checkpoint {path} of terminal job as restore point", {
      path: latest.externalPath,
    });
    js.upgradeSavepointPath = latest.externalPath;
  }
}
