import assert from "node:assert/strict";
import type { SnapshotState } from "../../lib/api/enums.ts";
import {
  type HistoryEntry,
  savepointHistoryLimits,
  selectExpiredSnapshots,
} from "../../lib/flink/snapshot/history.ts";

const MIN = 60_000;
const NOW = 100 * MIN;

function entry(
  name: string,
  ageMin: number,
  state: SnapshotState = "COMPLETED",
  isProtected = false,
): HistoryEntry {
  return { name, createdMs: NOW - ageMin * MIN, state, protected: isProtected };
}

const names = (entries: HistoryEntry[]) => entries.map((e) => e.name);

Deno.test("history: by count, oldest first", () => {
  const entries = [entry("c", 3), entry("a", 5), entry("d", 2), entry("b", 4)];
  assert.deepEqual(names(selectExpiredSnapshots(entries, { maxCount: 2, now: NOW })), ["a", "b"]);
});

Deno.test("history: by age, never the newest completed one", () => {
  const entries = [entry("a", 50), entry("b", 40), entry("c", 30)];
  assert.deepEqual(
    names(selectExpiredSnapshots(entries, { maxCount: 10, maxAgeMs: 10 * MIN, now: NOW })),
    ["a", "b"],
  );
  // The newest completed is kept even when a newer one failed.
  const withFailure = [entry("a", 50), entry("b", 40), entry("c", 30, "FAILED")];
  assert.deepEqual(
    names(selectExpiredSnapshots(withFailure, { maxCount: 10, maxAgeMs: 10 * MIN, now: NOW })),
    ["a", "c"],
  );
});

Deno.test("history: fewer than two snapshots are never touched", () => {
  assert.deepEqual(
    selectExpiredSnapshots([entry("a", 500)], { maxCount: 0, maxAgeMs: 0, now: NOW }),
    [],
  );
});

Deno.test("history: protected and in-flight snapshots stay, the last one always stays", () => {
  const entries = [
    entry("restore-point", 50, "COMPLETED", true),
    entry("running", 45, "IN_PROGRESS"),
    entry("pending", 44, "TRIGGER_PENDING"),
    entry("old", 40),
    entry("newest", 30),
  ];
  assert.deepEqual(
    names(selectExpiredSnapshots(entries, { maxCount: 1, maxAgeMs: 0, now: NOW })),
    ["old"],
  );
  const noneCompleted = [entry("a", 50, "FAILED"), entry("b", 40, "ABANDONED")];
  assert.deepEqual(
    names(selectExpiredSnapshots(noneCompleted, { maxCount: 1, maxAgeMs: 0, now: NOW })),
    ["a"],
  );
});

Deno.test("history: count limit is at least one, thresholds cap the options", () => {
  assert.deepEqual(savepointHistoryLimits({ maxCount: 0, maxAgeMs: 5 }), {
    maxCount: 1,
    maxAgeMs: 5,
  });
  assert.deepEqual(
    savepointHistoryLimits({
      maxCount: 10,
      maxCountThreshold: 3,
      maxAgeMs: 24 * 60 * MIN,
      maxAgeThresholdMs: 60 * MIN,
    }),
    { maxCount: 3, maxAgeMs: 60 * MIN },
  );
});
