import { isGloballyTerminal } from "../../api/enums.ts";
import { getLogger } from "@logtape/logtape";
import { OPTIONS } from "../../config/options.ts";
import { isNotFound } from "../../kube/errors.ts";
import type { KubeObject } from "../../kube/resource.ts";
import { Action } from "../../runtime/action.ts";
import { FlinkSessionJobs } from "../resources.ts";
import { isFlinkUnavailable } from "../rest/errors.ts";
import { errorMessage } from "../../error_message.ts";
import { lastReconciled } from "../job/bookkeeping.ts";
import { event, rest, save } from "../job/resource_pass.ts";
import { suspendJob } from "../job/stop_job.ts";
import { removeCluster } from "./cluster.ts";
import { observeDeployment } from "./observe.ts";
import { type DeploymentPass, isApplication } from "./pass.ts";

const log = getLogger(["flinkop", "deployment", "cleanup"]);

/**
 * Deletion (FKO FlinkDeploymentController.cleanup, reference §3.17): stop the job (savepoint if
 * `job.savepoint-on-deletion`, else cancel), delete the cluster and its HA data. Session clusters
 * wait while FlinkSessionJobs (or, optionally, unmanaged jobs) still use them. Everything but that
 * deliberate block is bounded by `resource.cleanup.timeout`: past it the operator records why and
 * releases the resource rather than leaving it in Terminating forever.
 */
export async function cleanup(p: DeploymentPass): Promise<Action> {
  if (p.status.lifecycleState !== "DELETING") {
    await event(p, { type: "Normal", reason: "Cleanup", message: "Cleaning up FlinkDeployment" });
    p.status.lifecycleState = "DELETING";
    await save(p).catch(() => {});
  }
  const deletedAt = Date.parse(p.raw.metadata.deletionTimestamp ?? "") || p.env.now();
  const overdue = p.env.now() - deletedAt > p.env.config.cleanupTimeoutMs;

  if (!isApplication(p)) {
    const blocked = await sessionBlockers(p);
    if (blocked) {
      await event(p, { type: "Warning", reason: "CleanupFailed", message: blocked });
      return Action.requeue(p.env.config.reconcileIntervalMs);
    }
    try {
      await removeCluster(p, { deleteHaData: true });
    } catch (err) {
      // e.g. ZooKeeper HA metadata that cannot be removed: retried, released when overdue.
      if (!overdue) throw err;
      await giveUp(p, errorMessage(err));
    }
    return Action.done();
  }

  const rec = lastReconciled(p);
  const savepointOnDeletion = p.rc.get(OPTIONS.jobSavepointOnDeletion);
  try {
    await observeDeployment(p).catch((err) =>
      log.info("observe during cleanup: {error}", { error: errorMessage(err) })
    );
    const jobMayRun = rec?.spec.job?.state === "running" &&
      !isGloballyTerminal(p.status.jobStatus.state) &&
      p.status.jobManagerDeploymentStatus !== "MISSING";
    if (jobMayRun && !overdue) {
      if (savepointOnDeletion) {
        // The savepoint needs a reachable JobManager: wait for it, bounded by the cleanup timeout.
        if (p.status.jobManagerDeploymentStatus !== "READY") {
          return Action.requeue(p.env.config.progressCheckIntervalMs);
        }
        const path = await suspendJob(p, "SAVEPOINT");
        await event(p, {
          type: "Normal",
          reason: "Cleanup",
          message: `Savepoint taken on deletion: ${path}`,
        });
      } else {
        await suspendJob(p, "STATELESS");
      }
    } else if (jobMayRun && savepointOnDeletion) {
      await giveUp(p, "the savepoint requested by job.savepoint-on-deletion could not be taken");
    }
    await removeCluster(p, { deleteHaData: true });
    return Action.done();
  } catch (err) {
    if (!overdue) throw err;
    await giveUp(p, errorMessage(err));
    await removeCluster(p, { deleteHaData: true }).catch(() => {});
    return Action.done();
  }
}

async function giveUp(p: DeploymentPass, why: string): Promise<void> {
  await event(p, {
    type: "Warning",
    reason: "CleanupFailed",
    message: `Cleanup did not finish within ${p.env.config.cleanupTimeoutMs} ms (${why}); ` +
      "deleting the cluster and removing the finalizer so the resource does not stay in Terminating",
  });
}

/** Why a session cluster must not be deleted yet, or undefined. */
async function sessionBlockers(p: DeploymentPass): Promise<string | undefined> {
  if (!p.rc.get(OPTIONS.sessionDeletionBlockOnSessionJobs)) return undefined;
  try {
    const jobs = await p.ctx.client.list<KubeObject & { spec?: { deploymentName?: string } }>(
      FlinkSessionJobs,
      p.ns,
    );
    const users = jobs.items.filter((j) => j.spec?.deploymentName === p.name)
      .map((j) => j.metadata.name);
    if (users.length) return `The session jobs [${users.join(", ")}] should be deleted first`;
  } catch (err) {
    if (!isNotFound(err)) throw err; // no FlinkSessionJob CRD: nothing can reference us
  }
  if (!p.rc.get(OPTIONS.sessionDeletionBlockOnUnmanagedJobs)) return undefined;
  if (p.status.jobManagerDeploymentStatus !== "READY") return undefined;
  try {
    const jobs = await (await rest(p)).listJobs();
    const live = jobs.filter((j) => !isGloballyTerminal(j.state)).map((j) => j.jid);
    if (live.length) {
      return `The session cluster has non terminated jobs [${
        live.join(", ")
      }] that should be cancelled first`;
    }
  } catch (err) {
    if (!isFlinkUnavailable(err)) throw err;
  }
  return undefined;
}
