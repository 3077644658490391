import assert from "node:assert/strict";
import {
  CheckpointInfoSchema,
  type Savepoint,
  SavepointInfoSchema,
} from "../../lib/api/job_status.ts";
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
} from "../../lib/flink/snapshot/legacy_status.ts";

const savepointInfo = () => SavepointInfoSchema.parse({});

Deno.test("legacy: a manual savepoint is pending, then last savepoint and history", () => {
  const info = savepointInfo();
  startLegacySavepoint(info, {
    triggerId: "t1",
    triggerType: "MANUAL",
    formatType: "NATIVE",
    now: 1000,
  });
  assert.equal(legacyTriggerPending(info), true);
  const sp = completeLegacySavepoint(info, "file:/sp/1", { now: 5000, triggerNonce: 7 });
  assert.deepEqual(sp, {
    timeStamp: 1000,
    location: "file:/sp/1",
    triggerType: "MANUAL",
    formatType: "NATIVE",
    triggerNonce: 7,
  });
  assert.deepEqual(info.lastSavepoint, sp);
  assert.deepEqual(info.savepointHistory, [sp]);
  assert.equal(info.lastPeriodicSavepointTimestamp, 0, "only periodic savepoints move it");
  assert.equal(legacyTriggerPending(info), false);
  assert.equal(info.triggerType, undefined);
  assert.equal(info.formatType, undefined);
});

Deno.test("legacy: periodic savepoints move lastPeriodicSavepointTimestamp, no nonce", () => {
  const info = savepointInfo();
  startLegacySavepoint(info, {
    triggerId: "t",
    triggerType: "PERIODIC",
    formatType: "CANONICAL",
    now: 42,
  });
  const sp = completeLegacySavepoint(info, "file:/sp/2", { now: 50, triggerNonce: 3 });
  assert.equal(sp.triggerNonce, undefined);
  assert.equal(info.lastPeriodicSavepointTimestamp, 42);
  // The same location again is not a new history entry.
  startLegacySavepoint(info, {
    triggerId: "u",
    triggerType: "PERIODIC",
    formatType: "CANONICAL",
    now: 60,
  });
  completeLegacySavepoint(info, "file:/sp/2", { now: 70 });
  assert.equal(info.savepointHistory.length, 1);
});

Deno.test("legacy: checkpoints record lastCheckpoint", () => {
  const info = CheckpointInfoSchema.parse({});
  startLegacyCheckpoint(info, {
    triggerId: "c",
    triggerType: "PERIODIC",
    formatType: "FULL",
    now: 9,
  });
  const cp = completeLegacyCheckpoint(info, { now: 10 });
  assert.deepEqual(cp, { timeStamp: 9, triggerType: "PERIODIC", formatType: "FULL" });
  assert.equal(info.lastPeriodicCheckpointTimestamp, 9);
  assert.equal(info.triggerId, undefined);
});

Deno.test("legacy: failure messages as FKO words them", () => {
  assert.equal(
    legacyFailureMessage("SAVEPOINT", "MANUAL", 4),
    "Savepoint failed for savepointTriggerNonce: 4",
  );
  assert.equal(legacyFailureMessage("SAVEPOINT", "PERIODIC", 4), "Periodic savepoint failed");
  assert.equal(
    legacyFailureMessage("CHECKPOINT", "MANUAL", 1),
    "Checkpoint failed for checkpointTriggerNonce: 1",
  );
  assert.equal(
    legacyFailureMessage("CHECKPOINT", "PERIODIC", undefined),
    "Periodic checkpoint failed",
  );
});

Deno.test("legacy: the grace period runs from the trigger time", () => {
  const info = savepointInfo();
  startLegacySavepoint(info, {
    triggerId: "t",
    triggerType: "MANUAL",
    formatType: "CANONICAL",
    now: 1000,
  });
  assert.equal(gracePeriodEnded(info, 60_000, 30_000), false);
  assert.equal(gracePeriodEnded(info, 60_000, 61_001), true);
  resetLegacyTrigger(info);
  assert.equal(info.triggerTimestamp, undefined);
});

function history(...ages: number[]): Savepoint[] {
  return ages.map((age, i) => ({
    timeStamp: 1_000_000 - age,
    location: `sp-${i}`,
    triggerType: "PERIODIC",
    formatType: "CANONICAL",
  }));
}

const locations = (entries: Savepoint[]) => entries.map((e) => e.location);

Deno.test("legacy history: count, then age; the last entry stays without snapshot resources", () => {
  const plan = planLegacyHistoryCleanup(history(500, 400, 300, 200, 100), {
    maxCount: 3,
    maxAgeMs: 250,
    now: 1_000_000,
    completedSnapshotResources: 0,
    protectedLocations: new Set(),
  });
  assert.deepEqual(locations(plan.byCount), ["sp-0", "sp-1"]);
  assert.deepEqual(locations(plan.byAge), ["sp-2"]);
  const allOld = planLegacyHistoryCleanup(history(500, 400), {
    maxCount: 10,
    maxAgeMs: 1,
    now: 1_000_000,
    completedSnapshotResources: 0,
    protectedLocations: new Set(),
  });
  assert.deepEqual(locations(allOld.byAge), ["sp-0"], "the last one is kept");
});

Deno.test("legacy history: completed snapshot resources count against max count", () => {
  const plan = planLegacyHistoryCleanup(history(300, 200, 100), {
    maxCount: 2,
    maxAgeMs: 10_000,
    now: 1_000_000,
    completedSnapshotResources: 2,
    protectedLocations: new Set(["sp-1"]),
  });
  assert.deepEqual(locations(plan.byCount), ["sp-0", "sp-2"], "protected locations stay");
  assert.deepEqual(
    planLegacyHistoryCleanup(history(100), {
      maxCount: 1,
      maxAgeMs: 1,
      now: 1_000_000,
      completedSnapshotResources: 0,
      protectedLocations: new Set(),
    }),
    { byCount: [], byAge: [] },
  );
});
