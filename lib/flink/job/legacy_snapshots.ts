/**
 * Legacy snapshot mode (`kubernetes.operator.snapshot.resource.enabled: false`, FKO
 * SnapshotObserver): savepoint and checkpoint triggers tracked in
 * `status.jobStatus.savepointInfo` / `checkpointInfo`, polled by the observer, and the legacy
 * savepoint history kept within its limits. Upgrade triggers belong to the stop-with-savepoint
 * in stop_job.ts and are left alone here.
 */
import { getLogger } from "@logtape/logtape";
import type { SnapshotTriggerType, SnapshotType } from "../../api/enums.ts";
import { OPTIONS } from "../../config/options.ts";
import { errorMessage } from "../../error_message.ts";
import { Action } from "../../runtime/action.ts";
import type { FlinkRestClient } from "../rest/client.ts";
import { isFlinkUnavailable } from "../rest/errors.ts";
import { newTriggerId } from "../rest/async_operation.ts";
import { snapshotTypeOf } from "../snapshot/labels.ts";
import {
  completeLegacyCheckpoint,
  completeLegacySavepoint,
  gracePeriodEnded,
  legacyFailureMessage,
  legacyTriggerPending,
  planLegacyHistoryCleanup,
  resetLegacyTrigger,
  startLegacyCheckpoint,
  startLegacySavepoint,
} from "../snapshot/legacy_status.ts";
import { savepointDirectory } from "../spec/state_dirs.ts";
import { type NonceField, recordHandledNonce } from "./bookkeeping.ts";
import { event, type ResourcePass, rest, save } from "./resource_pass.ts";
import {
  jobRunning,
  jobSnapshots,
  protectedPaths,
  savepointLimits,
  snapshotResourcesEnabled,
} from "./snapshot_records.ts";

const log = getLogger(["flinkop", "job", "snapshots"]);

export const NONCE_FIELD: Record<SnapshotType, NonceField> = {
  SAVEPOINT: "savepointTriggerNonce",
  CHECKPOINT: "checkpointTriggerNonce",
};

export const ERROR_REASON = { SAVEPOINT: "SavepointError", CHECKPOINT: "CheckpointError" } as const;

function infoOf(p: ResourcePass, type: SnapshotType) {
  const js = p.status.jobStatus;
  return type === "SAVEPOINT" ? js.savepointInfo : js.checkpointInfo;
}

/**
 * Starts a savepoint or checkpoint and records the trigger before the request is sent (with our
 * own trigger id, which Flink deduplicates), so a crash in between resumes polling it.
 */
export async function triggerLegacySnapshot(
  p: ResourcePass,
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
    resetLegacyTrigger(infoOf(p, type));
    await save(p);
    throw err;
  }
  log.info("triggered {trigger} {type} {id} (legacy status fields)", {
    trigger: trigger.toLowerCase(),
    type: type.toLowerCase(),
    id: triggerId,
  });
}

/** Observe phase: polls pending legacy triggers, then trims the legacy savepoint history. */
export async function observeLegacySnapshots(
  p: ResourcePass,
  client: FlinkRestClient,
): Promise<void> {
  for (const type of ["SAVEPOINT", "CHECKPOINT"] as const) {
    await observeLegacyTrigger(p, client, type);
  }
  if (jobRunning(p)) await cleanupLegacyHistory(p, client);
}

async function observeLegacyTrigger(
  p: ResourcePass,
  client: FlinkRestClient,
  type: SnapshotType,
): Promise<void> {
  const js = p.status.jobStatus;
  const info = infoOf(p, type);
  if (!legacyTriggerPending(info) || info.triggerType === "UPGRADE") return;
  if (js.state !== "RUNNING" || !js.jobId) {
    await dropLegacyTrigger(p, type);
    return;
  }
  const nonce = p.spec.job?.[NONCE_FIELD[type]];
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
        if (manual) recordHandledNonce(p, NONCE_FIELD[type], nonce);
        log.info("legacy savepoint completed: {path}", { path: savepoint.location });
      }
    } else {
      const result = await client.checkpointStatus(js.jobId, info.triggerId!);
      if (result.state === "IN_PROGRESS") return;
      if (result.state === "FAILED") failure = result.failure;
      else {
        const manual = info.triggerType === "MANUAL";
        completeLegacyCheckpoint(js.checkpointInfo, { now: p.env.now(), triggerNonce: nonce });
        if (manual) recordHandledNonce(p, NONCE_FIELD[type], nonce);
        log.info("legacy checkpoint {id} completed", { id: result.checkpointId });
      }
    }
  } catch (err) {
    if (isFlinkUnavailable(err)) return;
    failure = errorMessage(err);
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
  if (giveUp && triggerType === "MANUAL") recordHandledNonce(p, NONCE_FIELD[type], nonce);
  await event(p, {
    type: "Warning",
    reason: ERROR_REASON[type],
    message: legacyFailureMessage(type, triggerType, nonce),
  });
  resetLegacyTrigger(info);
}

/** FKO resetSnapshotTriggers: a trigger cannot complete once the job stopped running. */
async function dropLegacyTrigger(p: ResourcePass, type: SnapshotType): Promise<void> {
  const info = infoOf(p, type);
  const nonce = p.spec.job?.[NONCE_FIELD[type]];
  log.warn("job is not running, cancelling the pending {type}", { type: type.toLowerCase() });
  if (info.triggerType === "MANUAL") recordHandledNonce(p, NONCE_FIELD[type], nonce);
  await event(p, {
    type: "Warning",
    reason: ERROR_REASON[type],
    message: legacyFailureMessage(type, info.triggerType, nonce),
  });
  resetLegacyTrigger(info);
}

/**
 * FKO readyToReconcile: while a manual or periodic legacy savepoint is pending, the job waits
 * (unless `job.upgrade.ignore-pending-savepoint`), polling at the progress-check interval. A
 * pending trigger of a job that no longer runs is dropped instead of waited for.
 */
export async function waitForPendingSnapshot(p: ResourcePass): Promise<Action | undefined> {
  const info = p.status.jobStatus.savepointInfo;
  switch (pendingSnapshotStep(p)) {
    case "none":
      return undefined;
    case "drop":
      await dropLegacyTrigger(p, "SAVEPOINT");
      await save(p);
      return undefined;
    case "wait":
      log.info("waiting for the pending savepoint {id} before reconciling", { id: info.triggerId });
      return Action.requeue(p.env.config.progressCheckIntervalMs);
  }
}

/**
 * What a pending manual or periodic legacy savepoint means for the pass: nothing, dropped (its
 * job no longer runs), or waited for.
 */
export function pendingSnapshotStep(p: ResourcePass): "none" | "drop" | "wait" {
  const info = p.status.jobStatus.savepointInfo;
  if (!legacyTriggerPending(info) || info.triggerType === "UPGRADE") return "none";
  if (!jobRunning(p)) return "drop";
  return p.rc.get(OPTIONS.jobUpgradeIgnorePendingSavepoint) ? "none" : "wait";
}

/**
 * Trims `savepointInfo.savepointHistory` (FKO cleanupSavepointHistoryLegacy): disposes of the
 * data of dropped entries first and keeps an entry whose disposal failed, to retry later.
 */
async function cleanupLegacyHistory(p: ResourcePass, client: FlinkRestClient): Promise<void> {
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
          error: errorMessage(err),
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
