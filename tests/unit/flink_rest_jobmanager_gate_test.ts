import assert from "node:assert/strict";
import { FlinkTimeoutError, FlinkUnreachableError } from "../../lib/flink/rest/errors.ts";
import { JobManagerGate } from "../../lib/flink/rest/jobmanager_gate.ts";

/** A request that answers when told to (or fails as a timeout). */
function pending<T = string>() {
  let answer!: (v: T) => void;
  let fail!: (e: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    answer = res;
    fail = rej;
  });
  return { promise, answer, fail };
}

const call = (host: string, what = "GET /v1/jobs/overview", timeoutMs = 10_000) => ({
  host,
  timeoutMs,
  what,
});

Deno.test("jobmanager gate: at most maxInFlight requests to one JobManager; the next waits its turn", async () => {
  const gate = new JobManagerGate({ maxInFlight: 2, stallMs: 60_000 });
  const sent: string[] = [];
  const requests = [pending(), pending(), pending()];
  const results = requests.map((r, i) =>
    gate.run(call("jm-a", `GET /${i}`), () => {
      sent.push(`GET /${i}`);
      return r.promise;
    })
  );
  await Promise.resolve();
  assert.deepEqual(sent, ["GET /0", "GET /1"]);
  assert.equal(gate.inFlight, 2);
  assert.equal(gate.waiting, 1);
  requests[0].answer("zero");
  assert.equal(await results[0], "zero");
  await Promise.resolve();
  assert.deepEqual(sent, ["GET /0", "GET /1", "GET /2"]);
  requests[1].answer("one");
  requests[2].answer("two");
  assert.deepEqual(await Promise.all(results.slice(1)), ["one", "two"]);
  assert.equal(gate.count("answered"), 3);
  assert.equal(gate.inFlight, 0);
  assert.equal(gate.waiting, 0);
});

Deno.test("jobmanager gate: a stalled JobManager gets no request queued; another JobManager is not held up", async () => {
  let now = 0;
  const gate = new JobManagerGate({ maxInFlight: 1, stallMs: 5_000 }, () => now);
  const hanging = pending();
  const first = gate.run(call("jm-hanging"), () => hanging.promise);
  // Nothing answered for longer than the stall timeout, the request in flight is overdue.
  now = 6_000;
  assert.equal(gate.stalled("jm-hanging"), true);
  await assert.rejects(
    gate.run(call("jm-hanging", "GET /v1/jobs/abc"), () => Promise.resolve("never sent")),
    (err: Error) =>
      err instanceof FlinkUnreachableError && /GET \/v1\/jobs\/abc not sent/.test(err.message),
  );
  assert.equal(gate.count("rejected"), 1);
  // Another JobManager's requests go straight through.
  assert.equal(await gate.run(call("jm-other"), () => Promise.resolve("ok")), "ok");
  hanging.fail(new FlinkTimeoutError("GET /v1/jobs/overview", 10_000, "jm-hanging"));
  await assert.rejects(first, FlinkTimeoutError);
  assert.equal(gate.count("timeout"), 1);
  assert.equal(gate.stalled("jm-hanging"), false);
});

Deno.test("jobmanager gate: a waiter whose deadline passes before its turn fails as a timeout", async () => {
  const gate = new JobManagerGate({ maxInFlight: 1, stallMs: 60_000 });
  const slow = pending();
  const first = gate.run(call("jm"), () => slow.promise);
  await assert.rejects(
    gate.run(call("jm", "GET /v1/config", 30), () => Promise.resolve("late")),
    FlinkTimeoutError,
  );
  slow.answer("done");
  assert.equal(await first, "done");
  assert.equal(gate.waiting, 0);
});

Deno.test("jobmanager gate: refuses a bound below one request", () => {
  assert.throws(() => new JobManagerGate({ maxInFlight: 0 }), /maxInFlight must be at least 1/);
});
