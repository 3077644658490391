import { isGloballyTerminal } from "../../api/enums.ts";
import { getLogger } from "@logtape/logtape";
import type { FlinkDeploymentSpec } from "../../api/flink_deployment.ts";
import { Resources } from "../../kube/resource.ts";
import { sleep } from "../../runtime/backoff.ts";
import { createOrReplace, deleteCluster } from "../cluster_ops.ts";
import { isKubernetesHa, readHaMetadata, removeJobGraphs } from "../ha.ts";
import {
  buildDeployConfig,
  getSavepointsDir,
  jobManagerOwnedObjects,
  LAST_STATE_SENTINEL,
  renderCluster,
  withOwnerUid,
} from "../render/mod.ts";
import { NOT_EXTERNALLY_ADDRESSABLE } from "../rest/checkpoint_stats.ts";
import { UpgradeFailure } from "./errors.ts";
import { jmDeployment } from "./observe.ts";
import { event, forgetRest, isApplication, type Pass, rest, save } from "./pass.ts";
import { recordsLegacySnapshots, recordUpgradeSnapshot } from "./snapshots.ts";
import { OPTIONS } from "../../config/options.ts";
import { parseDuration } from "../../config/duration.ts";

const log = getLogger(["flinkop", "deployment", "cluster"]);

export type SuspendMode = "NOOP" | "STATELESS" | "SAVEPOINT" | "CANCEL" | "LAST_STATE";

function randomJobId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Deletes this resource's cluster and waits (bounded by the cleanup timeout). */
export async function removeCluster(p: Pass, opts: { deleteHaData: boolean }): Promise<void> {
  forgetRest(p);
  const gone = await deleteCluster(p.ctx.client, {
    namespace: p.ns,
    clusterId: p.name,
    deleteHaData: opts.deleteHaData,
    propagation: p.env.config.deletionPropagation,
    timeoutMs: p.env.config.cleanupTimeoutMs,
    signal: p.ctx.signal,
  });
  if (!gone) {
    await event(p, {
      type: "Warning",
      reason: "CleanupFailed",
      message: `JobManager of ${p.name} still present after ${p.env.config.cleanupTimeoutMs} ms`,
    });
  }
  p.status.jobManagerDeploymentStatus = "MISSING";
}

/**
 * Deploys `spec` as a cluster (FKO ApplicationReconciler.deploy / SessionReconciler.deploy):
 * HA guard for last-state restores, removal of a previous cluster, job id written ahead, then the
 * Kubernetes objects.
 */
export async function deploy(
  p: Pass,
  spec: FlinkDeploymentSpec,
  opts: { savepointPath?: string; requireHa: boolean },
): Promise<void> {
  const application = spec.job != null;
  const info = { ...p.status.clusterInfo };
  delete info.ClusterHealthInfo;
  p.status.clusterInfo = info;
  const conf = p.rc.flinkOptions;
  let savepointPath = opts.savepointPath;

  if (application && opts.requireHa) {
    const ha = await readHaMetadata(p.ctx.client, p.ns, p.name);
    if (!ha.available) {
      throw new UpgradeFailure(
        "RestoreFailed",
        "HA metadata is not available to restore from last state. It is possible that the job " +
          "has finished or terminally failed, or the configmaps have been deleted. Manual restore required.",
      );
    }
    if (ha.hasCheckpoint) {
      savepointPath = LAST_STATE_SENTINEL;
      p.status.jobStatus.upgradeSavepointPath = LAST_STATE_SENTINEL;
    }
  }

  if (p.status.jobManagerDeploymentStatus !== "MISSING" || jmDeployment(p)) {
    await removeCluster(p, { deleteHaData: !opts.requireHa });
    await save(p);
  }

  let jobId: string | undefined;
  if (application) {
    const fixed = conf["$internal.pipeline.job-id"];
    const keep = opts.requireHa && p.status.jobStatus.jobId;
    jobId = fixed ?? (keep ? p.status.jobStatus.jobId! : randomJobId());
    p.status.jobStatus.jobId = jobId;
    await save(p, "job-id-recorded");
  }

  await event(p, { type: "Normal", reason: "Submit", message: "Starting deployment" });
  if (application && opts.requireHa && isKubernetesHa(conf)) {
    await removeJobGraphs(p.ctx.client, p.ns, p.name);
  }
  const generation = p.raw.metadata.generation ?? 0;
  const deployment = { ...p.dep, spec };
  const deployConfig = buildDeployConfig({
    deployment,
    effectiveConfig: { ...conf },
    generation,
    jobId,
    savepointPath: application ? savepointPath : undefined,
    haRestore: opts.requireHa,
    jobResultStoreUuid: crypto.randomUUID(),
    mode: application ? "application" : "session",
  });
  const objects = renderCluster({
    deployment,
    deployConfig,
    generation,
    mode: spec.mode ?? "native",
    clusterType: application ? "application" : "session",
    startupProbe: p.rc.get(OPTIONS.jmDeploymentStartupProbeEnabled),
  });
  const client = p.ctx.client;
  const jm = await createOrReplace(client, Resources.deployments, objects.jobManagerDeployment);
  for (const obj of jobManagerOwnedObjects(objects)) {
    const withOwner = withOwnerUid(obj, "Deployment", p.name, jm.metadata.uid!);
    const type = obj.kind === "Service" ? Resources.services : Resources.configMaps;
    await createOrReplace(client, type, withOwner);
  }
  if (objects.taskManagerDeployment) {
    await createOrReplace(client, Resources.deployments, objects.taskManagerDeployment);
  }
  forgetRest(p);
  if (application) p.status.jobStatus.state = "RECONCILING";
  p.status.jobManagerDeploymentStatus = "DEPLOYING";
  log.info("deployed {mode} cluster {name} (job {jobId}, restore {path})", {
    mode: application ? "application" : "session",
    name: p.name,
    jobId: jobId ?? "-",
    path: savepointPath ?? "none",
  });
}

/**
 * Stops the running job as chosen by the upgrade decision. Returns the savepoint/checkpoint path
 * the next start restores from (undefined: none). The stop-with-savepoint trigger is written to
 * status *before* it is sent (with a caller-chosen trigger id Flink deduplicates), so a crash in
 * the middle resumes polling the same savepoint instead of losing it.
 */
export async function suspendJob(p: Pass, mode: SuspendMode): Promise<string | undefined> {
  const js = p.status.jobStatus;
  switch (mode) {
    case "NOOP":
      return js.upgradeSavepointPath;
    case "STATELESS": {
      if (isApplication(p) && js.jobId && !isGloballyTerminal(js.state)) {
        try {
          await (await rest(p)).cancelJob(js.jobId);
        } catch (err) {
          log.info("cancel before stateless upgrade failed, deleting anyway: {error}", {
            error: (err as Error).message,
          });
        }
      }
      await removeCluster(p, { deleteHaData: true });
      finishJob(p);
      return undefined;
    }
    case "LAST_STATE":
      await removeCluster(p, { deleteHaData: false });
      finishJob(p);
      return undefined;
    case "SAVEPOINT":
      return await stopWithSavepoint(p);
    case "CANCEL":
      return await cancelAndReadCheckpoint(p);
  }
}

function finishJob(p: Pass): void {
  if (!isGloballyTerminal(p.status.jobStatus.state)) p.status.jobStatus.state = "FINISHED";
}

async function stopWithSavepoint(p: Pass): Promise<string> {
  const js = p.status.jobStatus;
  const info = js.savepointInfo;
  const client = await rest(p);
  if (!info.triggerId || info.triggerType !== "UPGRADE") {
    info.triggerId = crypto.randomUUID().replaceAll("-", "");
    info.triggerTimestamp = p.env.now();
    info.triggerType = "UPGRADE";
    info.formatType = p.rc.get(OPTIONS.savepointFormatType) as "CANONICAL" | "NATIVE";
    await save(p, "savepoint-triggered");
  }
  const target = getSavepointsDir(p.rc.flinkOptions);
  // Sending the same trigger id again is idempotent in Flink: safe after a crash or a retry.
  await client.stopWithSavepoint(js.jobId!, {
    targetDirectory: target,
    drain: p.rc.get(OPTIONS.jobDrainOnSavepointDeletion),
    formatType: (info.formatType ?? "CANONICAL") as "CANONICAL" | "NATIVE",
    triggerId: info.triggerId,
  }).catch((err) => {
    // A job that already stopped for this trigger answers with an error; the status poll tells.
    log.info("stop-with-savepoint request: {error}", { error: (err as Error).message });
  });
  const timeoutMs = durationOr(p.rc.flat["execution.checkpointing.timeout"], 10 * 60_000);
  const deadline = p.env.now() + timeoutMs;
  while (p.env.now() < deadline) {
    const st = await client.savepointStatus(js.jobId!, info.triggerId!);
    if (st.state === "COMPLETED") {
      const location = st.location;
      recordSavepoint(p, location);
      finishJob(p);
      await recordUpgradeSnapshot(p, location);
      return location;
    }
    if (st.state === "FAILED") {
      info.triggerId = undefined;
      info.triggerTimestamp = undefined;
      info.triggerType = undefined;
      await save(p);
      throw new UpgradeFailure("SavepointError", `stop-with-savepoint failed: ${st.failure}`);
    }
    await sleep(200, p.ctx.signal);
    if (p.ctx.signal.aborted) throw new Error("shutting down");
  }
  throw new UpgradeFailure(
    "SavepointError",
    `stop-with-savepoint did not complete within ${timeoutMs} ms; raise execution.checkpointing.timeout`,
  );
}

/** Records a completed upgrade savepoint everywhere FKO would (path, legacy last savepoint, history). */
export function recordSavepoint(p: Pass, location: string): void {
  const js = p.status.jobStatus;
  const info = js.savepointInfo;
  const savepoint = {
    timeStamp: p.env.now(),
    location,
    triggerType: "UPGRADE" as const,
    formatType: (info.formatType ?? "CANONICAL") as "CANONICAL" | "NATIVE",
  };
  js.upgradeSavepointPath = location;
  // With snapshot resources, the upgrade savepoint is a FlinkStateSnapshot instead (as in FKO).
  if (recordsLegacySnapshots(p)) {
    info.lastSavepoint = savepoint;
    if (info.savepointHistory.at(-1)?.location !== location) info.savepointHistory.push(savepoint);
  }
  info.triggerId = undefined;
  info.triggerTimestamp = undefined;
  info.triggerType = undefined;
}

async function cancelAndReadCheckpoint(p: Pass): Promise<string | undefined> {
  const js = p.status.jobStatus;
  const client = await rest(p);
  const outcome = await client.cancelJob(js.jobId!);
  if (outcome === "missing") {
    throw new UpgradeFailure("CleanupFailed", "Cannot find job when trying to cancel");
  }
  js.state = "CANCELLING";
  await save(p);
  const deadline = p.env.now() + p.env.config.cancelTimeoutMs;
  while (p.env.now() < deadline) {
    const state = await client.jobStatus(js.jobId!);
    if (isGloballyTerminal(state)) {
      js.state = state;
      break;
    }
    await sleep(200, p.ctx.signal);
  }
  if (!isGloballyTerminal(js.state)) {
    throw new UpgradeFailure("UpgradeFailed", "job did not reach a terminal state after cancel");
  }
  const latest = (await client.checkpointStats(js.jobId!)).latestCheckpoint();
  if (!latest) {
    js.upgradeSavepointPath = undefined;
    return undefined;
  }
  if (latest.externalPath === NOT_EXTERNALLY_ADDRESSABLE) {
    throw new UpgradeFailure(
      "CheckpointNotFound",
      "the latest checkpoint is not externally addressable: set state.checkpoints.dir",
    );
  }
  js.upgradeSavepointPath = latest.externalPath;
  return latest.externalPath;
}

function durationOr(value: string | undefined, fallbackMs: number): number {
  if (!value) return fallbackMs;
  try {
    return parseDuration(value);
  } catch {
    return fallbackMs;
  }
}
