import assert from "node:assert/strict";
import { type RollbackInput, shouldRollBack } from "../../lib/flink/spec/rollback.ts";

const NOW = 1_800_000_000_000;
const TIMEOUT = 5 * 60_000;

/** A deployment whose new spec has not become stable within the readiness timeout. */
function input(overrides: Partial<RollbackInput> = {}): RollbackInput {
  return {
    rollbackEnabled: true,
    reconciliationState: "DEPLOYED",
    specChanged: false,
    lastReconciledSpec: '{"spec":{"image":"new"}}',
    lastStableSpec: '{"spec":{"image":"old"}}',
    lastStableJobState: "running",
    lastStableFlinkVersion: "v1_20",
    flinkVersion: "v1_20",
    lastReconciledUpgradeMode: "last-state",
    reconciliationTimestamp: NOW - TIMEOUT - 1,
    readinessTimeoutMs: TIMEOUT,
    now: NOW,
    jobManagerPodNeverStarted: false,
    haMetadataAvailable: true,
    ...overrides,
  };
}

// One case per condition of reference §3.10.
const CASES: [string, Partial<RollbackInput>, boolean][] = [
  ["all conditions hold, HA metadata available", {}, true],
  ["a rollback in progress continues", {
    reconciliationState: "ROLLING_BACK",
    rollbackEnabled: false,
  }, true],
  ["a rollback in progress continues even with a spec change", {
    reconciliationState: "ROLLING_BACK",
    specChanged: true,
  }, true],
  ["a pending spec change wins", { specChanged: true }, false],
  ["rollback disabled", { rollbackEnabled: false }, false],
  ["already ROLLED_BACK", { reconciliationState: "ROLLED_BACK" }, false],
  ["no stable spec yet", { lastStableSpec: undefined }, false],
  ["deployed spec is the stable one", { lastStableSpec: '{"spec":{"image":"new"}}' }, false],
  ["stable spec is suspended", { lastStableJobState: "suspended" }, false],
  ["session cluster stable spec has no job state", {
    lastStableJobState: undefined,
    lastReconciledUpgradeMode: undefined,
  }, true],
  ["flinkVersion changed against the stable spec", { flinkVersion: "v2_0" }, false],
  ["readiness timeout not over", { reconciliationTimestamp: NOW - TIMEOUT + 1 }, false],
  ["readiness timeout exactly reached", { reconciliationTimestamp: NOW - TIMEOUT }, false],
  ["no HA metadata", { haMetadataAvailable: false }, false],
  [
    "no HA metadata but a savepoint deploy whose JobManager never started",
    {
      haMetadataAvailable: false,
      lastReconciledUpgradeMode: "savepoint",
      jobManagerPodNeverStarted: true,
    },
    true,
  ],
  [
    "no HA metadata, JobManager never started after a last-state deploy",
    { haMetadataAvailable: false, jobManagerPodNeverStarted: true },
    false,
  ],
];

for (const [name, overrides, expected] of CASES) {
  Deno.test(`shouldRollBack: ${name}`, () => {
    assert.equal(shouldRollBack(input(overrides)), expected);
  });
}
