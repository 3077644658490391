import assert from "node:assert/strict";
import { parsePeriodicInterval } from "../../lib/config/periodic_interval.ts";
import {
  decideSnapshotTrigger,
  initialLastTrigger,
  LastTriggerStore,
  manualTriggerRequested,
  periodicSnapshotDue,
} from "../../lib/flink/snapshot/trigger_decision.ts";

const at = (iso: string) => Date.parse(iso);

Deno.test("trigger: a nonce differing from the reconciled one asks for a manual snapshot", () => {
  assert.equal(manualTriggerRequested(1, undefined), true);
  assert.equal(manualTriggerRequested(2, 1), true);
  assert.equal(manualTriggerRequested(1, 1), false);
  assert.equal(manualTriggerRequested(undefined, 1), false, "clearing the nonce does nothing");
});

Deno.test("trigger: duration intervals", () => {
  const sixHours = parsePeriodicInterval("6 h");
  const last = at("2026-07-20T00:00:00Z");
  assert.equal(periodicSnapshotDue(sixHours, last, at("2026-07-20T05:59:59Z")), false);
  assert.equal(periodicSnapshotDue(sixHours, last, at("2026-07-20T06:00:01Z")), true);
  assert.equal(periodicSnapshotDue(parsePeriodicInterval(""), 0, Date.now()), false);
  assert.equal(periodicSnapshotDue(parsePeriodicInterval("0 s"), 0, Date.now()), false);
});

Deno.test("trigger: Quartz cron schedules fire once their next time after the last trigger passed", () => {
  const hourly = parsePeriodicInterval("0 0 * * * ?");
  const last = at("2026-07-20T10:15:00Z");
  assert.equal(periodicSnapshotDue(hourly, last, at("2026-07-20T10:59:59Z")), false);
  assert.equal(periodicSnapshotDue(hourly, last, at("2026-07-20T11:00:01Z")), true);
});

Deno.test("trigger: manual wins over periodic; nothing due means nothing", () => {
  const base = {
    interval: parsePeriodicInterval("1 min"),
    lastTriggerMs: 0,
    now: 120_000,
  };
  assert.equal(decideSnapshotTrigger({ ...base, specNonce: 2, reconciledNonce: 1 }), "MANUAL");
  assert.equal(decideSnapshotTrigger({ ...base, specNonce: 1, reconciledNonce: 1 }), "PERIODIC");
  assert.equal(
    decideSnapshotTrigger({ ...base, specNonce: 1, reconciledNonce: 1, lastTriggerMs: 100_000 }),
    undefined,
  );
});

Deno.test("trigger: last trigger time after a restart, as FKO initialises it", () => {
  assert.equal(initialLastTrigger({ newestCompletedPeriodicMs: 5, resourceCreatedMs: 9 }), 5);
  assert.equal(initialLastTrigger({ resourceCreatedMs: 9, legacyLastPeriodicMs: 7 }), 9);
  assert.equal(initialLastTrigger({ resourceCreatedMs: 9, legacyLastPeriodicMs: 12 }), 12);
  assert.equal(initialLastTrigger({}), 0);
});

Deno.test("trigger: the store keeps one time per resource and snapshot type", () => {
  const store = new LastTriggerStore();
  store.set("uid-1", "SAVEPOINT", 1);
  store.set("uid-1", "CHECKPOINT", 2);
  store.set("uid-2", "SAVEPOINT", 3);
  assert.equal(store.get("uid-1", "SAVEPOINT"), 1);
  assert.equal(store.get("uid-1", "CHECKPOINT"), 2);
  store.forget("uid-1");
  assert.equal(store.get("uid-1", "SAVEPOINT"), undefined);
  assert.equal(store.get("uid-2", "SAVEPOINT"), 3);
});
