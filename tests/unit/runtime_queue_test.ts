import assert from "node:assert/strict";
import { SharedSlots, WorkQueue } from "../../lib/runtime/queue.ts";
import { backoffDelay, MAX_TIMER_MS } from "../../lib/runtime/backoff.ts";

const RETRY = { initialMs: 10, factor: 2, maxMs: 80 };
const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

Deno.test("queue dedupes a key added many times while waiting", async () => {
  const q = new WorkQueue(1, RETRY);
  const seen: string[] = [];
  q.add("a");
  q.add("a");
  q.add("b");
  q.add("a");
  q.start(async (k) => {
    seen.push(k);
    await tick();
  });
  await q.idle();
  assert.deepEqual(seen, ["a", "b"]);
});

Deno.test("a key is never processed twice at once, and re-runs when changed mid-run", async () => {
  const q = new WorkQueue(4, RETRY);
  let running = 0;
  let maxRunning = 0;
  let runs = 0;
  q.start(async () => {
    running++;
    runs++;
    maxRunning = Math.max(maxRunning, running);
    await tick(5);
    running--;
  });
  q.add("k");
  await tick(1);
  // Added three times during the run: exactly one more pass afterwards.
  q.add("k");
  q.add("k");
  q.add("k");
  await q.idle();
  assert.equal(maxRunning, 1);
  assert.equal(runs, 2);
});

Deno.test("concurrency across keys is bounded", async () => {
  const q = new WorkQueue(3, RETRY);
  let running = 0;
  let maxRunning = 0;
  q.start(async () => {
    running++;
    maxRunning = Math.max(maxRunning, running);
    await tick(3);
    running--;
  });
  for (let i = 0; i < 20; i++) q.add(`k${i}`);
  await q.idle();
  assert.equal(maxRunning, 3);
});

Deno.test("schedule replaces an earlier delayed add; addAfter keeps the earliest", async () => {
  const q = new WorkQueue(1, RETRY);
  const seen: string[] = [];
  q.start((k) => {
    seen.push(k);
    return Promise.resolve();
  });
  q.schedule("a", 5);
  q.schedule("a", 10_000); // the later result wins
  q.addAfter("b", 10_000);
  q.addAfter("b", 5); // earlier wins
  await tick(40);
  assert.deepEqual(seen, ["b"]);
  assert.equal(q.scheduledCount, 1);
  await q.shutdown();
});

Deno.test("rate-limited adds back off exponentially per key up to the cap, forget resets", () => {
  const q = new WorkQueue(1, RETRY);
  const delays = [1, 2, 3, 4, 5].map(() => q.addRateLimited("x"));
  assert.deepEqual(delays, [10, 20, 40, 80, 80]);
  assert.equal(q.failures("x"), 5);
  q.forget("x");
  assert.equal(q.failures("x"), 0);
  assert.equal(q.addRateLimited("x"), 10);
  q.remove("x");
  assert.equal(q.scheduledCount, 0);
});

Deno.test("a failing handler does not stop the queue", async () => {
  const q = new WorkQueue(1, RETRY);
  const seen: string[] = [];
  q.start((k) => {
    seen.push(k);
    return k === "bad" ? Promise.reject(new Error("boom")) : Promise.resolve();
  });
  q.add("bad");
  q.add("good");
  await q.idle();
  assert.deepEqual(seen, ["bad", "good"]);
});

Deno.test("shutdown waits for in-flight work and drops the rest", async () => {
  const q = new WorkQueue(1, RETRY);
  const done: string[] = [];
  q.start(async (k) => {
    await tick(10);
    done.push(k);
  });
  q.add("first");
  q.add("second");
  await tick(1);
  await q.shutdown();
  assert.deepEqual(done, ["first"]);
  q.add("third");
  await tick(15);
  assert.deepEqual(done, ["first"]);
});

Deno.test("backoff as JOSDK's GenericRetry: the initial interval twice, then growing; capped by timers", () => {
  const josdk = { initialMs: 100, factor: 2, maxMs: MAX_TIMER_MS, initialAttempts: 2 };
  assert.deepEqual([1, 2, 3, 4, 5].map((a) => backoffDelay(josdk, a)), [100, 100, 200, 400, 800]);
  assert.equal(backoffDelay(josdk, 200), MAX_TIMER_MS, "no cap configured: a timer's longest wait");
});

Deno.test("queues sharing slots run at most that many passes together, and all of them", async () => {
  const slots = new SharedSlots(2);
  const queues = [new WorkQueue(slots, RETRY), new WorkQueue(slots, RETRY)];
  let inFlight = 0;
  let most = 0;
  const done: string[] = [];
  queues.forEach((q, i) => {
    for (const k of ["a", "b", "c"]) q.add(`${i}${k}`);
    q.start(async (k) => {
      most = Math.max(most, ++inFlight);
      await tick(5);
      inFlight--;
      done.push(k);
    });
  });
  await Promise.all(queues.map((q) => q.idle()));
  assert.equal(most, 2);
  assert.equal(done.length, 6);
  assert.equal(slots.used, 0);
});

Deno.test("backoff delay with jitter never exceeds the cap", () => {
  const policy = { initialMs: 100, factor: 3, maxMs: 1000, jitter: 0.5 };
  for (let attempt = 1; attempt < 10; attempt++) {
    const d = backoffDelay(policy, attempt, () => 0.99);
    assert.ok(d <= 1000 && d >= Math.min(1000, 100 * 3 ** (attempt - 1)));
  }
});
