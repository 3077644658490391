/**
 * The FlinkDeployment side of the job lifecycle (FKO ApplicationReconciler): the job runs in its
 * own cluster, so starting it creates the cluster, a stateless stop deletes it with its HA
 * metadata, and a last-state stop deletes only the JobManager, which Flink restores from HA.
 */
import { getLogger } from "@logtape/logtape";
import { isGloballyTerminal } from "../../api/enums.ts";
import { errorMessage } from "../../error_message.ts";
import { isHaEnabled } from "../ha.ts";
import { deployedSpec, lastReconciled } from "../job/bookkeeping.ts";
import type { JobDriver } from "../job/job_driver.ts";
import type { SuspendMode } from "../spec/upgrade.ts";
import { rest } from "../job/resource_pass.ts";
import { completeDeploy, deployCluster, haStoreOf, removeCluster } from "./cluster.ts";
import { removeTerminalJobManager, restartIfUnhealthy } from "./health.ts";
import { clusterDeployed } from "./observe.ts";
import { jobManagerNeverStarted } from "./jm_observation.ts";
import { deploymentConfig, type DeploymentPass, jmDeployment } from "./pass.ts";
import { deploymentPassDelay, recoverJobManager } from "./reconcile.ts";
import { deploymentStatusToWrite } from "./status.ts";

const log = getLogger(["flinkop", "deployment"]);

/**
 * Whether the cluster goes once a savepoint or cancel stopped its job (also what `flinkop plan`
 * predicts). FKO's standalone service removes it: its TaskManagers are the operator's Deployment
 * and would keep running, unlike native ones that Flink releases. A native JobManager without HA
 * goes too: were its process restarted, Flink would run the application again from the savepoint
 * it was deployed with (nothing outside the process records that the job ended), a job nobody
 * asked for next to a suspended or upgraded resource (found by the chaos run). With HA, Flink's
 * job result store prevents that, and the JobManager stays with its finished job until the next
 * deploy replaces it, as in FKO.
 */
function clusterRemovedAfterStop(p: DeploymentPass, mode: SuspendMode): boolean {
  if (mode !== "SAVEPOINT" && mode !== "CANCEL") return false;
  const standalone = (lastReconciled(p)?.spec.mode ?? p.spec.mode) === "standalone";
  return standalone || !isHaEnabled(p.rc.flinkOptions);
}

export const flinkDeploymentDriver: JobDriver<DeploymentPass> = {
  errorComponent: "JobManagerDeployment",
  statusToWrite: deploymentStatusToWrite,
  clusterId: (p) => p.name,
  flinkVersion: (p) => p.spec.flinkVersion,
  deploymentMode: (p) => lastReconciled(p)?.spec.mode ?? p.spec.mode ?? "native",
  useSpec(p, spec) {
    p.spec = spec;
    p.rc = deploymentConfig(p.raw, spec, p.env);
  },
  jobManagerReady: (p) => p.status.jobManagerDeploymentStatus === "READY",

  async upgradeFacts(p, known) {
    const haEnabled = isHaEnabled(p.rc.flinkOptions);
    const ha = !haEnabled
      ? { available: false, hasCheckpoint: false }
      : known ?? await haStoreOf(p).read();
    return {
      lastReconciledFlinkVersion: deployedSpec(p)?.flinkVersion,
      flinkVersion: p.spec.flinkVersion,
      jobManagerDeploymentStatus: p.status.jobManagerDeploymentStatus,
      haEnabledInDeployConfig: haEnabled,
      haEnabledInObserveConfig: haEnabled,
      haMetadataAvailable: ha.available,
      jobManagerPodNeverStarted: jobManagerNeverStarted(jmDeployment(p)),
      isSessionJob: false,
    };
  },

  deploy: deployCluster,

  async stopStateless(p) {
    const js = p.status.jobStatus;
    if (js.jobId && !isGloballyTerminal(js.state)) {
      try {
        await (await rest(p)).cancelJob(js.jobId);
      } catch (err) {
        log.info("cancel before stateless upgrade failed, deleting anyway: {error}", {
          error: errorMessage(err),
        });
      }
    }
    await removeCluster(p, { deleteHaData: true });
  },

  stopKeepingHaMetadata: (p) => removeCluster(p, { deleteHaData: false }),
  clusterRemovedAfterStop,
  async afterStop(p, mode) {
    // The restore point is in status by now.
    if (clusterRemovedAfterStop(p, mode)) await removeCluster(p, { deleteHaData: true });
  },
  cleanupAfterFailedJob: (p) => removeCluster(p, { deleteHaData: false }),
  async alreadyDeployed(p) {
    if (!clusterDeployed(p)) return false;
    await completeDeploy(p);
    return true;
  },
  nextPassDelay: deploymentPassDelay,
  // FKO ApplicationReconciler.reconcileOtherChanges: an unhealthy job or a lost JobManager is
  // restarted; otherwise a finished job's JobManager goes after its time to live.
  reconcileOtherChanges: async (p) =>
    await restartIfUnhealthy(p) ?? await recoverJobManager(p) ??
      await removeTerminalJobManager(p),
};
