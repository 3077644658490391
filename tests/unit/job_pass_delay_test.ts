import assert from "node:assert/strict";
import { loadOperatorConfig } from "../../lib/config/operator_config.ts";
import { inFlightDelayMs } from "../../lib/flink/job/pass_delay.ts";

function pass(sinceActionMs: number, progressCheckIntervalMs = 10_000) {
  const now = 1_000_000;
  return {
    env: { now: () => now, config: { progressCheckIntervalMs } },
    status: { reconciliationStatus: { reconciliationTimestamp: now - sinceActionMs } },
  } as unknown as Parameters<typeof inFlightDelayMs>[0];
}

Deno.test("in-flight delay: soon after an action, backing off to the progress check", () => {
  assert.equal(inFlightDelayMs(pass(0)), 50, "right after the action: the minimum");
  assert.equal(inFlightDelayMs(pass(1000)), 200, "a fifth of the time since the action");
  assert.equal(inFlightDelayMs(pass(60_000)), 10_000, "never beyond the progress check");
  assert.equal(inFlightDelayMs(pass(60_000, 300)), 300);
  assert.equal(inFlightDelayMs(pass(-5)), 50, "a clock step back still waits the minimum");
});

Deno.test("observer.progress-check.interval: the operator's option caps the in-flight delay", () => {
  const config = loadOperatorConfig({
    args: ["--set", "kubernetes.operator.observer.progress-check.interval=3 s"],
    env: {},
    readFile: () => null,
  });
  const now = 1_000_000;
  const p = {
    env: { now: () => now, config },
    status: { reconciliationStatus: { reconciliationTimestamp: now - 60_000 } },
  } as unknown as Parameters<typeof inFlightDelayMs>[0];
  assert.equal(inFlightDelayMs(p), 3_000);
});
