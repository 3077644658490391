import { getLogger } from "@logtape/logtape";
import { isGloballyTerminal } from "../../api/enums.ts";
import { type KubeObject, Resources } from "../../kube/resource.ts";
import { isFlinkUnavailable } from "../rest/errors.ts";
import { parseMemorySize } from "../../config/memory_size.ts";
import { serializeErrorJson } from "../spec/mod.ts";
import { NOT_EXTERNALLY_ADDRESSABLE } from "../rest/checkpoint_stats.ts";
import type { FlinkRestClient } from "../rest/client.ts";
import { lastReconciled, markStable, recordJobState } from "./bookkeeping.ts";
import { observeJmObjects } from "./jm_observation.ts";
import { DeploymentFailure } from "./errors.ts";
import { event, isApplication, type Pass, rest } from "./pass.ts";
import { GENERATION_ANNOTATION } from "../render/mod.ts";
import { observeSnapshotTriggers } from "./snapshots.ts";

const log = getLogger(["flinkop", "deployment", "observe"]);

/** The JobManager Deployment of this cluster from the watch cache. */
export function jmDeployment(p: Pass): KubeObject | undefined {
  return p.ctx.cache(Resources.deployments).get(`${p.ns}/${p.name}`);
}

/**
 * Observe phase (FKO §3.2): bring `status` in line with what runs — the JobManager Deployment,
 * then (once its REST API answers) the job — before anything is decided.
 */
export async function observe(p: Pass): Promise<void> {
  const rec = lastReconciled(p.status);
  if (!rec) return;
  const jobState = p.status.jobStatus.state;
  if (p.status.reconciliationStatus.state === "UPGRADING" && jobState !== "CANCELLING") {
    if (!upgradeWentThrough(p)) {
      if (rec.firstDeployment) {
        // The first deploy never materialised: start it over as a first deployment.
        p.status.reconciliationStatus.lastReconciledSpec = undefined;
      }
      return;
    }
  }
  if (p.status.jobManagerDeploymentStatus !== "READY") await observeJobManager(p);
  if (p.status.jobManagerDeploymentStatus !== "READY") return;
  let client: FlinkRestClient;
  try {
    client = await rest(p);
    if (isApplication(p)) await observeJob(p, client);
    else await client.config();
    if (isApplication(p)) await observeSnapshotTriggers(p, client);
    if (!isApplication(p) && p.status.reconciliationStatus.state === "DEPLOYED") {
      markStable(p.status);
    }
    await observeClusterInfo(p, client);
  } catch (err) {
    if (!isFlinkUnavailable(err)) throw err;
    log.info("JobManager REST not reachable ({error}); observing its deployment again", {
      error: (err as Error).message,
    });
    p.status.jobManagerDeploymentStatus = "DEPLOYING";
    if (p.status.jobStatus.state === "RUNNING") p.status.jobStatus.state = "RECONCILING";
    return;
  }
  clearErrorWhenHealthy(p);
}

/**
 * After a crash in UPGRADING the deploy may have happened without being recorded: the JobManager
 * Deployment carrying our generation annotation proves it did.
 */
function upgradeWentThrough(p: Pass): boolean {
  const jm = jmDeployment(p);
  if (!jm || jm.metadata.deletionTimestamp) return false;
  const generation = jm.metadata.annotations?.[GENERATION_ANNOTATION];
  if (generation === undefined || generation !== String(p.status.observedGeneration)) {
    return false;
  }
  p.status.reconciliationStatus.state = "DEPLOYED";
  // Only a running target creates a JobManager, so that is what was deployed.
  recordJobState(p.status, "running");
  p.status.jobStatus.state = "RECONCILING";
  p.status.jobManagerDeploymentStatus = "DEPLOYING";
  return true;
}

async function observeJobManager(p: Pass): Promise<void> {
  const rec = lastReconciled(p.status)!;
  const status = p.status;
  const suspended = rec.spec.job?.state === "suspended" && p.dep.spec.job?.state === "suspended";
  if (suspended && status.jobManagerDeploymentStatus === "MISSING") return;
  if (status.jobManagerDeploymentStatus === "DEPLOYED_NOT_READY") {
    status.jobManagerDeploymentStatus = "READY";
    return;
  }
  const deployment = jmDeployment(p);
  const pods = p.ctx.cache(Resources.pods).list(p.ns).filter((pod) =>
    pod.metadata.labels?.app === p.name && pod.metadata.labels?.component === "jobmanager"
  );
  const seen = observeJmObjects(deployment, pods);
  switch (seen.state) {
    case "MISSING": {
      const before = status.jobManagerDeploymentStatus;
      status.jobManagerDeploymentStatus = "MISSING";
      if (!isTerminalOrSuspended(p)) status.jobStatus.state = "RECONCILING";
      if (before !== "MISSING" && before !== "ERROR" && !suspended) {
        status.error = "Missing JobManager deployment";
        await event(p, {
          type: "Warning",
          reason: "Missing",
          message: "Missing JobManager deployment",
          component: "JobManagerDeployment",
        });
      }
      return;
    }
    case "AVAILABLE":
      try {
        await (await rest(p)).config({ timeoutMs: 2000 });
        status.jobManagerDeploymentStatus = "DEPLOYED_NOT_READY";
      } catch (err) {
        if (!isFlinkUnavailable(err)) throw err;
        status.jobManagerDeploymentStatus = "DEPLOYING";
      }
      return;
    case "ERROR":
      if (isApplication(p)) status.jobStatus.state = "RECONCILING";
      if (status.jobManagerDeploymentStatus !== "ERROR") {
        throw new DeploymentFailure(seen.reason, seen.message);
      }
      return;
    case "DEPLOYING":
      status.jobManagerDeploymentStatus = "DEPLOYING";
      return;
  }
}

function isTerminalOrSuspended(p: Pass): boolean {
  return isGloballyTerminal(p.status.jobStatus.state) ||
    lastReconciled(p.status)?.spec.job?.state === "suspended";
}

/** Job status observation (FKO JobStatusObserver). */
async function observeJob(p: Pass, client: FlinkRestClient): Promise<void> {
  const rec = lastReconciled(p.status)!;
  if (rec.spec.job?.state === "suspended") return;
  const js = p.status.jobStatus;
  const jobs = await client.listJobs();
  const job = jobs.find((j) => j.jid === js.jobId);
  if (!job) {
    if (js.state !== "RECONCILING" || p.status.error !== "Job Not Found") {
      await event(p, {
        type: "Warning",
        reason: "Missing",
        message: "Job Not Found",
        component: "Job",
      });
    }
    p.status.reconciliationStatus.state = "DEPLOYED";
    js.state = "RECONCILING";
    p.status.error = "Job Not Found";
    return;
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
      recordJobState(p.status, "suspended");
    }
    if (job.state === "FAILED") {
      const result = await client.executionResult(job.jid).catch(() => undefined);
      const cause = result?.state === "COMPLETED" && result.failure
        ? withRootCause(result.failure, result.stackTrace)
        : "the job failed";
      p.status.error = serializeErrorJson(new Error(cause), {
        type: "org.apache.flink.runtime.JobException",
      });
      await event(p, { type: "Warning", reason: "Error", message: cause, component: "Job" });
    }
  }
  const reconciliation = p.status.reconciliationStatus;
  if (
    reconciliation.state === "DEPLOYED" && (job.state === "RUNNING" || job.state === "FINISHED")
  ) {
    markStable(p.status);
  }
  if (isGloballyTerminal(job.state)) await recordLastCheckpoint(p, client);
}

/**
 * A terminal job's newest checkpoint or savepoint becomes the restore point (FKO does this so a
 * job stopped by anyone — or by a stop-with-savepoint we crashed in the middle of — can resume).
 */
async function recordLastCheckpoint(p: Pass, client: FlinkRestClient): Promise<void> {
  const js = p.status.jobStatus;
  const stats = await client.checkpointStats(js.jobId!);
  const latest = stats.latestCheckpoint();
  if (!latest) return;
  if (latest.externalPath === NOT_EXTERNALLY_ADDRESSABLE) return;
  if (js.upgradeSavepointPath !== latest.externalPath) {
    log.info("recording last checkpoint {path} of terminal job as restore point", {
      path: latest.externalPath,
    });
    js.upgradeSavepointPath = latest.externalPath;
  }
}

async function observeClusterInfo(p: Pass, client: FlinkRestClient): Promise<void> {
  try {
    const config = await client.config();
    const info: Record<string, string> = { ...p.status.clusterInfo };
    if (config.flinkVersion) info["flink-version"] = config.flinkVersion;
    if (config.flinkRevision) info["flink-revision"] = config.flinkRevision;
    // FKO derives totals from the configured sizes times the TaskManager count, not from probes.
    const tms = (await client.taskManagers()).length;
    const conf = p.rc.flat;
    const cpu = (key: string) => Number(conf[key] ?? "1") || 1;
    const mem = (key: string) => {
      try {
        return conf[key] ? parseMemorySize(conf[key]) : 0;
      } catch {
        return 0;
      }
    };
    info["total-cpu"] = String(
      cpu("kubernetes.jobmanager.cpu.amount") + tms * cpu("kubernetes.taskmanager.cpu.amount"),
    );
    info["total-memory"] = String(
      mem("jobmanager.memory.process.size") + tms * mem("taskmanager.memory.process.size"),
    );
    p.status.clusterInfo = info;
  } catch {
    // Cluster info is informational only; FKO ignores these errors too.
  }
}

function clearErrorWhenHealthy(p: Pass): void {
  const s = p.status;
  const stable =
    s.reconciliationStatus.lastStableSpec === s.reconciliationStatus.lastReconciledSpec;
  if (s.jobManagerDeploymentStatus !== "ERROR" && s.jobStatus.state !== "FAILED" && stable) {
    s.error = undefined;
  }
}

/**
 * Flink's top-level failure ("Could not start the JobMaster") rarely says what to fix; the
 * innermost "Caused by" of its stack trace (e.g. a missing savepoint path) usually does.
 */
function withRootCause(message: string, stackTrace: string | undefined): string {
  const causes = (stackTrace ?? "").split("\n")
    .map((line) => line.trim())
    .filter((line) => line.startsWith("Caused by:"));
  const root = causes.at(-1)?.slice("Caused by:".length).trim();
  return root && !message.includes(root) ? `${message} (root cause: ${root})` : message;
}
