/**
 * Deletion of a FlinkSessionJob (FKO SessionJobReconciler.cleanupInternal, reference §3.17): the
 * job is cancelled — or stopped with a savepoint under `job.savepoint-on-deletion` — unless there
 * is nothing to stop: never deployed, already over, suspended, lost, or its session cluster gone
 * or being deleted. As FKO, the deletion waits until the job is stopped — for a session cluster
 * with HA to be ready again (the job comes back with its JobManager), for a cancel in progress,
 * for a failed stop to succeed — since a resource released earlier would leave the job running
 * with no one to own it (found by the chaos run). Past `resource.cleanup.timeout` status.error
 * and a CleanupFailed event say what it waits for and how to stop waiting.
 */
import { getLogger } from "@logtape/logtape";
import { isGloballyTerminal } from "../../api/enums.ts";
import { OPTIONS } from "../../config/options.ts";
import { errorMessage } from "../../error_message.ts";
import { Action } from "../../runtime/action.ts";
import { isHaEnabled } from "../ha.ts";
import { lastReconciled } from "../job/bookkeeping.ts";
import { JOB_NOT_FOUND } from "../job/observe_job.ts";
import { event, save } from "../job/resource_pass.ts";
import { recordError } from "../job/run_pass.ts";
import { suspendJob } from "../job/stop_job.ts";
import { observeSessionJob } from "./observe.ts";
import type { SessionJobPass } from "./pass.ts";
import { sessionClusterReady } from "./session_cluster.ts";

const log = getLogger(["flinkop", "sessionjob", "cleanup"]);

export async function cleanupSessionJob(p: SessionJobPass): Promise<Action> {
  if (p.status.lifecycleState !== "DELETING") {
    await event(p, { type: "Normal", reason: "Cleanup", message: "Cleaning up FlinkSessionJob" });
    p.status.lifecycleState = "DELETING";
    await save(p).catch(() => {});
  }
  await observeSessionJob(p).catch((err) =>
    log.info("observe during cleanup: {error}", { error: errorMessage(err) })
  );
  const skip = nothingToStop(p);
  if (skip) {
    log.info("deleting without stopping the job: {why}", { why: skip });
    return Action.done();
  }
  const deletedAt = Date.parse(p.raw.metadata.deletionTimestamp ?? "") || p.env.now();
  const overdue = p.env.now() - deletedAt > p.env.config.cleanupTimeoutMs;
  const savepointOnDeletion = p.rc.get(OPTIONS.jobSavepointOnDeletion);
  const retry = Action.requeue(p.env.config.progressCheckIntervalMs);

  if (!sessionClusterReady(p.session)) {
    // Without HA the job cannot outlive its cluster's restart: nothing is left to stop.
    if (!isHaEnabled(p.rc.flinkOptions)) return Action.done();
    // With HA the job comes back with its JobManager: released now, the resource would leave it
    // running with no one to own it (found by the chaos run: a JobManager in crash back-off past
    // the timeout). As FKO, the deletion waits for the cluster however long it takes, and says
    // so once the cleanup timeout has passed.
    if (overdue) {
      await stillWaiting(
        p,
        `session cluster ${p.spec.deploymentName} is not READY; with HA it restores the job when its JobManager is back`,
      );
    }
    return retry;
  }
  if (p.status.jobStatus.state === "CANCELLING" && !overdue) return retry;
  try {
    const path = await suspendJob(p, savepointOnDeletion ? "SAVEPOINT" : "STATELESS");
    if (savepointOnDeletion) {
      await event(p, {
        type: "Normal",
        reason: "Cleanup",
        message: `Savepoint taken on deletion: ${path}`,
      });
    }
    return Action.done();
  } catch (err) {
    // As FKO, a job that could not be stopped is tried again, never left running unowned.
    log.warn("could not stop the job, retrying: {error}", { error: errorMessage(err) });
    if (overdue) await stillWaiting(p, `stopping it failed: ${errorMessage(err)}`);
    return retry;
  }
}

/** Why the job needs no stop before the resource goes, or undefined when it does. */
function nothingToStop(p: SessionJobPass): string | undefined {
  const status = p.status;
  const rec = lastReconciled(p);
  if (!rec) return "never deployed";
  if (isGloballyTerminal(status.jobStatus.state)) return "the job is over";
  if (rec.spec.job?.state === "suspended") return "the job is suspended";
  if (status.error === JOB_NOT_FOUND) return "the session cluster does not know the job";
  if (!status.jobStatus.jobId) return "no job was submitted";
  const session = p.session;
  if (!session) return "the session cluster is gone";
  const deleting = session.metadata.deletionTimestamp !== undefined ||
    session.status.lifecycleState === "DELETING" || session.status.lifecycleState === "DELETED";
  if (deleting && !p.rc.get(OPTIONS.sessionDeletionBlockOnSessionJobs)) {
    return "the session cluster is being deleted";
  }
  return undefined;
}

/** Past the cleanup timeout: status.error and a CleanupFailed event say what the deletion waits for. */
async function stillWaiting(p: SessionJobPass, why: string): Promise<void> {
  const message = `Deletion waits to stop job ${p.status.jobStatus.jobId} (${why}); ` +
    `delete FlinkDeployment ${p.spec.deploymentName} or remove this resource's finalizer to stop ` +
    "waiting, which leaves the job running if it still does";
  await recordError(p, new Error(message), { reason: "CleanupFailed" });
}
