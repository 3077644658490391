import type { FlinkDeploymentSpec, FlinkDeploymentStatus } from "../../api/flink_deployment.ts";
import { parseSpecWithMeta, serializeSpecWithMeta } from "../../api/reconciled_spec.ts";
import type { UpgradeMode } from "../../api/enums.ts";

/**
 * FKO's status bookkeeping (ReconciliationUtils, reference §3.4). `lastReconciledSpec` holds the
 * spec being or last deployed, with two conventions: `job.state` is the *actual* state (suspended
 * until a deploy attempt completed) and `job.upgradeMode` is how the job was last stopped, i.e.
 * the restore mode for the next start.
 */
export interface ReconciledSpec {
  spec: FlinkDeploymentSpec;
  firstDeployment: boolean;
}

export function lastReconciled(status: FlinkDeploymentStatus): ReconciledSpec | undefined {
  const json = status.reconciliationStatus.lastReconciledSpec;
  if (!json) return undefined;
  const parsed = parseSpecWithMeta("FlinkDeployment", json);
  return { spec: parsed.spec, firstDeployment: parsed.firstDeployment };
}

export function lastStable(status: FlinkDeploymentStatus): FlinkDeploymentSpec | undefined {
  const json = status.reconciliationStatus.lastStableSpec;
  return json ? parseSpecWithMeta("FlinkDeployment", json).spec : undefined;
}

function writeReconciled(
  status: FlinkDeploymentStatus,
  spec: FlinkDeploymentSpec,
  firstDeployment: boolean,
): void {
  status.reconciliationStatus.lastReconciledSpec = serializeSpecWithMeta("FlinkDeployment", spec, {
    firstDeployment,
  });
}

/** A copy of the spec with the job's recorded state/mode replaced (never mutates the input). */
export function withJob(
  spec: FlinkDeploymentSpec,
  job: { state?: "running" | "suspended"; upgradeMode?: UpgradeMode },
): FlinkDeploymentSpec {
  const copy = structuredClone(spec);
  if (copy.job) {
    if (job.state) copy.job.state = job.state;
    if (job.upgradeMode) copy.job.upgradeMode = job.upgradeMode;
  }
  return copy;
}

/**
 * Write-ahead entry before any cluster action: the target spec with `job.state=suspended` and
 * state UPGRADING. A crash after this point resumes as an unfinished upgrade.
 */
export function markBeforeDeploy(
  status: FlinkDeploymentStatus,
  spec: FlinkDeploymentSpec,
  generation: number | undefined,
  opts: { firstDeployment: boolean; now: number; keepNoncesFrom?: FlinkDeploymentSpec },
): void {
  const recorded = withJob(spec, { state: "suspended" });
  if (recorded.job && opts.keepNoncesFrom?.job) {
    // Trigger nonces are reconciled separately; the diff must not see them as pending.
    recorded.job.savepointTriggerNonce = opts.keepNoncesFrom.job.savepointTriggerNonce;
    recorded.job.checkpointTriggerNonce = opts.keepNoncesFrom.job.checkpointTriggerNonce;
  }
  status.error = undefined;
  status.reconciliationStatus.reconciliationTimestamp = opts.now;
  status.reconciliationStatus.state = "UPGRADING";
  writeReconciled(status, recorded, opts.firstDeployment);
  status.taskManager = { labelSelector: "", replicas: 0 };
  if (generation !== undefined) status.observedGeneration = generation;
}

/** The deploy went through (or the job was suspended): record the spec with its real job state. */
export function markDeployed(
  status: FlinkDeploymentStatus,
  spec: FlinkDeploymentSpec,
  generation: number | undefined,
  opts: { firstDeployment: boolean; now: number; clusterId: string; slotsPerTm?: number },
): void {
  status.reconciliationStatus.reconciliationTimestamp = opts.now;
  status.reconciliationStatus.state = "DEPLOYED";
  writeReconciled(status, spec, opts.firstDeployment);
  if (generation !== undefined) status.observedGeneration = generation;
  const job = spec.job;
  if (job?.state === "running") {
    const slots = opts.slotsPerTm ?? 1;
    const replicas = spec.taskManager?.replicas ??
      Math.ceil(Math.max(1, job.parallelism) / Math.max(1, slots));
    status.taskManager = {
      labelSelector: `component=taskmanager,app=${opts.clusterId}`,
      replicas,
    };
  } else {
    status.taskManager = { labelSelector: "", replicas: 0 };
  }
  // A suspended target is reached the moment it is recorded: nothing can fail afterwards.
  if (job?.state === "suspended") markStable(status);
}

export function markStable(status: FlinkDeploymentStatus): void {
  status.reconciliationStatus.lastStableSpec = status.reconciliationStatus.lastReconciledSpec;
}

/** Rewrites only the recorded restore mode, e.g. after choosing how to stop the job. */
export function recordRestoreMode(status: FlinkDeploymentStatus, mode: UpgradeMode): void {
  const current = lastReconciled(status);
  if (!current) return;
  writeReconciled(status, withJob(current.spec, { upgradeMode: mode }), current.firstDeployment);
}

/** Records the deployed job's actual state, e.g. suspended after somebody cancelled it. */
export function recordJobState(
  status: FlinkDeploymentStatus,
  state: "running" | "suspended",
): void {
  const current = lastReconciled(status);
  if (!current) return;
  writeReconciled(status, withJob(current.spec, { state }), current.firstDeployment);
}
