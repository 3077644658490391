/**
 * The FlinkDeployment controller's snapshot duties (FKO AbstractJobReconciler snapshot triggers,
 * SnapshotObserver, reference §3.12):
 *
 * - periodic snapshots and trigger nonces become FlinkStateSnapshot resources, or — with
 *   `kubernetes.operator.snapshot.resource.enabled: false` — REST triggers tracked in the legacy
 *   `status.jobStatus.savepointInfo` / `checkpointInfo`, which the observer polls;
 * - upgrade and suspend savepoints are recorded as UPGRADE snapshot resources;
 * - a savepoint restore picks its path from the status or, failing that, the latest completed
 *   snapshot of the job;
 * - the snapshot history is kept within `savepoint.history.max.count` / `max.age` on every pass
 *   (FKO only cleans while the job's REST API answers).
 */
import { getLogger } from "@logtape/logtape";
import type { SnapshotTriggerType, SnapshotType } from "../../api/enums.ts";
import { isFlinkVersionAtLeast } from "../../api/enums.ts";
import type { FlinkStateSnapshot } from "../../api/flink_state_snapshot.ts";
import { safeParseFlinkStateSnapshot } from "../../api/parse.ts";
import { serializeSpecWithMeta } from "../../api/reconciled_spec.ts";
import { OPTIONS } from "../../config/options.ts";
import type { KubeObject } from "../../kube/resource.ts";
import { Action } from "../../runtime/action.ts";
import { newTriggerId } from "../rest/async_operation.ts";
import type { FlinkRestClient } from "../rest/client.ts";
import { isFlinkUnavailable } from "../rest/errors.ts";
import { FlinkStateSnapshots } from "../resources.ts";
import { savepointDirectory } from "../spec/state_dirs.ts";
import {
  completeLegacyCheckpoint,
  completeLegacySavepoint,
  decideSnapshotTrigger,
  gracePeriodEnded,
  initialLastTrigger,
  jobSnapshotSelector,
  LastTriggerStore,
  legacyFailureMessage,
  legacyTriggerPending,
  manualTriggerRequested,
  operatorSnapshotResource,
  planLegacyHistoryCleanup,
  resetLegacyTrigger,
  savepointHistoryLimits,
  selectExpiredSnapshots,
  snapshotResourcesAvailable,
  snapshotTypeOf,
  startLegacyCheckpoint,
  startLegacySavepoint,
  triggerTypeOf,
} from "../snapshot/mod.ts";
import { lastReconciled, type ReconciledSpec } from "./bookkeeping.ts";
import { event, isApplication, type Pass, rest, save } from "./pass.ts";

const log = getLogger(["flinkop", "deployment", "snapshots"]);

const NONCE_FIELD = {
  SAVEPOINT: "savepointTriggerNonce",
  CHECKPOINT: "checkpointTriggerNonce",
} as const;

const ERROR_REASON = { SAVEPOINT: "SavepointError", CHECKPOINT: "CheckpointError" } as const;

/** Last periodic trigger per resource, per operator instance (FKO keeps it in memory too). */
const lastTriggers = new WeakMap<object, LastTriggerStore>();

function triggerStore(p: Pass): LastTriggerStore {
  let store = lastTriggers.get(p.env);
  if (!store) lastTriggers.set(p.env, store = new LastTriggerStore());
  return store;
}

function uidOf(p: Pass): string {
  return p.raw.metadata.uid ?? `${p.ns}/${p.name}`;
}

/**
 * Whether this resource's snapshots are FlinkStateSnapshot resources: the option (per resource)
 * and an operator that runs the snapshot controller (the CRD is installed).
 */
export function snapshotResourcesEnabled(p: Pass): boolean {
  return snapshotResourcesAvailable(p.env) && p.rc.get(OPTIONS.snapshotResourceEnabled);
}

/** Whether the legacy status fields record this resource's snapshots. */
export function recordsLegacySnapshots(p: Pass): boolean {
  return !snapshotResourcesEnabled(p);
}

function jobRunning(p: Pass): boolean {
  const js = p.status.jobStatus;
  return p.status.jobManagerDeploymentStatus === "READY" && js.state === "RUNNING" && !!js.jobId;
}

// ---------------------------------------------------------------------------------------------
// Triggers and history cleanup (called from reconcileOtherChanges)
// ---------------------------------------------------------------------------------------------

/**
 * Takes due manual and periodic snapshots of a running job, then trims the snapshot history.
 * Problems are reported as events; they never fail the deployment's own reconcile. Returns the
 * next pass's schedule when a legacy savepoint is now pending, else undefined.
 */
export async function reconcileSnapshotDuties(
  p: Pass,
  rec: ReconciledSpec,
): Promise<Action | undefined> {
  if (!isApplication(p)) return undefined;
  if (jobRunning(p) && rec.spec.job?.state === "running") {
    for (const type of ["SAVEPOINT", "CHECKPOINT"] as const) {
      try {
        await triggerIfDue(p, type);
      } catch (err) {
        log.warn("{type} trigger failed: {error}", { type, error: (err as Error).message });
        await event(p, {
          type: "Warning",
          reason: ERROR_REASON[type],
          message: `Could not trigger ${type.toLowerCase()}: ${(err as Error).message}`,
        });
      }
    }
  }
  if (snapshotResourcesEnabled(p) && p.rc.get(OPTIONS.savepointCleanupEnabled)) {
    try {
      await cleanupSnapshotResources(p);
    } catch (err) {
      log.warn("snapshot history cleanup failed: {error}", { error: (err as Error).message });
    }
  }
  // FKO polls a pending legacy savepoint at the progress-check interval.
  return legacyTriggerPending(p.status.jobStatus.savepointInfo)
    ? Action.requeue(p.env.config.progressCheckIntervalMs)
    : undefined;
}

async function triggerIfDue(p: Pass, type: SnapshotType): Promise<void> {
  const js = p.status.jobStatus;
  const info = type === "SAVEPOINT" ? js.savepointInfo : js.checkpointInfo;
  if (legacyTriggerPending(info)) return;
  const field = NONCE_FIELD[type];
  const specNonce = p.dep.spec.job?.[field];
  const reconciledNonce = lastReconciled(p.status)?.spec.job?.[field];
  const interval = p.rc.get(
    type === "SAVEPOINT" ? OPTIONS.periodicSavepointInterval : OPTIONS.periodicCheckpointInterval,
  );
  const manual = manualTriggerRequested(specNonce, reconciledNonce);
  if (!manual && interval.kind === "disabled") return;

  const resources = snapshotResourcesEnabled(p);
  const now = p.env.now();
  const trigger = decideSnapshotTrigger({
    specNonce,
    reconciledNonce,
    interval,
    lastTriggerMs: manual ? now : await lastTriggerTime(p, type, resources),
    now,
  });
  if (!trigger) return;
  const version = p.dep.spec.flinkVersion;
  if (type === "CHECKPOINT" && version && !isFlinkVersionAtLeast(version, "v1_17")) {
    await event(p, {
      type: "Warning",
      reason: "CheckpointError",
      message: `${trigger === "MANUAL" ? "Manual" : "Periodic"} checkpoints need Flink 1.17 or ` +
        `newer; this deployment runs ${version}`,
    });
    return;
  }
  if (resources) {
    if (trigger === "PERIODIC" && await periodicSnapshotInFlight(p, type)) return;
    await createSnapshotResource(p, type, trigger);
    if (trigger === "MANUAL") {
      markNonceReconciled(p, type, specNonce);
      await save(p);
    }
  } else {
    await triggerLegacySnapshot(p, type, trigger);
  }
  if (trigger === "PERIODIC") triggerStore(p).set(uidOf(p), type, now);
}

/** When the last periodic snapshot was triggered, initialised as FKO does after a restart. */
async function lastTriggerTime(p: Pass, type: SnapshotType, resources: boolean): Promise<number> {
  const store = triggerStore(p);
  const known = store.get(uidOf(p), type);
  if (known !== undefined) return known;
  let newestCompletedPeriodicMs: number | undefined;
  if (resources) {
    const periodic = (await jobSnapshots(p)).filter((s) =>
      snapshotTypeOf(s) === type && triggerTypeOf(s.metadata.labels) === "PERIODIC" &&
      s.status.state === "COMPLETED"
    );
    const times = periodic.map(createdMs).filter((t) => t > 0);
    if (times.length) newestCompletedPeriodicMs = Math.max(...times);
  }
  const js = p.status.jobStatus;
  const time = initialLastTrigger({
    newestCompletedPeriodicMs,
    resourceCreatedMs: Date.parse(p.raw.metadata.creationTimestamp ?? "") || undefined,
    legacyLastPeriodicMs: type === "SAVEPOINT"
      ? js.savepointInfo.lastPeriodicSavepointTimestamp
      : js.checkpointInfo.lastPeriodicCheckpointTimestamp,
  });
  store.set(uidOf(p), type, time);
  return time;
}

/** A periodic snapshot still being taken (or retried): do not pile up another one. */
async function periodicSnapshotInFlight(p: Pass, type: SnapshotType): Promise<boolean> {
  return (await jobSnapshots(p)).some((s) =>
    snapshotTypeOf(s) === type && triggerTypeOf(s.metadata.labels) === "PERIODIC" &&
    !s.metadata.deletionTimestamp &&
    (s.status.state === "TRIGGER_PENDING" || s.status.state === "IN_PROGRESS")
  );
}

async function createSnapshotResource(
  p: Pass,
  type: SnapshotType,
  trigger: Exclude<SnapshotTriggerType, "UNKNOWN">,
  savepoint?: { path: string; alreadyExists: boolean },
): Promise<string> {
  const resource = operatorSnapshotResource({
    namespace: p.ns,
    job: { kind: "FlinkDeployment", name: p.name },
    type,
    trigger,
    now: p.env.now(),
    savepoint: type === "SAVEPOINT"
      ? {
        path: savepoint?.path ?? savepointDirectory(p.rc.flat),
        formatType: p.rc.get(OPTIONS.savepointFormatType),
        disposeOnDelete: p.rc.get(OPTIONS.savepointDisposeOnDelete),
        alreadyExists: savepoint?.alreadyExists ?? false,
      }
      : undefined,
  });
  await p.ctx.client.create(FlinkStateSnapshots, p.ns, resource);
  const created = resource.metadata.name!;
  log.info("created {trigger} {type} snapshot resource {snapshot}", {
    trigger: trigger.toLowerCase(),
    type: type.toLowerCase(),
    snapshot: created,
  });
  return created;
}

/**
 * Records a handled trigger nonce in lastReconciledSpec so the spec diff does not see it again
 * (FKO updateLastReconciledSnapshotTriggerNonce). A stable spec stays stable.
 */
function markNonceReconciled(p: Pass, type: SnapshotType, nonce: number | undefined): void {
  const rs = p.status.reconciliationStatus;
  const rec = lastReconciled(p.status);
  if (!rec?.spec.job) return;
  const wasStable = rs.lastStableSpec !== undefined && rs.lastStableSpec === rs.lastReconciledSpec;
  const spec = structuredClone(rec.spec);
  spec.job![NONCE_FIELD[type]] = nonce;
  rs.lastReconciledSpec = serializeSpecWithMeta("FlinkDeployment", spec, {
    firstDeployment: rec.firstDeployment,
  });
  if (wasStable) rs.lastStableSpec = rs.lastReconciledSpec;
}

// ---------------------------------------------------------------------------------------------
// Legacy mode: REST triggers tracked in savepointInfo / checkpointInfo
// ---------------------------------------------------------------------------------------------

/**
 * Starts a savepoint or checkpoint and records the trigger before the request is sent (with our
 * own trigger id, which Flink deduplicates), so a crash in between resumes polling it.
 */
async function triggerLegacySnapshot(
  p: Pass,
  type: SnapshotType,
  trigger: SnapshotTriggerType,
): Promise<void> {
  const js = p.status.jobStatus;
  const triggerId = newTriggerId();
  const now = p.env.now();
  try {
    const client = await rest(p);
    if (type === "SAVEPOINT") {
      const dir = savepointDirectory(p.rc.flat);
      if (!dir) throw new Error("no savepoint directory (state.savepoints.dir) is configured");
      const formatType = p.rc.get(OPTIONS.savepointFormatType);
      startLegacySavepoint(js.savepointInfo, { triggerId, triggerType: trigger, formatType, now });
      await save(p, "legacy-savepoint-triggered");
      await client.triggerSavepoint(js.jobId!, { targetDirectory: dir, formatType, triggerId });
    } else {
      const checkpointType = p.rc.get(OPTIONS.checkpointType);
      startLegacyCheckpoint(js.checkpointInfo, {
        triggerId,
        triggerType: trigger,
        formatType: checkpointType,
        now,
      });
      await save(p, "legacy-checkpoint-triggered");
      await client.triggerCheckpoint(js.jobId!, { type: checkpointType, triggerId });
    }
  } catch (err) {
    resetLegacyTrigger(type === "SAVEPOINT" ? js.savepointInfo : js.checkpointInfo);
    await save(p);
    throw err;
  }
  log.info("triggered {trigger} {type} {id} (legacy status fields)", {
    trigger: trigger.toLowerCase(),
    type: type.toLowerCase(),
    id: triggerId,
  });
}

/**
 * Observe phase: polls pending legacy triggers, then trims the legacy savepoint history. Upgrade
 * triggers belong to the stop-with-savepoint in cluster.ts and are left alone.
 */
export async function observeSnapshotTriggers(p: Pass, client: FlinkRestClient): Promise<void> {
  if (!isApplication(p)) return;
  for (const type of ["SAVEPOINT", "CHECKPOINT"] as const) {
    await observeLegacyTrigger(p, client, type);
  }
  if (jobRunning(p)) await cleanupLegacyHistory(p, client);
}

async function observeLegacyTrigger(
  p: Pass,
  client: FlinkRestClient,
  type: SnapshotType,
): Promise<void> {
  const js = p.status.jobStatus;
  const info = type === "SAVEPOINT" ? js.savepointInfo : js.checkpointInfo;
  if (!legacyTriggerPending(info) || info.triggerType === "UPGRADE") return;
  if (js.state !== "RUNNING" || !js.jobId) {
    await dropLegacyTrigger(p, type);
    return;
  }
  const nonce = p.dep.spec.job?.[NONCE_FIELD[type]];
  let failure: string | undefined;
  try {
    if (type === "SAVEPOINT") {
      const result = await client.savepointStatus(js.jobId, info.triggerId!);
      if (result.state === "IN_PROGRESS") return;
      if (result.state === "FAILED") failure = result.failure;
      else {
        const manual = info.triggerType === "MANUAL";
        const savepoint = completeLegacySavepoint(js.savepointInfo, result.location, {
          now: p.env.now(),
          triggerNonce: nonce,
        });
        if (manual) markNonceReconciled(p, type, nonce);
        log.info("legacy savepoint completed: {path}", { path: savepoint.location });
      }
    } else {
      const result = await client.checkpointStatus(js.jobId, info.triggerId!);
      if (result.state === "IN_PROGRESS") return;
      if (result.state === "FAILED") failure = result.failure;
      else {
        const manual = info.triggerType === "MANUAL";
        completeLegacyCheckpoint(js.checkpointInfo, { now: p.env.now(), triggerNonce: nonce });
        if (manual) markNonceReconciled(p, type, nonce);
        log.info("legacy checkpoint {id} completed", { id: result.checkpointId });
      }
    }
  } catch (err) {
    if (isFlinkUnavailable(err)) return;
    failure = (err as Error).message;
  }
  if (failure === undefined) return;

  const grace = p.rc.get(
    type === "SAVEPOINT"
      ? OPTIONS.savepointTriggerGracePeriod
      : OPTIONS.checkpointTriggerGracePeriod,
  );
  const triggerType = info.triggerType;
  const giveUp = gracePeriodEnded(info, grace, p.env.now());
  log.warn("legacy {type} failed ({outcome}): {error}", {
    type: type.toLowerCase(),
    outcome: giveUp ? "after the grace period, not retried" : "within the grace period, retrying",
    error: failure,
  });
  if (giveUp && triggerType === "MANUAL") markNonceReconciled(p, type, nonce);
  await event(p, {
    type: "Warning",
    reason: ERROR_REASON[type],
    message: legacyFailureMessage(type, triggerType, nonce),
  });
  resetLegacyTrigger(info);
}

/** FKO resetSnapshotTriggers: a trigger cannot complete once the job stopped running. */
async function dropLegacyTrigger(p: Pass, type: SnapshotType): Promise<void> {
  const js = p.status.jobStatus;
  const info = type === "SAVEPOINT" ? js.savepointInfo : js.checkpointInfo;
  const nonce = p.dep.spec.job?.[NONCE_FIELD[type]];
  log.warn("job is not running, cancelling the pending {type}", { type: type.toLowerCase() });
  if (info.triggerType === "MANUAL") markNonceReconciled(p, type, nonce);
  await event(p, {
    type: "Warning",
    reason: ERROR_REASON[type],
    message: legacyFailureMessage(type, info.triggerType, nonce),
  });
  resetLegacyTrigger(info);
}

/**
 * FKO readyToReconcile: while a manual or periodic legacy savepoint is pending, the deployment
 * waits (unless `job.upgrade.ignore-pending-savepoint`), polling at the progress-check interval.
 * A pending trigger of a job that no longer runs is dropped instead of waited for.
 */
export async function waitForPendingSnapshot(p: Pass): Promise<Action | undefined> {
  const js = p.status.jobStatus;
  const info = js.savepointInfo;
  if (!legacyTriggerPending(info) || info.triggerType === "UPGRADE") return undefined;
  if (!jobRunning(p)) {
    await dropLegacyTrigger(p, "SAVEPOINT");
    await save(p);
    return undefined;
  }
  if (p.rc.get(OPTIONS.jobUpgradeIgnorePendingSavepoint)) return undefined;
  log.info("waiting for the pending savepoint {id} before reconciling", { id: info.triggerId });
  return Action.requeue(p.env.config.progressCheckIntervalMs);
}

/**
 * Trims `savepointInfo.savepointHistory` (FKO cleanupSavepointHistoryLegacy): disposes of the
 * data of dropped entries first and keeps an entry whose disposal failed, to retry later.
 */
async function cleanupLegacyHistory(p: Pass, client: FlinkRestClient): Promise<void> {
  const info = p.status.jobStatus.savepointInfo;
  if (info.savepointHistory.length === 0) return;
  const completedResources = snapshotResourcesEnabled(p)
    ? (await jobSnapshots(p)).filter((s) =>
      snapshotTypeOf(s) === "SAVEPOINT" && s.status.state === "COMPLETED"
    ).length
    : 0;
  const limits = savepointLimits(p);
  const plan = planLegacyHistoryCleanup(info.savepointHistory, {
    maxCount: limits.maxCount,
    maxAgeMs: limits.maxAgeMs,
    now: p.env.now(),
    completedSnapshotResources: completedResources,
    protectedLocations: protectedPaths(p),
  });
  const dispose = p.rc.get(OPTIONS.savepointCleanupEnabled);
  const removed = new Set<unknown>();
  const tryRemove = async (entry: (typeof info.savepointHistory)[number]) => {
    if (dispose && entry.location) {
      try {
        log.info("disposing of savepoint {path} (history cleanup)", { path: entry.location });
        await client.disposeSavepoint(entry.location);
      } catch (err) {
        log.warn("could not dispose of savepoint {path}, retrying later: {error}", {
          path: entry.location,
          error: (err as Error).message,
        });
        return false;
      }
    }
    removed.add(entry);
    return true;
  };
  for (const entry of plan.byCount) {
    if (!await tryRemove(entry)) break;
  }
  for (const entry of plan.byAge) await tryRemove(entry);
  if (removed.size) {
    info.savepointHistory = info.savepointHistory.filter((entry) => !removed.has(entry));
  }
}

// ---------------------------------------------------------------------------------------------
// Snapshot resources of this deployment: upgrade records, restore paths, history cleanup
// ---------------------------------------------------------------------------------------------

/**
 * Records the savepoint a stop-with-savepoint produced as an UPGRADE snapshot resource. The path
 * is saved in `status.jobStatus.upgradeSavepointPath` first, so the restore works even if
 * creating the resource fails (which is then only reported).
 */
export async function recordUpgradeSnapshot(p: Pass, location: string): Promise<void> {
  if (!snapshotResourcesEnabled(p)) return;
  await save(p, "upgrade-savepoint-recorded");
  try {
    await createSnapshotResource(p, "SAVEPOINT", "UPGRADE", {
      path: location,
      alreadyExists: true,
    });
  } catch (err) {
    log.warn("could not record upgrade savepoint {path} as a FlinkStateSnapshot: {error}", {
      path: location,
      error: (err as Error).message,
    });
    await event(p, {
      type: "Warning",
      reason: "SavepointError",
      message: `Could not record upgrade savepoint ${location} as a FlinkStateSnapshot (${
        (err as Error).message
      }); status.jobStatus.upgradeSavepointPath still points at it`,
    });
  }
}

/**
 * The path a `savepoint`-mode restore starts from: `upgradeSavepointPath` (written first by
 * every stop and observation), else the latest completed snapshot resource of this job, else the
 * legacy `lastSavepoint`.
 */
export async function restorePathFor(p: Pass): Promise<string | undefined> {
  const js = p.status.jobStatus;
  if (js.upgradeSavepointPath) return js.upgradeSavepointPath;
  if (snapshotResourcesEnabled(p)) {
    try {
      const latest = latestCompleted(await jobSnapshots(p));
      if (latest?.status.path) {
        log.info("no upgradeSavepointPath recorded: restoring from snapshot {snapshot} ({path})", {
          snapshot: latest.metadata.name,
          path: latest.status.path,
        });
        js.upgradeSavepointPath = latest.status.path;
        return latest.status.path;
      }
    } catch (err) {
      log.warn("could not list snapshots for the restore path: {error}", {
        error: (err as Error).message,
      });
    }
  }
  return js.savepointInfo.lastSavepoint?.location;
}

function latestCompleted(snapshots: FlinkStateSnapshot[]): FlinkStateSnapshot | undefined {
  const completed = snapshots.filter((s) =>
    s.status.state === "COMPLETED" && !!s.status.path && !s.metadata.deletionTimestamp
  );
  const time = (s: FlinkStateSnapshot) =>
    Date.parse(s.status.resultTimestamp ?? "") || createdMs(s);
  completed.sort((a, b) => time(a) - time(b) || createdMs(a) - createdMs(b));
  return completed.at(-1);
}

/**
 * Deletes expired PERIODIC and UPGRADE snapshot resources of this job. A savepoint whose data is
 * to be disposed of on deletion is only deleted while the job runs (disposal needs it), so that
 * its data is not orphaned; it goes on a later pass.
 */
async function cleanupSnapshotResources(p: Pass): Promise<void> {
  const snapshots = (await jobSnapshots(p)).filter((s) =>
    !s.metadata.deletionTimestamp &&
    ["PERIODIC", "UPGRADE"].includes(triggerTypeOf(s.metadata.labels))
  );
  if (snapshots.length < 2) return;
  const keep = protectedPaths(p);
  const referenced = p.dep.spec.job?.flinkStateSnapshotReference?.name;
  const running = jobRunning(p);
  const now = p.env.now();
  const limits = savepointLimits(p);
  const retained = Number(
    p.rc.flat["execution.checkpointing.num-retained"] ??
      p.rc.flat["state.checkpoints.num-retained"] ?? "1",
  ) || 1;
  for (const type of ["SAVEPOINT", "CHECKPOINT"] as const) {
    const entries = snapshots.filter((s) => snapshotTypeOf(s) === type).map((s) => ({
      snapshot: s,
      name: s.metadata.name!,
      createdMs: createdMs(s),
      state: s.status.state,
      protected: s.metadata.name === referenced ||
        (s.status.path !== undefined && keep.has(s.status.path)),
    }));
    const expired = selectExpiredSnapshots(entries, {
      maxCount: type === "SAVEPOINT" ? limits.maxCount : retained,
      maxAgeMs: type === "SAVEPOINT" ? limits.maxAgeMs : undefined,
      now,
    });
    for (const entry of expired) {
      const s = entry.snapshot;
      const disposes = type === "SAVEPOINT" && s.spec.savepoint?.disposeOnDelete === true &&
        s.status.state === "COMPLETED" && !!s.status.path;
      if (disposes && !running) continue;
      log.info("deleting expired snapshot {snapshot} ({type}, created {created})", {
        snapshot: entry.name,
        type: type.toLowerCase(),
        created: s.metadata.creationTimestamp,
      });
      await p.ctx.client.delete(FlinkStateSnapshots, p.ns, entry.name);
    }
  }
}

function savepointLimits(p: Pass): { maxCount: number; maxAgeMs: number } {
  return savepointHistoryLimits({
    maxCount: p.rc.get(OPTIONS.savepointHistoryMaxCount),
    maxCountThreshold: p.rc.get(OPTIONS.savepointHistoryMaxCountThreshold),
    maxAgeMs: p.rc.get(OPTIONS.savepointHistoryMaxAge),
    maxAgeThresholdMs: p.rc.get(OPTIONS.savepointHistoryMaxAgeThreshold),
  });
}

/** Paths a pending or possible restore depends on. */
function protectedPaths(p: Pass): Set<string> {
  const js = p.status.jobStatus;
  const paths = new Set<string>();
  if (js.upgradeSavepointPath) paths.add(js.upgradeSavepointPath);
  if (js.savepointInfo.lastSavepoint?.location) paths.add(js.savepointInfo.lastSavepoint.location);
  return paths;
}

/** The snapshot resources referencing this deployment (by the job-reference labels). */
async function jobSnapshots(p: Pass): Promise<FlinkStateSnapshot[]> {
  const list = await p.ctx.client.list<KubeObject>(FlinkStateSnapshots, p.ns, {
    labelSelector: jobSnapshotSelector("FlinkDeployment", p.name),
  });
  return list.items.flatMap((raw) => {
    const parsed = safeParseFlinkStateSnapshot(raw);
    return parsed.ok ? [parsed.value] : [];
  });
}

function createdMs(s: FlinkStateSnapshot): number {
  return Date.parse(s.metadata.creationTimestamp ?? "") || 0;
}
