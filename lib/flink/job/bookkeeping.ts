/**
 * FKO's status bookkeeping (ReconciliationUtils, reference §3.4), the same for both job kinds.
 * `lastReconciledSpec` holds the spec being or last deployed, with two conventions: `job.state`
 * is the *actual* state (suspended until a deploy attempt completed) and `job.upgradeMode` is how
 * the job was last stopped, i.e. the restore mode for the next start.
 *
 * During a rollback (ROLLING_BACK, then ROLLED_BACK) `lastReconciledSpec` keeps the spec that
 * failed, so the user's unchanged spec is not seen as a change to deploy again; only its job
 * state and restore mode follow what the rollback does, and `lastStableSpec` is what runs.
 */
import type { UpgradeMode } from "../../api/enums.ts";
import {
  parseSpecWithMeta,
  type ReconciledKind,
  serializeSpecWithMeta,
} from "../../api/reconciled_spec.ts";
import type { JobResourceSpec, JobResourceStatus, ResourcePass } from "./resource_pass.ts";

export interface ReconciledSpec<S> {
  spec: S;
  firstDeployment: boolean;
}

/** The part of a pass the bookkeeping works on. */
type Books<S extends JobResourceSpec> =
  & Pick<ResourcePass<S>, "kind" | "status" | "spec">
  & Partial<Pick<ResourcePass<S>, "raw" | "memory">>;

/**
 * The one place where a stored spec is read back as the pass's own spec type; a pass with its
 * controller's memory reuses what it parsed before (parsed_specs.ts).
 */
function readSpec<S extends JobResourceSpec>(p: Books<S>, json: string): ReconciledSpec<S> {
  const parse = (text: string) => {
    const read = parseSpecWithMeta(p.kind, text);
    return { spec: read.spec, firstDeployment: read.firstDeployment };
  };
  const uid = p.raw?.metadata.uid;
  const parsed = uid && p.memory ? p.memory.parsedSpecs.read(uid, json, parse) : parse(json);
  return { spec: parsed.spec as S, firstDeployment: parsed.firstDeployment };
}

function writeSpec<S extends JobResourceSpec>(
  kind: ReconciledKind,
  spec: S,
  firstDeployment: boolean,
): string {
  // Both kinds' specs are JobResourceSpecs; the kind picks the schema that writes them.
  return serializeSpecWithMeta(kind, spec as never, { firstDeployment });
}

export function lastReconciled<S extends JobResourceSpec>(
  p: Books<S>,
): ReconciledSpec<S> | undefined {
  const json = p.status.reconciliationStatus.lastReconciledSpec;
  return json ? readSpec<S>(p, json) : undefined;
}

export function lastStable<S extends JobResourceSpec>(p: Books<S>): S | undefined {
  const json = p.status.reconciliationStatus.lastStableSpec;
  return json ? readSpec<S>(p, json).spec : undefined;
}

/**
 * The spec that runs (FKO getDeployedSpec): the stable spec after a rollback, else the last
 * reconciled one. Recovery and restarts redeploy this, never the spec that was rolled back.
 */
export function deployedSpec<S extends JobResourceSpec>(p: Books<S>): S | undefined {
  if (p.status.reconciliationStatus.state === "ROLLED_BACK") return lastStable(p);
  return lastReconciled(p)?.spec;
}

function writeReconciled<S extends JobResourceSpec>(
  p: Books<S>,
  spec: S,
  firstDeployment: boolean,
): void {
  p.status.reconciliationStatus.lastReconciledSpec = writeSpec(p.kind, spec, firstDeployment);
}

/** A copy of the spec with the job's recorded state/mode replaced (never mutates the input). */
export function withJob<S extends JobResourceSpec>(
  spec: S,
  job: { state?: "running" | "suspended"; upgradeMode?: UpgradeMode },
): S {
  const copy = structuredClone(spec);
  if (copy.job) {
    if (job.state) copy.job.state = job.state;
    if (job.upgradeMode) copy.job.upgradeMode = job.upgradeMode;
  }
  return copy;
}

/**
 * `spec` with the snapshot trigger nonces of `from`: triggers are reconciled separately, and
 * recording a not yet handled nonce would make it look handled.
 */
function withNoncesOf<S extends JobResourceSpec>(spec: S, from: S | undefined): S {
  if (spec.job && from?.job) {
    spec.job.savepointTriggerNonce = from.job.savepointTriggerNonce;
    spec.job.checkpointTriggerNonce = from.job.checkpointTriggerNonce;
  }
  return spec;
}

/**
 * Write-ahead entry before any cluster action: the target spec with `job.state=suspended` and
 * state UPGRADING. A crash after this point resumes as an unfinished upgrade.
 */
export function markBeforeDeploy<S extends JobResourceSpec>(
  p: Books<S> & Pick<ResourcePass<S>, "generation" | "env">,
  spec: S,
  opts: { firstDeployment: boolean; keepNoncesFrom?: S },
): void {
  const recorded = withNoncesOf(withJob(spec, { state: "suspended" }), opts.keepNoncesFrom);
  const status = p.status;
  status.error = undefined;
  status.reconciliationStatus.reconciliationTimestamp = p.env.now();
  if (status.reconciliationStatus.state === "ROLLING_BACK") {
    recordRollbackStep(p, recorded);
    return;
  }
  status.reconciliationStatus.state = "UPGRADING";
  writeReconciled(p, recorded, opts.firstDeployment);
  recordGeneration(p);
}

/** The deploy went through (or the job was suspended): record the spec with its real job state. */
export function markDeployed<S extends JobResourceSpec>(
  p: Books<S> & Pick<ResourcePass<S>, "generation" | "env">,
  deployed: S,
  opts: { firstDeployment?: boolean; keepNoncesFrom?: S } = {},
): void {
  const spec = withNoncesOf(structuredClone(deployed), opts.keepNoncesFrom);
  const status = p.status;
  status.reconciliationStatus.reconciliationTimestamp = p.env.now();
  if (status.reconciliationStatus.state === "ROLLING_BACK") {
    recordRollbackStep(p, spec);
    status.reconciliationStatus.state = "ROLLED_BACK";
    return;
  }
  status.reconciliationStatus.state = "DEPLOYED";
  writeReconciled(p, spec, opts.firstDeployment ?? false);
  recordGeneration(p);
  // A suspended target is reached the moment it is recorded: nothing can fail afterwards.
  if (spec.job?.state === "suspended") markStable(status);
}

/**
 * A step of a rollback (FKO updateStatusForSpecReconciliation while ROLLING_BACK): the failed
 * spec stays recorded, with the job state and restore mode of `target` (the stable spec being
 * deployed), so the next upgrade stops and restores the job correctly.
 */
function recordRollbackStep<S extends JobResourceSpec>(p: Books<S>, target: S): void {
  const current = lastReconciled(p);
  if (!current || !target.job) return;
  const job = { state: target.job.state, upgradeMode: target.job.upgradeMode };
  writeReconciled(p, withJob(current.spec, job), current.firstDeployment);
}

function recordGeneration(p: Pick<ResourcePass, "generation" | "status">): void {
  if (p.generation !== undefined) p.status.observedGeneration = p.generation;
}

export function markStable(status: JobResourceStatus): void {
  status.reconciliationStatus.lastStableSpec = status.reconciliationStatus.lastReconciledSpec;
}

export function isStable(status: JobResourceStatus): boolean {
  const rs = status.reconciliationStatus;
  return rs.lastStableSpec !== undefined && rs.lastStableSpec === rs.lastReconciledSpec;
}

/** Rewrites only the recorded restore mode, e.g. after choosing how to stop the job. */
export function recordRestoreMode<S extends JobResourceSpec>(p: Books<S>, mode: UpgradeMode): void {
  const current = lastReconciled(p);
  if (!current) return;
  writeReconciled(p, withJob(current.spec, { upgradeMode: mode }), current.firstDeployment);
}

/** Records the deployed job's actual state, e.g. suspended after somebody cancelled it. */
export function recordJobState<S extends JobResourceSpec>(
  p: Books<S>,
  state: "running" | "suspended",
): void {
  const current = lastReconciled(p);
  if (!current) return;
  writeReconciled(p, withJob(current.spec, { state }), current.firstDeployment);
}

export type NonceField = "savepointTriggerNonce" | "checkpointTriggerNonce";

/**
 * Records a handled trigger nonce in lastReconciledSpec so the spec diff does not see it again
 * (FKO updateLastReconciledSnapshotTriggerNonce). A stable spec stays stable.
 */
export function recordHandledNonce<S extends JobResourceSpec>(
  p: Books<S>,
  field: NonceField,
  nonce: number | undefined,
): void {
  const current = lastReconciled(p);
  if (!current?.spec.job) return;
  const wasStable = isStable(p.status);
  const spec = structuredClone(current.spec);
  spec.job![field] = nonce;
  writeReconciled(p, spec, current.firstDeployment);
  if (wasStable) markStable(p.status);
}
