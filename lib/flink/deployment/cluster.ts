/**
 * A FlinkDeployment's cluster in Kubernetes: created from a spec (FKO ApplicationReconciler.deploy
 * / SessionReconciler.deploy, reference §3.8) and removed, with or without its HA metadata.
 */
import { getLogger } from "@logtape/logtape";
import type { FlinkDeploymentSpec } from "../../api/flink_deployment.ts";
import { OPTIONS } from "../../config/options.ts";
import { isAlreadyExists } from "../../kube/errors.ts";
import { Resources } from "../../kube/resource.ts";
import { createOrReplace, deleteCluster } from "../cluster_ops.ts";
import { isKubernetesHa } from "../ha.ts";
import { type HaPresence, type HaStore, haStore } from "../ha_store.ts";
import { isZooKeeperHa } from "../zookeeper_ha.ts";
import type { DeployOptions } from "../job/job_driver.ts";
import { UpgradeFailure } from "../job/errors.ts";
import { lastReconciled } from "../job/bookkeeping.ts";
import { event, forgetRest, save } from "../job/resource_pass.ts";
import {
  buildDeployConfig,
  jobManagerOwnedObjects,
  renderCluster,
  type RenderedCluster,
  withOwnerUid,
} from "../render/mod.ts";
import { LAST_STATE_SAVEPOINT_SENTINEL } from "../spec/upgrade.ts";
import { type DeploymentPass, jmDeployment } from "./pass.ts";

const log = getLogger(["flinkop", "deployment", "cluster"]);

function randomJobId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Where this resource's HA metadata is, per its `high-availability.type`. */
export function haStoreOf(p: DeploymentPass): HaStore {
  return haStore({
    client: p.ctx.client,
    namespace: p.ns,
    clusterId: p.name,
    flinkConfig: p.rc.flinkOptions,
    requestTimeoutMs: p.env.config.flinkClientTimeoutMs,
  });
}

/** Why a last-state (HA) restore cannot start, or undefined when there is HA metadata. */
export function haRestoreRefusal(ha: HaPresence): UpgradeFailure | undefined {
  if (ha.available) return undefined;
  return new UpgradeFailure(
    "RestoreFailed",
    "HA metadata is not available to restore from last state. It is possible that the job " +
      "has finished or terminally failed, or the configmaps have been deleted. Manual restore required.",
  );
}

/**
 * The job id an application deploy starts its job with: the configured
 * `$internal.pipeline.job-id`, the current one on a last-state (HA) restore, else a new one.
 */
export function jobIdOnDeploy(
  conf: Readonly<Record<string, string>>,
  opts: Pick<DeployOptions, "requireHa">,
  currentJobId: string | undefined,
): { kind: "configured" | "kept"; jobId: string } | { kind: "new" } {
  const fixed = conf["$internal.pipeline.job-id"];
  if (fixed !== undefined) return { kind: "configured", jobId: fixed };
  if (opts.requireHa && currentJobId) return { kind: "kept", jobId: currentJobId };
  return { kind: "new" };
}

/** Deletes this resource's cluster and waits (bounded by the cleanup timeout). */
export async function removeCluster(
  p: DeploymentPass,
  opts: { deleteHaData: boolean },
): Promise<void> {
  forgetRest(p);
  const gone = await deleteCluster(p.ctx.client, {
    namespace: p.ns,
    clusterId: p.name,
    deleteHaData: opts.deleteHaData,
    haStore: haStoreOf(p),
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

/** The Kubernetes objects of a deploy of `spec` with the given job id and restore point. */
function renderFor(
  p: DeploymentPass,
  spec: FlinkDeploymentSpec,
  opts: { jobId?: string; savepointPath?: string; requireHa: boolean },
): RenderedCluster {
  const application = spec.job != null;
  const generation = p.generation ?? 0;
  const deployment = { ...p.resource, spec };
  const deployConfig = buildDeployConfig({
    deployment,
    effectiveConfig: { ...p.rc.flinkOptions },
    generation,
    jobId: opts.jobId,
    savepointPath: application ? opts.savepointPath : undefined,
    haRestore: opts.requireHa,
    jobResultStoreUuid: crypto.randomUUID(),
    mode: application ? "application" : "session",
  });
  return renderCluster({
    deployment,
    deployConfig,
    generation,
    mode: spec.mode ?? "native",
    clusterType: application ? "application" : "session",
    startupProbe: p.rc.get(OPTIONS.jmDeploymentStartupProbeEnabled),
    mergeArraysByName: p.rc.get(OPTIONS.podTemplateMergeArraysByName),
  });
}

/**
 * A deploy whose JobManager Deployment exists, recorded by an operator that died before it created
 * the rest: the objects that are missing (the JobManager's Services and ConfigMaps, the
 * TaskManager Deployment) are created now, those that exist are left as they are. Without its
 * REST Service the JobManager would never be reachable, and redeploying instead would restart a
 * job that may have run (and checkpointed) since from its older restore point.
 */
export async function completeDeploy(p: DeploymentPass): Promise<void> {
  const jm = jmDeployment(p);
  if (!jm?.metadata.uid) return;
  const spec = lastReconciled(p)?.spec as FlinkDeploymentSpec | undefined;
  if (!spec) return;
  const js = p.status.jobStatus;
  const objects = renderFor(p, spec, {
    jobId: js.jobId,
    savepointPath: js.upgradeSavepointPath,
    requireHa: js.upgradeSavepointPath === LAST_STATE_SAVEPOINT_SENTINEL,
  });
  const client = p.ctx.client;
  const missing: string[] = [];
  const wanted = [
    ...jobManagerOwnedObjects(objects).map((obj) => ({
      obj: withOwnerUid(obj, "Deployment", p.name, jm.metadata.uid!),
      type: obj.kind === "Service" ? Resources.services : Resources.configMaps,
    })),
    ...(objects.taskManagerDeployment
      ? [{ obj: objects.taskManagerDeployment, type: Resources.deployments }]
      : []),
  ];
  for (const { obj, type } of wanted) {
    if (await client.get(type, p.ns, obj.metadata.name!)) continue;
    try {
      await client.create(type, p.ns, obj);
      missing.push(`${obj.kind} ${obj.metadata.name}`);
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
  }
  if (missing.length) {
    log.info("completed the recorded deploy: created {objects}", { objects: missing.join(", ") });
    forgetRest(p);
  }
}

/**
 * Deploys `spec` as a cluster: HA guard for last-state restores, removal of a previous cluster,
 * the job id written ahead, then the Kubernetes objects.
 */
export async function deployCluster(
  p: DeploymentPass,
  spec: FlinkDeploymentSpec,
  opts: DeployOptions,
): Promise<void> {
  const application = spec.job != null;
  const info = { ...p.status.clusterInfo };
  delete info.ClusterHealthInfo;
  p.status.clusterInfo = info;
  const conf = p.rc.flinkOptions;
  let savepointPath = opts.savepointPath;

  if (application && opts.requireHa) {
    const ha = await haStoreOf(p).read();
    const refusal = haRestoreRefusal(ha);
    if (refusal) throw refusal;
    if (ha.hasCheckpoint) {
      savepointPath = LAST_STATE_SAVEPOINT_SENTINEL;
      p.status.jobStatus.upgradeSavepointPath = LAST_STATE_SAVEPOINT_SENTINEL;
    }
  }

  if (p.status.jobManagerDeploymentStatus !== "MISSING" || jmDeployment(p)) {
    await removeCluster(p, { deleteHaData: !opts.requireHa });
    await save(p);
  }

  let jobId: string | undefined;
  if (application) {
    const source = jobIdOnDeploy(conf, opts, p.status.jobStatus.jobId);
    jobId = source.kind === "new" ? randomJobId() : source.jobId;
    p.status.jobStatus.jobId = jobId;
    await save(p, "job-id-recorded");
  }

  await event(p, {
    type: "Normal",
    reason: "Submit",
    message: "Starting deployment",
    component: "JobManagerDeployment",
  });
  if (application && opts.requireHa && (isKubernetesHa(conf) || isZooKeeperHa(conf))) {
    await haStoreOf(p).removeJobGraphs();
  }
  const objects = renderFor(p, spec, { jobId, savepointPath, requireHa: opts.requireHa });
  const client = p.ctx.client;
  const jm = await createOrReplace(client, Resources.deployments, objects.jobManagerDeployment);
  // A crash here leaves a JobManager without its Services and ConfigMaps: the next operator
  // finds the deploy recorded and completes it (completeDeploy).
  p.env.afterWrite?.("jobmanager-deployment-created");
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
