/**
 * Which operator-created snapshots the history cleanup removes (FKO SnapshotObserver cleanup,
 * reference §3.12), as a pure decision: oldest first, while there are more than `maxCount` or
 * while they are older than `maxAgeMs`. Never removed: the newest COMPLETED snapshot, anything a
 * pending restore refers to, snapshots still being taken, and the very last one.
 */
import type { SnapshotState } from "../../api/enums.ts";

export interface HistoryEntry {
  readonly name: string;
  /** creationTimestamp in epoch milliseconds. */
  readonly createdMs: number;
  readonly state: SnapshotState;
  /** Referenced by a pending restore (upgradeSavepointPath, a snapshot reference). */
  readonly protected: boolean;
}

export interface HistoryPolicy {
  readonly maxCount: number;
  /** Undefined: no age limit (checkpoints). */
  readonly maxAgeMs?: number;
  readonly now: number;
}

const IN_FLIGHT: readonly SnapshotState[] = ["TRIGGER_PENDING", "IN_PROGRESS"];

/** Entries to delete, oldest first. `entries` may come in any order. */
export function selectExpiredSnapshots<E extends HistoryEntry>(
  entries: readonly E[],
  policy: HistoryPolicy,
): E[] {
  if (entries.length < 2) return [];
  const sorted = [...entries].sort((a, b) =>
    a.createdMs - b.createdMs || a.name.localeCompare(b.name)
  );
  const newestCompleted = sorted.findLast((e) => e.state === "COMPLETED");
  const maxCount = Math.max(1, policy.maxCount);
  let remaining = sorted.length;
  const expired: E[] = [];
  for (const entry of sorted) {
    if (remaining <= 1) break;
    if (entry === newestCompleted || entry.protected || IN_FLIGHT.includes(entry.state)) continue;
    const tooMany = remaining > maxCount;
    const tooOld = policy.maxAgeMs !== undefined && policy.now - entry.createdMs > policy.maxAgeMs;
    if (tooMany || tooOld) {
      expired.push(entry);
      remaining--;
    }
  }
  return expired;
}

/**
 * The savepoint history limits of one resource: `max.count` and `max.age` capped by the
 * operator-wide thresholds, with at least one savepoint kept.
 */
export function savepointHistoryLimits(opts: {
  maxCount: number;
  maxCountThreshold?: number;
  maxAgeMs: number;
  maxAgeThresholdMs?: number;
}): { maxCount: number; maxAgeMs: number } {
  const maxCount = Math.max(1, Math.min(opts.maxCount, opts.maxCountThreshold ?? Infinity));
  const maxAgeMs = Math.min(opts.maxAgeMs, opts.maxAgeThresholdMs ?? Infinity);
  return { maxCount, maxAgeMs };
}
