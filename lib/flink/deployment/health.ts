/**
 * Cluster health of application FlinkDeployments (reference §3.13, FKO ClusterHealthObserver and
 * ApplicationReconciler): the observer samples the job's restart and completed-checkpoint counts
 * into `status.clusterInfo.ClusterHealthInfo`; when the history says unhealthy, the reconciler
 * restarts the cluster the way a lost JobManager is recovered — through HA metadata, or empty for
 * a stateless job — never from nothing for a stateful one.
 */
import { getLogger } from "@logtape/logtape";
import { isGloballyTerminal } from "../../api/enums.ts";
import { parseDuration } from "../../config/duration.ts";
import { OPTIONS } from "../../config/options.ts";
import { errorMessage } from "../../error_message.ts";
import type { Action } from "../../runtime/action.ts";
import { deployedSpec, lastReconciled } from "../job/bookkeeping.ts";
import { requeue } from "../job/reconcile_job.ts";
import { event, save } from "../job/resource_pass.ts";
import type { FlinkRestClient } from "../rest/client.ts";
import {
  CLUSTER_HEALTH_INFO_KEY,
  evaluateClusterHealth,
  type HealthPolicy,
  parseClusterHealthInfo,
  serializeClusterHealthInfo,
} from "../spec/cluster_health.ts";
import { isHaEnabled } from "../ha.ts";
import { deployCluster, haStoreOf, removeCluster } from "./cluster.ts";
import type { DeploymentPass } from "./pass.ts";

const log = getLogger(["flinkop", "deployment", "health"]);

const RESTART_METRICS = ["fullRestarts", "numRestarts", "numberOfCompletedCheckpoints"];

/** Samples the job's health, after the observer found it (FKO: only for a non-terminal job). */
export async function observeClusterHealth(
  p: DeploymentPass,
  client: FlinkRestClient,
): Promise<void> {
  const js = p.status.jobStatus;
  if (!p.rc.get(OPTIONS.clusterHealthCheckEnabled) || isGloballyTerminal(js.state) || !js.jobId) {
    return;
  }
  try {
    const metrics = await client.metrics(js.jobId, RESTART_METRICS);
    // numRestarts where Flink has it; fullRestarts on versions before it.
    const restarts = metrics.numRestarts ?? metrics.fullRestarts;
    if (restarts === undefined) {
      throw new Error("the job reports neither numRestarts nor fullRestarts");
    }
    const now = p.env.now();
    const info = evaluateClusterHealth(
      parseClusterHealthInfo(p.status.clusterInfo[CLUSTER_HEALTH_INFO_KEY]),
      {
        timeStamp: now,
        numRestarts: Number.parseInt(restarts, 10) || 0,
        numCompletedCheckpoints: Number.parseInt(metrics.numberOfCompletedCheckpoints ?? "0", 10) ||
          0,
      },
      healthPolicy(p),
      now,
    );
    p.status.clusterInfo = {
      ...p.status.clusterInfo,
      [CLUSTER_HEALTH_INFO_KEY]: serializeClusterHealthInfo(info),
    };
  } catch (err) {
    // As FKO: a failed sample is a passing problem, never a failed pass.
    log.warn("could not observe the cluster's health: {error}", { error: errorMessage(err) });
  }
}

function healthPolicy(p: DeploymentPass): HealthPolicy {
  const conf = p.rc.flat;
  const ms = (key: string, fallback?: number) => {
    const value = conf[key];
    if (value === undefined || value.trim() === "") return fallback;
    try {
      return parseDuration(value);
    } catch {
      return fallback;
    }
  };
  return {
    restartsWindowMs: p.rc.get(OPTIONS.clusterHealthCheckRestartsWindow),
    restartsThreshold: p.rc.get(OPTIONS.clusterHealthCheckRestartsThreshold),
    checkpointProgressEnabled: p.rc.get(OPTIONS.clusterHealthCheckCheckpointProgressEnabled),
    checkpointProgressWindowMs: p.rc.get(OPTIONS.clusterHealthCheckCheckpointProgressWindow),
    checkpointIntervalMs: ms("execution.checkpointing.interval"),
    checkpointTimeoutMs: ms("execution.checkpointing.timeout", 10 * 60_000)!,
    tolerableFailedCheckpoints: Number(
      conf["execution.checkpointing.tolerable-failed-checkpoints"] ?? "0",
    ) || 0,
  };
}

/**
 * FKO shouldRestartJobBecauseUnhealthy + the restart: an unhealthy, non-terminal job whose state
 * survives the restart (stateless, or HA metadata present) gets a `RestartUnhealthyJob` event and
 * a new cluster from the deployed spec, through HA when HA is on. Without HA metadata a stateful
 * job is left alone (and logged): restarting it would lose its state.
 */
export async function restartIfUnhealthy(p: DeploymentPass): Promise<Action | undefined> {
  const rec = lastReconciled(p);
  const status = p.status;
  if (!rec || !p.rc.get(OPTIONS.clusterHealthCheckEnabled)) return undefined;
  if (isGloballyTerminal(status.jobStatus.state)) return undefined;
  const info = parseClusterHealthInfo(status.clusterInfo[CLUSTER_HEALTH_INFO_KEY]);
  if (!info || info.healthResult.healthy) return undefined;
  const stateless = p.spec.job?.upgradeMode === "stateless";
  if (!stateless && !(await haStoreOf(p).read()).available) {
    log.warn(
      "the job is unhealthy ({error}) but without HA metadata it cannot be restarted " +
        "with its state",
      { error: info.healthResult.error ?? "" },
    );
    return undefined;
  }
  await event(p, {
    type: "Warning",
    reason: "RestartUnhealthyJob",
    message: info.healthResult.error || "Restarting unhealthy job",
    component: "Job",
  });
  const clusterInfo = { ...status.clusterInfo };
  delete clusterInfo[CLUSTER_HEALTH_INFO_KEY];
  status.clusterInfo = clusterInfo;
  await removeCluster(p, { deleteHaData: false });
  await save(p);
  await deployCluster(p, deployedSpec(p) ?? rec.spec, {
    requireHa: isHaEnabled(p.rc.flinkOptions),
  });
  await save(p, "restarted-unhealthy");
  return requeue(p);
}

/**
 * FKO cleanupTerminalJmAfterTtl: the JobManager of a job that is over (finished, failed, or
 * cancelled) is removed `jm-deployment.shutdown-ttl` after the job reached that state. Its HA
 * metadata and the restore point in status stay, so a later upgrade or restore still works.
 */
export async function removeTerminalJobManager(p: DeploymentPass): Promise<Action | undefined> {
  const status = p.status;
  const js = status.jobStatus;
  if (!isGloballyTerminal(js.state) || status.jobManagerDeploymentStatus === "MISSING") {
    return undefined;
  }
  const since = Number(js.updateTime);
  const ttl = p.rc.get(OPTIONS.jmDeploymentShutdownTtl);
  if (!Number.isFinite(since) || p.env.now() <= since + ttl) return undefined;
  log.info("removing the JobManager of the {state} job after {ttl} ms", { state: js.state, ttl });
  await removeCluster(p, { deleteHaData: false });
  await save(p);
  return requeue(p);
}
