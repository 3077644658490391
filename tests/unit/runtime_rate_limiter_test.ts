import assert from "node:assert/strict";
import { RateLimiter } from "../../lib/runtime/rate_limiter.ts";
import { WorkQueue } from "../../lib/runtime/queue.ts";

const RETRY = { initialMs: 10, factor: 2, maxMs: 80 };

/** A clock the test moves by hand. */
function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => now += ms };
}

Deno.test("rate limiter: `limit` passes per window, then the wait until the window ends", () => {
  const time = clock();
  const limiter = new RateLimiter({ limit: 2, periodMs: 15_000 }, time.now);
  assert.equal(limiter.acquire("a"), 0);
  time.advance(1_000);
  assert.equal(limiter.acquire("a"), 0);
  time.advance(1_000);
  assert.equal(limiter.acquire("a"), 13_000, "third pass waits for the window opened at 0 s");
  // A refused pass is not counted: asking again later still says the same window end.
  time.advance(3_000);
  assert.equal(limiter.acquire("a"), 10_000);
  // Other keys have their own windows.
  assert.equal(limiter.acquire("b"), 0);
  time.advance(10_000);
  assert.equal(limiter.acquire("a"), 0, "a new window opens when the old one ends");
  assert.equal(limiter.acquire("a"), 0);
  assert.ok(limiter.acquire("a") > 0);
});

Deno.test("rate limiter: a limit of 0 or less disables it", () => {
  for (const limit of [0, -1]) {
    const limiter = new RateLimiter({ limit, periodMs: 15_000 }, clock().now);
    assert.equal(limiter.enabled, false);
    for (let i = 0; i < 100; i++) assert.equal(limiter.acquire("a"), 0);
  }
});

Deno.test("rate limiter: a forgotten key starts afresh; waits are never shorter than 50 ms", () => {
  const time = clock();
  const limiter = new RateLimiter({ limit: 1, periodMs: 1_000 }, time.now);
  assert.equal(limiter.acquire("a"), 0);
  time.advance(999);
  assert.equal(limiter.acquire("a"), 50);
  limiter.forget("a");
  assert.equal(limiter.acquire("a"), 0);
});

Deno.test("work queue: a rate-limited key waits instead of running, and is not dropped", async () => {
  const time = clock();
  const limiter = new RateLimiter({ limit: 2, periodMs: 60_000 }, time.now);
  const q = new WorkQueue(1, RETRY, limiter);
  const runs: string[] = [];
  q.start((key) => {
    runs.push(key);
    return Promise.resolve();
  });
  for (let i = 0; i < 3; i++) {
    q.add("a");
    await q.idle();
  }
  q.add("b");
  await q.idle();
  assert.deepEqual(runs, ["a", "a", "b"], "the third pass of a waits; b is not held up");
  assert.equal(q.scheduledCount, 1, "the limited pass is kept as a delayed add");
  // More adds while it waits neither run nor pile up.
  q.add("a");
  await q.idle();
  assert.deepEqual(runs, ["a", "a", "b"]);
  assert.equal(q.scheduledCount, 1);
  // Once its window is over, the next add of the key runs (the timer would do the same).
  time.advance(60_000);
  q.add("a");
  await q.idle();
  assert.deepEqual(runs, ["a", "a", "b", "a"]);
  await q.shutdown();
});

Deno.test("work queue: the delayed pass of a rate-limited key runs by itself", async () => {
  const q = new WorkQueue(1, RETRY, { limit: 1, periodMs: 200 });
  let runs = 0;
  let second!: () => void;
  const ranTwice = new Promise<void>((r) => second = r);
  q.start(() => {
    if (++runs === 2) second();
    return Promise.resolve();
  });
  q.add("a");
  await q.idle();
  q.add("a");
  await q.idle();
  assert.equal(runs, 1, "the second pass waits for the window");
  // The queue's timers do not keep a process alive; this test must stay alive for them.
  const keepAlive = setInterval(() => {}, 20);
  await ranTwice;
  clearInterval(keepAlive);
  assert.equal(runs, 2);
  await q.shutdown();
});
