/**
 * Rollbacks of an application FlinkDeployment whose new spec did not become stable within
 * `kubernetes.operator.deployment.readiness.timeout` (FKO AbstractFlinkResourceReconciler
 * shouldRollBack + prepareCrForRollback, reference §3.10).
 *
 * A rollback is an upgrade to the last stable spec, run by the normal upgrade code, with the
 * restore mode forced to last-state (stateless if the job was stateless): the state comes from
 * HA metadata, never from an empty start. Its status follows FKO's: ROLLING_BACK while it runs,
 * ROLLED_BACK once the stable spec is deployed; `lastReconciledSpec` keeps the spec that failed
 * (see bookkeeping.ts) so the unchanged user spec is not deployed again. Any spec change leaves
 * the rollback (ROLLING_BACK → UPGRADING, ROLLED_BACK → a normal upgrade).
 *
 * FlinkDeployments only: a session job has neither its own JobManager nor HA metadata.
 */
import { getLogger } from "@logtape/logtape";
import type { FlinkVersion } from "../../api/enums.ts";
import { OPTIONS } from "../../config/options.ts";
import { rollbackDue, shouldRollBack } from "../spec/rollback.ts";
import { lastStable, type ReconciledSpec, withJob } from "./bookkeeping.ts";
import { event, type JobResourceSpec, type ResourcePass, save } from "./resource_pass.ts";

const log = getLogger(["flinkop", "job", "rollback"]);

export const MSG_ROLLBACK = "Rolling back failed deployment.";

/** What a pass does about rollbacks (FKO AbstractFlinkResourceReconciler.reconcile). */
export type RollbackStep =
  /** Nothing to roll back. */
  | "none"
  /** A rollback starts now: ROLLING_BACK, a Rollback event, then the stable spec deployed. */
  | "start"
  /** A rollback in progress goes on with the stable spec. */
  | "continue"
  /** The spec changed during a rollback: it is abandoned (UPGRADING) for the new spec. */
  | "abandon";

export async function rollbackStep(
  p: ResourcePass,
  rec: ReconciledSpec<JobResourceSpec>,
  specChanged: boolean,
): Promise<RollbackStep> {
  if (p.kind !== "FlinkDeployment") return "none";
  if (p.status.reconciliationStatus.state === "ROLLING_BACK") {
    return specChanged ? "abandon" : "continue";
  }
  return await rollbackNeeded(p, rec, specChanged) ? "start" : "none";
}

/**
 * Starts or continues a rollback. Returns true when the pass now reconciles the stable spec (it
 * has replaced `p.spec`) as a spec change; false when nothing is rolled back.
 */
export async function rollBackIfDue(
  p: ResourcePass,
  rec: ReconciledSpec<JobResourceSpec>,
  specChanged: boolean,
): Promise<boolean> {
  const rs = p.status.reconciliationStatus;
  switch (await rollbackStep(p, rec, specChanged)) {
    case "none":
      return false;
    case "abandon":
      log.info("the spec changed during a rollback; deploying the new spec instead");
      rs.state = "UPGRADING";
      return false;
    case "start":
      rs.state = "ROLLING_BACK";
      // Written ahead: from here on a restarted operator finishes the rollback.
      await save(p, "rolling-back");
      log.warn(MSG_ROLLBACK);
      await event(p, {
        type: "Normal",
        reason: "Rollback",
        message: MSG_ROLLBACK,
        component: "JobManagerDeployment",
      });
      break;
    case "continue":
      break;
  }
  p.driver.useSpec(p, rollbackTarget(p, rec));
  return true;
}

/**
 * The spec a rollback deploys: the last stable one, running, restored the way the current job
 * keeps its state (last-state; stateless if it was stateless).
 */
export function rollbackTarget(
  p: ResourcePass,
  rec: ReconciledSpec<JobResourceSpec>,
): JobResourceSpec {
  const stable = lastStable(p)!;
  // The stable spec may have had another upgrade mode; the state to keep is the current job's.
  const upgradeMode = rec.spec.job?.upgradeMode === "stateless" ? "stateless" : "last-state";
  return withJob(stable, { state: "running", upgradeMode });
}

/**
 * A rollback starts now (FKO shouldRollBack): the deployed spec did not become stable within
 * the readiness timeout, and going back is safe.
 */
export async function rollbackNeeded(
  p: ResourcePass,
  rec: ReconciledSpec<JobResourceSpec>,
  specChanged: boolean,
): Promise<boolean> {
  const rs = p.status.reconciliationStatus;
  const stable = lastStable(p);
  const timing = {
    rollbackEnabled: p.rc.get(OPTIONS.deploymentRollbackEnabled),
    reconciliationState: rs.state,
    specChanged,
    lastReconciledSpec: rs.lastReconciledSpec,
    lastStableSpec: rs.lastStableSpec,
    lastStableJobState: stable?.job?.state,
    lastStableFlinkVersion: flinkVersionOf(stable),
    flinkVersion: flinkVersionOf(p.spec),
    reconciliationTimestamp: rs.reconciliationTimestamp,
    readinessTimeoutMs: p.rc.get(OPTIONS.deploymentReadinessTimeout),
    now: p.env.now(),
  };
  if (!rollbackDue(timing)) return false;
  const facts = await p.driver.upgradeFacts(p);
  const decision = shouldRollBack({
    ...timing,
    lastReconciledUpgradeMode: rec.spec.job?.upgradeMode,
    jobManagerPodNeverStarted: facts.jobManagerPodNeverStarted,
    haMetadataAvailable: facts.haMetadataAvailable,
  });
  if (!decision) log.warn("Rollback is not possible due to missing HA metadata");
  return decision;
}

/** A FlinkDeployment spec's `flinkVersion` (the only kind that rolls back). */
function flinkVersionOf(spec: JobResourceSpec | undefined): FlinkVersion | undefined {
  return (spec as { flinkVersion?: FlinkVersion } | undefined)?.flinkVersion;
}
