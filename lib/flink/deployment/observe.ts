/**
 * Observe phase of a FlinkDeployment (reference §3.2): the JobManager Deployment first, then —
 * once its REST API answers — the job (shared with session jobs) and the cluster info.
 */
import { getLogger } from "@logtape/logtape";
import { isGloballyTerminal } from "../../api/enums.ts";
import { parseMemorySize } from "../../config/memory_size.ts";
import { errorMessage } from "../../error_message.ts";
import { Resources } from "../../kube/resource.ts";
import { isStable, lastReconciled, markStable } from "../job/bookkeeping.ts";
import { observeJob, readyToObserve } from "../job/observe_job.ts";
import { event, rest, uidOf } from "../job/resource_pass.ts";
import { GENERATION_ANNOTATION } from "../render/mod.ts";
import type { FlinkRestClient } from "../rest/client.ts";
import { isFlinkUnavailable } from "../rest/errors.ts";
import { DeploymentFailure } from "./errors.ts";
import { observeClusterHealth } from "./health.ts";
import { observeJmObjects } from "./jm_observation.ts";
import { type DeploymentPass, isApplication, jmDeployment } from "./pass.ts";

const log = getLogger(["flinkop", "deployment", "observe"]);

/**
 * Brings `status` in line with what runs. A failing JobManager Deployment throws
 * DeploymentFailure (recorded by the controller).
 */
export async function observeDeployment(p: DeploymentPass): Promise<void> {
  if (!await readyToObserve(p)) return;
  if (p.status.jobManagerDeploymentStatus !== "READY") await observeJobManager(p);
  if (p.status.jobManagerDeploymentStatus !== "READY") return;
  let client: FlinkRestClient;
  try {
    client = await rest(p);
    if (isApplication(p)) {
      if (await observeJob(p, client)) await observeClusterHealth(p, client);
    } else {
      await client.config();
      if (p.status.reconciliationStatus.state === "DEPLOYED") markStable(p.status);
      if (isStable(p.status)) p.status.error = undefined;
    }
    await observeClusterInfo(p, client);
  } catch (err) {
    if (!isFlinkUnavailable(err)) throw err;
    log.info("JobManager REST not reachable ({error}); observing its deployment again", {
      error: errorMessage(err),
    });
    p.status.jobManagerDeploymentStatus = "DEPLOYING";
    if (p.status.jobStatus.state === "RUNNING") p.status.jobStatus.state = "RECONCILING";
  }
}

/**
 * After a crash in UPGRADING the deploy may have happened without being recorded: the JobManager
 * Deployment carrying our generation annotation proves it did.
 */
export function clusterDeployed(p: DeploymentPass): boolean {
  const jm = jmDeployment(p);
  if (!jm || jm.metadata.deletionTimestamp) return false;
  const generation = jm.metadata.annotations?.[GENERATION_ANNOTATION];
  if (generation === undefined || generation !== String(p.status.observedGeneration)) {
    return false;
  }
  p.status.jobStatus.state = "RECONCILING";
  p.status.jobManagerDeploymentStatus = "DEPLOYING";
  return true;
}

async function observeJobManager(p: DeploymentPass): Promise<void> {
  const rec = lastReconciled(p)!;
  const status = p.status;
  const suspended = rec.spec.job?.state === "suspended" && p.spec.job?.state === "suspended";
  if (suspended && status.jobManagerDeploymentStatus === "MISSING") return;
  if (status.jobManagerDeploymentStatus === "DEPLOYED_NOT_READY") {
    status.jobManagerDeploymentStatus = "READY";
    return;
  }
  const pods = p.ctx.cache(Resources.pods).list(p.ns).filter((pod) =>
    pod.metadata.labels?.app === p.name && pod.metadata.labels?.component === "jobmanager"
  );
  const seen = observeJmObjects(jmDeployment(p), pods);
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
        // The REST API answered: READY now, unless a rest-ready delay is configured (FKO's wait
        // after the port opened, DEPLOYED_NOT_READY until then).
        status.jobManagerDeploymentStatus = p.env.config.restReadyDelayMs === undefined
          ? "READY"
          : "DEPLOYED_NOT_READY";
      } catch (err) {
        if (!isFlinkUnavailable(err)) throw err;
        log.info("JobManager Deployment available, its REST API not answering yet: {error}", {
          error: errorMessage(err),
        });
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

function isTerminalOrSuspended(p: DeploymentPass): boolean {
  return isGloballyTerminal(p.status.jobStatus.state) ||
    lastReconciled(p)?.spec.job?.state === "suspended";
}

/**
 * Whether the cluster info in status is current. What it depends on (the JobManager's version,
 * the TaskManagers its job asked for) changes with a new job or spec, not between two polls of a
 * running one, so it is read again only then, or after CLUSTER_INFO_REFRESH_MS. When it was read
 * is in the controller's memory (`clusterInfoRead`), forgotten with the resource.
 */
const CLUSTER_INFO_REFRESH_MS = 5 * 60_000;

function clusterInfoCurrent(p: DeploymentPass): boolean {
  const uid = uidOf(p);
  const js = p.status.jobStatus;
  const identity = `${p.generation}|${js.jobId}|${js.startTime}|${js.state}`;
  const now = p.env.now();
  const seen = p.memory.clusterInfoRead.get(uid);
  if (seen && seen.identity === identity && now - seen.at < CLUSTER_INFO_REFRESH_MS) return true;
  p.memory.clusterInfoRead.set(uid, { identity, at: now });
  return false;
}

async function observeClusterInfo(p: DeploymentPass, client: FlinkRestClient): Promise<void> {
  if (p.status.clusterInfo?.["flink-version"] && clusterInfoCurrent(p)) return;
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
