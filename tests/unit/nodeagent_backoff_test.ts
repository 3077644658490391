import assert from "node:assert/strict";
import { CrashBackoff, exponentialDelay, withJitter } from "../../cluster/nodeagent/backoff.ts";

Deno.test("backoff: exponential delay doubles from the base and stops at the cap", () => {
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5, 6].map((n) => exponentialDelay(n, 10_000, 300_000)),
    [10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000],
  );
  assert.equal(exponentialDelay(5000, 1, 7), 7, "no overflow for huge attempts");
});

Deno.test("backoff: jitter stays within ±20 %", () => {
  assert.equal(withJitter(1000, () => 0), 800);
  assert.equal(withJitter(1000, () => 1), 1200);
  assert.equal(withJitter(1000, () => 0.5), 1000);
});

Deno.test("backoff: crash back-off restarts at once, then waits like kubelet (10s, 20s, … 5m)", () => {
  const backoff = new CrashBackoff({ baseMs: 10_000, maxMs: 300_000 });
  const delays = Array.from({ length: 8 }, () => backoff.next(1_000));
  assert.deepEqual(delays, [0, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000]);
});

Deno.test("backoff: a container that ran for 2×max starts its back-off over", () => {
  const backoff = new CrashBackoff({ baseMs: 100, maxMs: 1_000 });
  assert.deepEqual([backoff.next(5), backoff.next(5), backoff.next(5)], [0, 100, 200]);
  assert.equal(backoff.next(2_000), 0);
  assert.equal(backoff.next(5), 100);
  backoff.reset();
  assert.equal(backoff.next(5), 0);
});
