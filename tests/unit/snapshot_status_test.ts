import assert from "node:assert/strict";
import { FlinkStateSnapshotStatusSchema } from "../../lib/api/flink_state_snapshot.ts";
import {
  kubernetesTimestamp,
  markAbandoned,
  markCompleted,
  markInProgress,
  recordFailure,
  retryDelayMs,
  retryWaitMs,
} from "../../lib/flink/snapshot/snapshot_status.ts";

const T0 = Date.parse("2026-07-20T10:00:00.400Z");
const fresh = () => FlinkStateSnapshotStatusSchema.parse({});

Deno.test("snapshot status: timestamps are Kubernetes-style, whole seconds", () => {
  assert.equal(kubernetesTimestamp(T0), "2026-07-20T10:00:00Z");
});

Deno.test("snapshot status: TRIGGER_PENDING → IN_PROGRESS → COMPLETED", () => {
  const status = fresh();
  assert.equal(status.state, "TRIGGER_PENDING");
  markInProgress(status, "abc", T0);
  assert.deepEqual(
    { state: status.state, id: status.triggerId, at: status.triggerTimestamp },
    { state: "IN_PROGRESS", id: "abc", at: "2026-07-20T10:00:00Z" },
  );
  status.error = "left over from a failed attempt";
  markCompleted(status, "file:/sp/savepoint-1", T0 + 5000, { setTriggerTimestamp: false });
  assert.equal(status.state, "COMPLETED");
  assert.equal(status.path, "file:/sp/savepoint-1");
  assert.equal(status.error, undefined);
  assert.equal(status.triggerTimestamp, "2026-07-20T10:00:00Z");
  assert.equal(status.resultTimestamp, "2026-07-20T10:00:05Z");
});

Deno.test("snapshot status: alreadyExists completes with trigger = result time", () => {
  const status = fresh();
  markCompleted(status, "file:/sp/existing", T0, { setTriggerTimestamp: true });
  assert.equal(status.triggerTimestamp, status.resultTimestamp);
});

Deno.test("snapshot status: abandoned clears the path and records why", () => {
  const status = fresh();
  markInProgress(status, "abc", T0);
  status.path = "stale";
  markAbandoned(status, "job gone", T0);
  assert.deepEqual(
    { state: status.state, path: status.path, error: status.error },
    { state: "ABANDONED", path: undefined, error: "job gone" },
  );
});

Deno.test("snapshot status: backoffLimit 2 retries after base, 2×base, then FAILED", () => {
  const status = fresh();
  const opts = { backoffLimit: 2, now: T0, backoffBaseMs: 10_000 };
  markInProgress(status, "t1", T0);
  assert.deepEqual(recordFailure(status, "e1", opts), { retry: true, delayMs: 10_000 });
  assert.deepEqual(
    { state: status.state, failures: status.failures, id: status.triggerId, error: status.error },
    { state: "TRIGGER_PENDING", failures: 1, id: undefined, error: "e1" },
  );
  assert.deepEqual(recordFailure(status, "e2", opts), { retry: true, delayMs: 20_000 });
  assert.deepEqual(recordFailure(status, "e3", opts), { retry: false });
  assert.equal(status.state, "FAILED");
  assert.equal(status.failures, 3);
  assert.equal(status.resultTimestamp, "2026-07-20T10:00:00Z");
});

Deno.test("snapshot status: backoffLimit 0 never retries, -1 always does", () => {
  const none = fresh();
  assert.deepEqual(recordFailure(none, "e", { backoffLimit: 0, now: T0, backoffBaseMs: 1 }), {
    retry: false,
  });
  assert.equal(none.state, "FAILED");
  const unlimited = fresh();
  for (let i = 1; i <= 20; i++) {
    const outcome = recordFailure(unlimited, "e", { backoffLimit: -1, now: T0, backoffBaseMs: 1 });
    assert.equal(outcome.retry, true);
  }
  assert.equal(unlimited.state, "TRIGGER_PENDING");
  assert.equal(unlimited.failures, 20);
});

Deno.test("snapshot status: retry delays double and do not overflow", () => {
  assert.deepEqual([1, 2, 3, 4].map((n) => retryDelayMs(10_000, n)), [
    10_000,
    20_000,
    40_000,
    80_000,
  ]);
  assert.ok(Number.isFinite(retryDelayMs(10_000, 5000)));
});

Deno.test("snapshot status: the wait before a retry uses the precise failure time if known", () => {
  const status = fresh();
  recordFailure(status, "e", { backoffLimit: -1, now: T0, backoffBaseMs: 10_000 });
  // After a restart only the persisted whole-second timestamp is known.
  assert.equal(retryWaitMs(status, { now: T0, backoffBaseMs: 10_000 }), 9600);
  assert.equal(retryWaitMs(status, { now: T0, backoffBaseMs: 10_000, failedAtMs: T0 }), 10_000);
  assert.equal(retryWaitMs(status, { now: T0 + 20_000, backoffBaseMs: 10_000 }), 0);
  assert.equal(retryWaitMs(fresh(), { now: T0, backoffBaseMs: 10_000 }), 0);
});
