import assert from "node:assert/strict";
import { newTriggerId } from "../../lib/flink/rest/async_operation.ts";
import { FlinkTimeoutError } from "../../lib/flink/rest/errors.ts";
import { pollUntilDone } from "../../lib/flink/rest/poll.ts";
import { withFakeFlink } from "./flink_rest_fake_server.ts";
import { JOB_ID, SERIALIZED_THROWABLE } from "./flink_rest_fixtures.ts";

const TRIGGER = "0123456789abcdef0123456789abcdef";
const HEX32 = /^[0-9a-f]{32}$/;

Deno.test("stop-with-savepoint sends camelCase targetDirectory, drain, format and trigger id", async () => {
  await withFakeFlink((f) => {
    f.on("POST", `/jobs/${JOB_ID}/stop`, (req) => ({
      status: 202,
      json: { "request-id": (req.json as { triggerId: string }).triggerId },
    }));
  }, async (f) => {
    const triggerId = await f.client().stopWithSavepoint(JOB_ID, {
      targetDirectory: "s3://bucket/savepoints",
      drain: true,
      formatType: "NATIVE",
      triggerId: TRIGGER,
    });
    assert.equal(triggerId, TRIGGER);
    const req = f.only("POST", `/jobs/${JOB_ID}/stop`);
    assert.equal(req.contentType, "application/json");
    assert.deepEqual(req.json, {
      targetDirectory: "s3://bucket/savepoints",
      drain: true,
      formatType: "NATIVE",
      triggerId: TRIGGER,
    });
  });
});

Deno.test("savepoint trigger sends target-directory and cancel-job; a trigger id is generated", async () => {
  await withFakeFlink((f) => {
    f.on("POST", `/jobs/${JOB_ID}/savepoints`, (req) => ({
      status: 202,
      json: { "request-id": (req.json as { triggerId: string }).triggerId },
    }));
  }, async (f) => {
    const client = f.client();
    const first = await client.triggerSavepoint(JOB_ID, {
      targetDirectory: "file:///flink-data/savepoints",
      formatType: "CANONICAL",
    });
    assert.match(first, HEX32);
    // Without a directory the field is left out, so the cluster's state.savepoints.dir applies.
    await client.triggerSavepoint(JOB_ID, { formatType: "CANONICAL" });
    const [withDir, withoutDir] = f.requests.map((r) => r.json as Record<string, unknown>);
    assert.deepEqual(withDir, {
      "target-directory": "file:///flink-data/savepoints",
      "cancel-job": false,
      formatType: "CANONICAL",
      triggerId: first,
    });
    assert.equal("target-directory" in withoutDir, false);
    assert.match(String(withoutDir.triggerId), HEX32);
    assert.notEqual(withoutDir.triggerId, first);
  });
});

Deno.test("savepoint status: in progress, completed with location, failed with cause", async () => {
  const path = `/jobs/${JOB_ID}/savepoints/${TRIGGER}`;
  const replies = [
    { status: { id: "IN_PROGRESS" }, operation: null },
    // COMPLETED without location or failure is still pending, as FKO reads it.
    { status: { id: "COMPLETED" }, operation: {} },
    { status: { id: "COMPLETED" }, operation: { location: "file:/flink-data/savepoints/sp-1" } },
    { status: { id: "COMPLETED" }, operation: { "failure-cause": SERIALIZED_THROWABLE } },
  ];
  await withFakeFlink((f) => {
    let n = 0;
    f.on("GET", path, () => ({ json: replies[n++] }));
  }, async (f) => {
    const client = f.client();
    assert.deepEqual(await client.savepointStatus(JOB_ID, TRIGGER), { state: "IN_PROGRESS" });
    assert.deepEqual(await client.savepointStatus(JOB_ID, TRIGGER), { state: "IN_PROGRESS" });
    assert.deepEqual(await client.savepointStatus(JOB_ID, TRIGGER), {
      state: "COMPLETED",
      location: "file:/flink-data/savepoints/sp-1",
    });
    const failed = await client.savepointStatus(JOB_ID, TRIGGER);
    assert.equal(failed.state, "FAILED");
    if (failed.state !== "FAILED") return;
    assert.equal(
      failed.failure,
      "java.util.concurrent.CompletionException: org.apache.flink.runtime.checkpoint." +
        "CheckpointException: Checkpoint Coordinator is suspending.",
    );
    assert.match(failed.stackTrace!, /encodeThrowable/);
  });
});

Deno.test("checkpoint trigger sends checkpointType; status reads camelCase fields", async () => {
  await withFakeFlink((f) => {
    f.on("POST", `/jobs/${JOB_ID}/checkpoints`, { status: 202, json: { "request-id": TRIGGER } });
    let n = 0;
    const replies = [
      { status: { id: "IN_PROGRESS" } },
      { status: { id: "COMPLETED" }, operation: { checkpointId: 42 } },
      { status: { id: "COMPLETED" }, operation: { failureCause: SERIALIZED_THROWABLE } },
    ];
    f.on("GET", `/jobs/${JOB_ID}/checkpoints/${TRIGGER}`, () => ({ json: replies[n++] }));
  }, async (f) => {
    const client = f.client();
    assert.equal(
      await client.triggerCheckpoint(JOB_ID, { type: "FULL", triggerId: TRIGGER }),
      TRIGGER,
    );
    assert.deepEqual(f.only("POST", `/jobs/${JOB_ID}/checkpoints`).json, {
      checkpointType: "FULL",
      triggerId: TRIGGER,
    });
    assert.deepEqual(await client.checkpointStatus(JOB_ID, TRIGGER), { state: "IN_PROGRESS" });
    assert.deepEqual(await client.checkpointStatus(JOB_ID, TRIGGER), {
      state: "COMPLETED",
      checkpointId: 42,
    });
    const failed = await client.checkpointStatus(JOB_ID, TRIGGER);
    assert.equal(failed.state, "FAILED");
  });
});

Deno.test("checkpoint details by className/status", async () => {
  await withFakeFlink((f) => {
    f.on("GET", `/jobs/${JOB_ID}/checkpoints/details/42`, {
      json: {
        className: "completed",
        id: 42,
        status: "COMPLETED",
        is_savepoint: false,
        trigger_timestamp: 1_700_000_420_000,
        external_path: "file:/flink-data/checkpoints/x/chk-42",
        discarded: false,
      },
    });
    f.on("GET", `/jobs/${JOB_ID}/checkpoints/details/43`, {
      json: { className: "failed", id: 43, failure_message: "Checkpoint was declined" },
    });
    f.on("GET", `/jobs/${JOB_ID}/checkpoints/details/44`, {
      json: { className: "in_progress", id: 44, status: "IN_PROGRESS" },
    });
  }, async (f) => {
    const client = f.client();
    assert.deepEqual(await client.checkpointDetails(JOB_ID, 42), {
      id: 42,
      status: "COMPLETED",
      externalPath: "file:/flink-data/checkpoints/x/chk-42",
      triggerTimestamp: 1_700_000_420_000,
    });
    assert.deepEqual(await client.checkpointDetails(JOB_ID, 43), {
      id: 43,
      status: "FAILED",
      failureMessage: "Checkpoint was declined",
    });
    assert.deepEqual(await client.checkpointDetails(JOB_ID, 44), { id: 44, status: "IN_PROGRESS" });
  });
});

Deno.test("savepoint disposal: trigger body and status", async () => {
  await withFakeFlink((f) => {
    f.on("POST", "/savepoint-disposal", { json: { "request-id": TRIGGER } });
    let n = 0;
    const replies = [
      { status: { id: "IN_PROGRESS" } },
      { status: { id: "COMPLETED" }, operation: {} },
      { status: { id: "COMPLETED" }, operation: { "failure-cause": SERIALIZED_THROWABLE } },
    ];
    f.on("GET", `/savepoint-disposal/${TRIGGER}`, () => ({ json: replies[n++] }));
  }, async (f) => {
    const client = f.client();
    assert.equal(await client.disposeSavepoint("s3://bucket/savepoints/sp-1"), TRIGGER);
    assert.deepEqual(f.only("POST", "/savepoint-disposal").json, {
      "savepoint-path": "s3://bucket/savepoints/sp-1",
    });
    assert.deepEqual(await client.disposalStatus(TRIGGER), { state: "IN_PROGRESS" });
    assert.deepEqual(await client.disposalStatus(TRIGGER), { state: "COMPLETED" });
    assert.equal((await client.disposalStatus(TRIGGER)).state, "FAILED");
  });
});

Deno.test("pollUntilDone drives a savepoint to completion", async () => {
  await withFakeFlink((f) => {
    let n = 0;
    f.on("GET", `/jobs/${JOB_ID}/savepoints/${TRIGGER}`, () => ({
      json: ++n < 3
        ? { status: { id: "IN_PROGRESS" } }
        : { status: { id: "COMPLETED" }, operation: { location: "file:/sp" } },
    }));
  }, async (f) => {
    const client = f.client();
    const done = await pollUntilDone(async () => {
      const s = await client.savepointStatus(JOB_ID, TRIGGER);
      return s.state === "IN_PROGRESS" ? undefined : s;
    }, { intervalMs: 5, timeoutMs: 5_000 });
    assert.deepEqual(done, { state: "COMPLETED", location: "file:/sp" });
    assert.equal(f.requests.length, 3);
  });
});

Deno.test("pollUntilDone: timeout, abort, and retryOn", async () => {
  await assert.rejects(
    pollUntilDone(() => Promise.resolve(undefined), { intervalMs: 5, timeoutMs: 30, what: "x" }),
    (err: unknown) =>
      err instanceof FlinkTimeoutError && /x did not complete within 30 ms/.test(err.message),
  );
  const controller = new AbortController();
  const aborted = pollUntilDone(() => Promise.resolve(undefined), {
    intervalMs: 10_000,
    timeoutMs: 60_000,
    signal: controller.signal,
  });
  controller.abort(new Error("shutting down"));
  await assert.rejects(aborted, /shutting down/);

  let calls = 0;
  const value = await pollUntilDone(() => {
    calls++;
    if (calls < 3) return Promise.reject(new FlinkTimeoutError("status", 10));
    return Promise.resolve("ok");
  }, { intervalMs: 1, timeoutMs: 5_000, retryOn: (e) => e instanceof FlinkTimeoutError });
  assert.equal(value, "ok");
  await assert.rejects(
    pollUntilDone(() => Promise.reject(new Error("fatal")), { intervalMs: 1, timeoutMs: 5_000 }),
    /fatal/,
  );
});

Deno.test("newTriggerId is 32 lowercase hex characters and random", () => {
  const ids = new Set(Array.from({ length: 50 }, () => newTriggerId()));
  assert.equal(ids.size, 50);
  for (const id of ids) assert.match(id, HEX32);
});
