/**
 * Reconcile phase of a FlinkDeployment (FKO ApplicationReconciler / SessionReconciler): an
 * application's job goes through the shared job lifecycle (lib/flink/job); a session cluster is
 * deployed, redeployed on any UPGRADE change, and recovered when its JobManager is lost.
 */
import { isGloballyTerminal } from "../../api/enums.ts";
import { OPTIONS } from "../../config/options.ts";
import { Action } from "../../runtime/action.ts";
import { isHaEnabled } from "../ha.ts";
import {
  deployedSpec,
  lastReconciled,
  markBeforeDeploy,
  markDeployed,
} from "../job/bookkeeping.ts";
import { inFlightDelayMs } from "../job/pass_delay.ts";
import { reconcileJob, requeue } from "../job/reconcile_job.ts";
import { event, save, uidOf } from "../job/resource_pass.ts";
import { describeDiff, diffSpecs } from "../spec/diff.ts";
import { deployCluster, removeCluster } from "./cluster.ts";
import { type DeploymentPass, isApplication, jmDeployment } from "./pass.ts";

export async function reconcileDeployment(p: DeploymentPass): Promise<Action> {
  return isApplication(p) ? await reconcileJob(p) : await reconcileSessionCluster(p);
}

async function reconcileSessionCluster(p: DeploymentPass): Promise<Action> {
  const rec = lastReconciled(p);
  if (!rec) return await deploySession(p, { first: true });
  const upgrading = p.status.reconciliationStatus.state === "UPGRADING";
  const diff = diffSpecs("FlinkDeployment", rec.spec, p.spec, { mode: rec.spec.mode ?? "native" });
  if (diff.type !== "IGNORE" || upgrading) {
    const generation = p.generation ?? 0;
    if (!upgrading && p.memory.specChangedGeneration.get(uidOf(p)) !== generation) {
      p.memory.specChangedGeneration.set(uidOf(p), generation);
      await event(p, {
        type: "Normal",
        reason: "SpecChanged",
        message: describeDiff(diff),
        component: "JobManagerDeployment",
      });
    }
    return await deploySession(p, { first: false });
  }
  if (p.generation !== undefined) p.status.observedGeneration = p.generation;
  return await recoverJobManager(p) ?? requeue(p);
}

/** A new session cluster, or any UPGRADE change of one: (re)deploy it, keeping its HA data. */
async function deploySession(p: DeploymentPass, opts: { first: boolean }): Promise<Action> {
  markBeforeDeploy(p, p.spec, { firstDeployment: opts.first });
  await save(p, opts.first ? "before-first-deploy" : "before-deploy");
  if (!opts.first) await removeCluster(p, { deleteHaData: false });
  await deployCluster(p, p.spec, { requireHa: false });
  markDeployed(p, p.spec, { firstDeployment: opts.first });
  await save(p, "deployed");
  return requeue(p);
}

/**
 * JobManager Deployment recovery (reference §3.15): a lost JobManager that should exist is
 * redeployed from the deployed spec when that cannot lose state (stateless, or through HA).
 */
export async function recoverJobManager(p: DeploymentPass): Promise<Action | undefined> {
  const rec = lastReconciled(p);
  const status = p.status;
  if (!rec || status.jobManagerDeploymentStatus !== "MISSING") return undefined;
  const app = isApplication(p);
  const running = rec.spec.job?.state === "running";
  const shouldHaveJm = !app || (running && !isGloballyTerminal(status.jobStatus.state));
  const haEnabled = isHaEnabled(p.rc.flinkOptions);
  const stateless = rec.spec.job?.upgradeMode === "stateless" ||
    p.spec.job?.upgradeMode === "stateless";
  if (
    !shouldHaveJm || !p.rc.get(OPTIONS.jmDeploymentRecoveryEnabled) || !(stateless || haEnabled)
  ) {
    return undefined;
  }
  await event(p, {
    type: "Warning",
    reason: "RecoverDeployment",
    message: "Recovering lost deployment",
    component: "Job",
  });
  // After a rollback the stable spec runs, not the last reconciled one that failed.
  await deployCluster(p, deployedSpec(p) ?? rec.spec, {
    requireHa: app && haEnabled && !stateless,
  });
  await save(p, "recovered");
  return requeue(p);
}

/**
 * When the next pass should run. While the JobManager's pods come up, the Deployment and pod
 * watches wake the controller on every change that matters (available, failing, gone;
 * watch_relevance.ts), so the pass only asks for a progress check as a safety net; once the
 * Deployment is available but the REST API does not answer yet, and while the job starts, only
 * polling can tell: soon after the deploy, then less often (pass_delay.ts). Settled resources are
 * polled at the reconcile interval.
 */
export function deploymentPassDelay(p: DeploymentPass): number {
  const c = p.env.config;
  switch (p.status.jobManagerDeploymentStatus) {
    case "DEPLOYING":
      return jmDeploymentAvailable(p) ? inFlightDelayMs(p) : c.progressCheckIntervalMs;
    case "DEPLOYED_NOT_READY":
      return c.restReadyDelayMs ?? inFlightDelayMs(p);
    case "READY":
      return p.status.jobStatus.state === "RUNNING" || !isApplication(p) ||
          isGloballyTerminal(p.status.jobStatus.state)
        ? c.reconcileIntervalMs
        : inFlightDelayMs(p);
    default:
      return c.reconcileIntervalMs;
  }
}

/** The JobManager Deployment in the watch cache has an available replica. */
function jmDeploymentAvailable(p: DeploymentPass): boolean {
  const jm = jmDeployment(p) as
    | { metadata: { deletionTimestamp?: string }; status?: { availableReplicas?: number } }
    | undefined;
  return !!jm && !jm.metadata.deletionTimestamp && (jm.status?.availableReplicas ?? 0) > 0;
}
