/**
 * The deprecated snapshot bookkeeping in `status.jobStatus.savepointInfo` / `checkpointInfo`
 * (reference §1.9), still written when FlinkStateSnapshot resources are disabled: trigger fields
 * while a savepoint or checkpoint is pending, then the last one (and the savepoint history).
 * Pure transitions, shared by every job kind.
 */
import type { Checkpoint, CheckpointInfo, Savepoint, SavepointInfo } from "../../api/job_status.ts";
import type {
  CheckpointType,
  SavepointFormatType,
  SnapshotTriggerType,
  SnapshotType,
} from "../../api/enums.ts";

export type LegacyInfo = SavepointInfo | CheckpointInfo;

/** FKO: a snapshot is in progress exactly when a trigger id is recorded. */
export function legacyTriggerPending(info: LegacyInfo): boolean {
  return !!info.triggerId;
}

export function startLegacySavepoint(
  info: SavepointInfo,
  trigger: {
    triggerId: string;
    triggerType: SnapshotTriggerType;
    formatType: SavepointFormatType;
    now: number;
  },
): void {
  info.triggerId = trigger.triggerId;
  info.triggerTimestamp = trigger.now;
  info.triggerType = trigger.triggerType;
  info.formatType = trigger.formatType;
}

export function startLegacyCheckpoint(
  info: CheckpointInfo,
  trigger: {
    triggerId: string;
    triggerType: SnapshotTriggerType;
    formatType: CheckpointType;
    now: number;
  },
): void {
  info.triggerId = trigger.triggerId;
  info.triggerTimestamp = trigger.now;
  info.triggerType = trigger.triggerType;
  info.formatType = trigger.formatType;
}

export function resetLegacyTrigger(info: LegacyInfo): void {
  info.triggerId = undefined;
  info.triggerTimestamp = undefined;
  info.triggerType = undefined;
  info.formatType = undefined;
}

/**
 * A completed savepoint becomes `lastSavepoint` and joins the history (unless it is the same
 * location as the last one); a periodic one also moves `lastPeriodicSavepointTimestamp`.
 */
export function completeLegacySavepoint(
  info: SavepointInfo,
  location: string,
  opts: { now: number; triggerNonce?: number },
): Savepoint {
  const triggerType = info.triggerType ?? "UNKNOWN";
  const savepoint: Savepoint = {
    timeStamp: info.triggerTimestamp ?? opts.now,
    location,
    triggerType,
    formatType: info.formatType ?? "UNKNOWN",
    ...(triggerType === "MANUAL" && opts.triggerNonce !== undefined
      ? { triggerNonce: opts.triggerNonce }
      : {}),
  };
  if (info.lastSavepoint?.location !== location) {
    info.lastSavepoint = savepoint;
    info.savepointHistory.push(savepoint);
    if (triggerType === "PERIODIC") info.lastPeriodicSavepointTimestamp = savepoint.timeStamp;
  }
  resetLegacyTrigger(info);
  return savepoint;
}

export function completeLegacyCheckpoint(
  info: CheckpointInfo,
  opts: { now: number; triggerNonce?: number },
): Checkpoint {
  const triggerType = info.triggerType ?? "UNKNOWN";
  const checkpoint: Checkpoint = {
    timeStamp: info.triggerTimestamp ?? opts.now,
    triggerType,
    formatType: info.formatType ?? "UNKNOWN",
    ...(triggerType === "MANUAL" && opts.triggerNonce !== undefined
      ? { triggerNonce: opts.triggerNonce }
      : {}),
  };
  info.lastCheckpoint = checkpoint;
  if (triggerType === "PERIODIC") info.lastPeriodicCheckpointTimestamp = checkpoint.timeStamp;
  resetLegacyTrigger(info);
  return checkpoint;
}

/** FKO's event text for a failed legacy snapshot. */
export function legacyFailureMessage(
  type: SnapshotType,
  triggerType: SnapshotTriggerType | undefined,
  nonce: number | undefined,
): string {
  const noun = type === "SAVEPOINT" ? "Savepoint" : "Checkpoint";
  if (triggerType === "MANUAL") {
    const field = type === "SAVEPOINT" ? "savepointTriggerNonce" : "checkpointTriggerNonce";
    return `${noun} failed for ${field}: ${nonce ?? "null"}`;
  }
  return `Periodic ${noun.toLowerCase()} failed`;
}

/**
 * A failed trigger within the grace period is retried (the nonce stays pending); after it the
 * manual request is given up.
 */
export function gracePeriodEnded(info: LegacyInfo, graceMs: number, now: number): boolean {
  return (info.triggerTimestamp ?? 0) + graceMs < now;
}

/** Which legacy history entries to dispose of and drop (FKO cleanupSavepointHistoryLegacy). */
export interface LegacyHistoryPlan {
  /** Oldest first, beyond the count; stop at the first one whose disposal fails. */
  readonly byCount: Savepoint[];
  /** Older than the maximum age; each is independent of the others. */
  readonly byAge: Savepoint[];
}

/**
 * Plans the legacy history cleanup. Completed savepoint resources count against `maxCount`, and
 * the last entry is only dropped once such a resource exists. Locations a pending restore
 * refers to are never planned for removal.
 */
export function planLegacyHistoryCleanup(
  history: readonly Savepoint[],
  opts: {
    maxCount: number;
    maxAgeMs: number;
    now: number;
    completedSnapshotResources: number;
    protectedLocations: ReadonlySet<string>;
  },
): LegacyHistoryPlan {
  const none = { byCount: [], byAge: [] };
  const crs = opts.completedSnapshotResources;
  if (history.length === 0 || (history.length === 1 && crs === 0)) return none;
  const maxCount = Math.max(0, opts.maxCount - crs);
  const isProtected = (entry: Savepoint) =>
    entry.location !== undefined && opts.protectedLocations.has(entry.location);
  const last = history[history.length - 1];
  const overCount = history.slice(0, Math.max(0, history.length - maxCount));
  const byCount = overCount.filter((entry) => !isProtected(entry));
  const byAge = history.slice(overCount.length).filter((entry) =>
    !(entry === last && crs === 0) && !isProtected(entry) &&
    entry.timeStamp < opts.now - opts.maxAgeMs
  );
  return { byCount, byAge };
}
