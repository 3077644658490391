import assert from "node:assert/strict";
import {
  FLINK_JOB_STATES,
  JOB_MANAGER_DEPLOYMENT_STATUSES,
  UPGRADE_MODES,
} from "../../lib/api/mod.ts";
import {
  HA_METADATA_NOT_AVAILABLE,
  JOB_MAY_HAVE_TERMINATED,
  MANUAL_RESTORE_REQUIRED,
} from "../../lib/flink/spec/error_fragments.ts";
import {
  allowLastStateCancel,
  checkpointInfoRequired,
  decideJobUpgrade,
  isJobCancellable,
  type JobUpgradeDecision,
  type JobUpgradeInput,
  LAST_STATE_SAVEPOINT_SENTINEL,
} from "../../lib/flink/spec/upgrade.ts";

const NOW = 1_800_000_000_000;
const MINUTE = 60_000;

/** A running application with HA, nothing unusual. */
function input(overrides: Partial<JobUpgradeInput> = {}): JobUpgradeInput {
  return {
    specUpgradeMode: "last-state",
    lastReconciledUpgradeMode: "last-state",
    lastReconciledFlinkVersion: "v1_20",
    flinkVersion: "v1_20",
    jobState: "RUNNING",
    jobManagerDeploymentStatus: "READY",
    haEnabledInDeployConfig: true,
    haEnabledInObserveConfig: true,
    haMetadataAvailable: true,
    jobManagerPodNeverStarted: false,
    lastStateFallbackEnabled: true,
    lastStateJobCancelEnabled: false,
    now: NOW,
    savepointsDirConfigured: true,
    isSessionJob: false,
    ...overrides,
  };
}

const available = (suspend: string, restoreMode: string) => ({
  kind: "available" as const,
  suspend,
  restoreMode,
});

interface Row {
  readonly rule: string;
  readonly input: JobUpgradeInput;
  /** The fields of the decision to check. */
  readonly expected: {
    readonly kind: JobUpgradeDecision["kind"];
    readonly [field: string]: unknown;
  };
}

// One or more cases per row of the reference's §3.6 table.
const ROWS: Row[] = [
  // 1
  {
    rule: "1: stateless, job running",
    input: input({ specUpgradeMode: "stateless" }),
    expected: available("STATELESS", "stateless"),
  },
  {
    rule: "1: stateless, job terminal",
    input: input({ specUpgradeMode: "stateless", jobState: "FINISHED" }),
    expected: available("NOOP", "stateless"),
  },
  {
    rule: "1: stateless even if the job was deployed stateful",
    input: input({ specUpgradeMode: "stateless", lastReconciledUpgradeMode: "savepoint" }),
    expected: available("STATELESS", "stateless"),
  },
  // 2
  {
    rule: "2: CANCELED restores from the observed checkpoint",
    input: input({ jobState: "CANCELED", upgradeSavepointPath: "s3://b/chk-7" }),
    expected: available("NOOP", "savepoint"),
  },
  {
    rule: "2: FAILED without HA metadata",
    input: input({
      jobState: "FAILED",
      jobManagerDeploymentStatus: "MISSING",
      haMetadataAvailable: false,
    }),
    expected: available("NOOP", "savepoint"),
  },
  {
    rule: "2: FINISHED with the JobManager still READY",
    input: input({ specUpgradeMode: "savepoint", jobState: "FINISHED" }),
    expected: available("NOOP", "savepoint"),
  },
  {
    rule: "2: no recorded path restarts from empty state (still a savepoint restore)",
    input: input({ jobState: "CANCELED", upgradeSavepointPath: undefined }),
    expected: available("NOOP", "savepoint"),
  },
  {
    rule: "2: the last-state sentinel means the last checkpoint is unknown",
    input: input({ jobState: "FAILED", upgradeSavepointPath: LAST_STATE_SAVEPOINT_SENTINEL }),
    expected: { kind: "fail", reason: "UpgradeFailed" },
  },
  {
    rule: "2 does not apply: FAILED with HA metadata and the JobManager gone",
    input: input({
      jobState: "FAILED",
      jobManagerDeploymentStatus: "MISSING",
      upgradeSavepointPath: LAST_STATE_SAVEPOINT_SENTINEL,
    }),
    expected: available("LAST_STATE", "last-state"),
  },
  {
    rule: "2: terminal session job",
    input: input({ isSessionJob: true, jobState: "FAILED", jobManagerDeploymentStatus: undefined }),
    expected: available("NOOP", "savepoint"),
  },
  // 3
  {
    rule: "3: CANCELLING waits for the cancellation",
    input: input({ jobState: "CANCELLING" }),
    expected: { kind: "pending-cancellation" },
  },
  {
    rule: "3: CANCELLING in savepoint mode",
    input: input({ specUpgradeMode: "savepoint", jobState: "CANCELLING" }),
    expected: { kind: "pending-cancellation" },
  },
  // 4
  {
    rule: "4: savepoint mode, job running",
    input: input({ specUpgradeMode: "savepoint", haMetadataAvailable: false }),
    expected: available("SAVEPOINT", "savepoint"),
  },
  // 5
  {
    rule: "5: savepoint mode, not running, fallback enabled → last-state (HA)",
    input: input({ specUpgradeMode: "savepoint", jobState: "RESTARTING" }),
    expected: available("LAST_STATE", "last-state"),
  },
  {
    rule: "5: savepoint mode, not running, fallback disabled → wait",
    input: input({
      specUpgradeMode: "savepoint",
      jobState: "RESTARTING",
      lastStateFallbackEnabled: false,
    }),
    expected: { kind: "wait", reason: "savepoint-fallback-disabled" },
  },
  {
    rule: "5: savepoint mode, not running, no fallback, version change → last-state rules",
    input: input({
      specUpgradeMode: "savepoint",
      jobState: "RESTARTING",
      lastStateFallbackEnabled: false,
      flinkVersion: "v2_0",
    }),
    expected: available("CANCEL", "savepoint"),
  },
  // 6
  {
    rule: "6: version change, running with savepoint dir → savepoint",
    input: input({ flinkVersion: "v2_0" }),
    expected: available("SAVEPOINT", "savepoint"),
  },
  {
    rule: "6: version change, running without savepoint dir → cancel",
    input: input({ flinkVersion: "v2_0", savepointsDirConfigured: false }),
    expected: available("CANCEL", "savepoint"),
  },
  {
    rule: "6: version change, not running but cancellable → cancel",
    input: input({ flinkVersion: "v2_0", jobState: "RESTARTING" }),
    expected: available("CANCEL", "savepoint"),
  },
  {
    rule: "6: version change, not cancellable → wait (never HA across versions)",
    input: input({ flinkVersion: "v2_0", jobState: "RECONCILING" }),
    expected: { kind: "wait", reason: "version-change-needs-running-job" },
  },
  {
    rule: "6: version change, no savepoint dir, JobManager not READY → wait",
    input: input({
      flinkVersion: "v2_0",
      savepointsDirConfigured: false,
      jobManagerDeploymentStatus: "DEPLOYED_NOT_READY",
    }),
    expected: { kind: "wait", reason: "version-change-needs-running-job" },
  },
  // 7
  {
    rule: "7: running with HA metadata → last-state via HA",
    input: input(),
    expected: available("LAST_STATE", "last-state"),
  },
  {
    rule: "7: running, cancel preferred by job-cancel.enabled",
    input: input({ lastStateJobCancelEnabled: true }),
    expected: available("CANCEL", "savepoint"),
  },
  {
    rule: "7: running without HA metadata → cancel",
    input: input({ haMetadataAvailable: false }),
    expected: available("CANCEL", "savepoint"),
  },
  {
    rule: "7: running session job → cancel",
    input: input({ isSessionJob: true, jobManagerDeploymentStatus: undefined }),
    expected: available("CANCEL", "savepoint"),
  },
  {
    rule: "7: max age set, job started within it → default",
    input: input({ maxCheckpointAgeMs: 10 * MINUTE, jobStartTime: NOW - 5 * MINUTE }),
    expected: available("LAST_STATE", "last-state"),
  },
  {
    rule: "7: max age set, recent completed checkpoint → default",
    input: input({
      maxCheckpointAgeMs: 10 * MINUTE,
      jobStartTime: NOW - 60 * MINUTE,
      checkpointInfo: { newestCompletedAt: NOW - 9 * MINUTE },
    }),
    expected: available("LAST_STATE", "last-state"),
  },
  {
    rule: "7: max age set, old checkpoint, recent pending one → wait",
    input: input({
      maxCheckpointAgeMs: 10 * MINUTE,
      jobStartTime: NOW - 60 * MINUTE,
      checkpointInfo: { newestCompletedAt: NOW - 30 * MINUTE, pendingStartedAt: NOW - MINUTE },
    }),
    expected: { kind: "wait", reason: "checkpoint-in-progress" },
  },
  {
    rule: "7: max age set, old checkpoint → savepoint",
    input: input({
      maxCheckpointAgeMs: 10 * MINUTE,
      jobStartTime: NOW - 60 * MINUTE,
      checkpointInfo: { newestCompletedAt: NOW - 30 * MINUTE },
    }),
    expected: available("SAVEPOINT", "savepoint"),
  },
  {
    rule: "7: max age set, no checkpoint at all → savepoint",
    input: input({ maxCheckpointAgeMs: 10 * MINUTE, jobStartTime: NOW - 60 * MINUTE }),
    expected: available("SAVEPOINT", "savepoint"),
  },
  {
    rule: "7: checkpoint exactly max age old is too old",
    input: input({
      maxCheckpointAgeMs: 10 * MINUTE,
      jobStartTime: NOW - 60 * MINUTE,
      checkpointInfo: { newestCompletedAt: NOW - 10 * MINUTE },
    }),
    expected: available("SAVEPOINT", "savepoint"),
  },
  {
    rule: "7: savepoint mode fallback does not reach rule 7 while running",
    input: input({ specUpgradeMode: "savepoint", lastStateJobCancelEnabled: true }),
    expected: available("SAVEPOINT", "savepoint"),
  },
  // 8
  {
    rule: "8: not running, cancellable, no HA metadata → cancel",
    input: input({ jobState: "RESTARTING", haMetadataAvailable: false }),
    expected: available("CANCEL", "savepoint"),
  },
  {
    rule: "8: not running, cancellable session job → cancel",
    input: input({ jobState: "INITIALIZING", isSessionJob: true }),
    expected: available("CANCEL", "savepoint"),
  },
  // 9
  {
    rule: "9: not cancellable, HA metadata → last-state",
    input: input({ jobState: "RECONCILING", jobManagerDeploymentStatus: "MISSING" }),
    expected: available("LAST_STATE", "last-state"),
  },
  {
    rule: "9: HA off in the observe config → no HA upgrade",
    input: input({
      jobState: "RECONCILING",
      jobManagerDeploymentStatus: "DEPLOYING",
      haEnabledInObserveConfig: false,
    }),
    expected: { kind: "wait", reason: "not-upgradable" },
  },
  {
    rule: "9: HA off in the deploy config → no HA upgrade",
    input: input({
      jobState: "RECONCILING",
      jobManagerDeploymentStatus: "MISSING",
      haEnabledInDeployConfig: false,
    }),
    expected: { kind: "wait", reason: "not-upgradable" },
  },
  {
    rule: "9: JobManager never started after a savepoint deploy → delete it and retry",
    input: input({
      jobState: "RECONCILING",
      jobManagerDeploymentStatus: "DEPLOYING",
      haMetadataAvailable: false,
      lastReconciledUpgradeMode: "savepoint",
      jobManagerPodNeverStarted: true,
    }),
    expected: { kind: "delete-unstarted-jm-and-retry" },
  },
  {
    rule: "9: JobManager never started after a last-state deploy → not deleted",
    input: input({
      jobState: "RECONCILING",
      jobManagerDeploymentStatus: "DEPLOYING",
      haMetadataAvailable: false,
      lastReconciledUpgradeMode: "last-state",
      jobManagerPodNeverStarted: true,
    }),
    expected: { kind: "wait", reason: "not-upgradable" },
  },
  {
    rule: "9: JobManager MISSING without HA metadata → manual restore",
    input: input({
      jobState: "RECONCILING",
      jobManagerDeploymentStatus: "MISSING",
      haMetadataAvailable: false,
    }),
    expected: { kind: "fail", reason: "UpgradeFailed" },
  },
  {
    rule: "9: JobManager ERROR without HA metadata → manual restore",
    input: input({
      jobState: "RECONCILING",
      jobManagerDeploymentStatus: "ERROR",
      haMetadataAvailable: false,
    }),
    expected: { kind: "fail", reason: "UpgradeFailed" },
  },
  {
    rule: "9: otherwise wait",
    input: input({
      jobState: "RECONCILING",
      jobManagerDeploymentStatus: "DEPLOYED_NOT_READY",
      haMetadataAvailable: false,
    }),
    expected: { kind: "wait", reason: "not-upgradable" },
  },
  {
    rule: "9 is application-only: session job not cancellable waits",
    input: input({
      isSessionJob: true,
      jobState: "RECONCILING",
      jobManagerDeploymentStatus: undefined,
      haMetadataAvailable: false,
    }),
    expected: { kind: "wait", reason: "not-upgradable" },
  },
];

for (const row of ROWS) {
  Deno.test(`decideJobUpgrade: ${row.rule}`, () => {
    const decision = decideJobUpgrade(row.input);
    assert.deepEqual(
      pick(decision, Object.keys(row.expected)),
      row.expected,
      JSON.stringify(decision),
    );
  });
}

Deno.test("decideJobUpgrade: failure messages carry FKO's significant fragments", () => {
  const unknownCheckpoint = decideJobUpgrade(
    input({ jobState: "FAILED", upgradeSavepointPath: LAST_STATE_SAVEPOINT_SENTINEL }),
  );
  assert.equal(unknownCheckpoint.kind, "fail");
  assert.ok(unknownCheckpoint.kind === "fail");
  assert.match(unknownCheckpoint.message, /last checkpoint is unknown/);
  assert.ok(unknownCheckpoint.message.endsWith(MANUAL_RESTORE_REQUIRED));

  const missing = decideJobUpgrade(input({
    jobState: "RECONCILING",
    jobManagerDeploymentStatus: "MISSING",
    haMetadataAvailable: false,
  }));
  assert.ok(missing.kind === "fail");
  for (
    const fragment of [HA_METADATA_NOT_AVAILABLE, JOB_MAY_HAVE_TERMINATED, MANUAL_RESTORE_REQUIRED]
  ) {
    assert.ok(missing.message.includes(fragment), missing.message);
  }
});

Deno.test("checkpointInfoRequired: only when the max-age rule needs checkpoint statistics", () => {
  const base = { maxCheckpointAgeMs: 10 * MINUTE, jobStartTime: NOW - 60 * MINUTE };
  assert.equal(checkpointInfoRequired(input(base)), true);
  assert.equal(checkpointInfoRequired(input()), false); // no max age
  assert.equal(checkpointInfoRequired(input({ ...base, jobStartTime: NOW - MINUTE })), false);
  assert.equal(checkpointInfoRequired(input({ ...base, jobState: "RESTARTING" })), false);
  assert.equal(checkpointInfoRequired(input({ ...base, specUpgradeMode: "savepoint" })), false);
  assert.equal(checkpointInfoRequired(input({ ...base, specUpgradeMode: "stateless" })), false);
  assert.equal(checkpointInfoRequired(input({ ...base, flinkVersion: "v2_0" })), false);
});

const CANCEL_ROWS: [string, Parameters<typeof allowLastStateCancel>[0], boolean][] = [
  ["unknown job state", cancelInput({ jobState: undefined }), false],
  ["RECONCILING", cancelInput({ jobState: "RECONCILING" }), false],
  ["globally terminal", cancelInput({ jobState: "FINISHED" }), false],
  ["JobManager not READY", cancelInput({ jobManagerDeploymentStatus: "DEPLOYING" }), false],
  ["HA metadata present, cancel not enabled", cancelInput({}), false],
  ["HA metadata missing", cancelInput({ haMetadataAvailable: false }), true],
  ["job-cancel.enabled", cancelInput({ lastStateJobCancelEnabled: true }), true],
  [
    "session job",
    cancelInput({ isSessionJob: true, jobManagerDeploymentStatus: undefined }),
    true,
  ],
  ["session job not running yet", cancelInput({ isSessionJob: true, jobState: "CREATED" }), true],
];

for (const [name, cancelCase, expected] of CANCEL_ROWS) {
  Deno.test(`allowLastStateCancel: ${name}`, () => {
    assert.equal(allowLastStateCancel(cancelCase), expected);
  });
}

Deno.test("isJobCancellable: needs a known, non-terminal state and a READY JobManager", () => {
  assert.equal(isJobCancellable(cancelInput({})), true);
  assert.equal(isJobCancellable(cancelInput({ jobState: "CANCELED" })), false);
  assert.equal(isJobCancellable(cancelInput({ jobManagerDeploymentStatus: "MISSING" })), false);
  assert.equal(
    isJobCancellable(cancelInput({ isSessionJob: true, jobManagerDeploymentStatus: undefined })),
    true,
  );
});

Deno.test("decideJobUpgrade: a stateful spec is never upgraded statelessly (full matrix)", () => {
  const jobStates = [...FLINK_JOB_STATES, undefined, "UNKNOWN_STATE"];
  const jobManagers = [...JOB_MANAGER_DEPLOYMENT_STATUSES, undefined];
  const paths = [undefined, "s3://b/chk-1", LAST_STATE_SAVEPOINT_SENTINEL];
  const checkpointCases = [
    {},
    { maxCheckpointAgeMs: 10 * MINUTE, jobStartTime: NOW - 60 * MINUTE },
    {
      maxCheckpointAgeMs: 10 * MINUTE,
      jobStartTime: NOW - 60 * MINUTE,
      checkpointInfo: { pendingStartedAt: NOW - MINUTE },
    },
  ];
  let count = 0;
  for (const specUpgradeMode of ["savepoint", "last-state"] as const) {
    for (const lastReconciledUpgradeMode of UPGRADE_MODES) {
      for (const flinkVersion of ["v1_20", "v2_0"] as const) {
        for (const jobState of jobStates) {
          for (const jobManagerDeploymentStatus of jobManagers) {
            for (const flags of booleanCombinations(7)) {
              const [haDeploy, haObserve, haMetadata, neverStarted, fallback, cancel, session] =
                flags;
              for (const savepointsDirConfigured of [true, false]) {
                for (const upgradeSavepointPath of paths) {
                  for (const checkpoints of checkpointCases) {
                    const decision = decideJobUpgrade(input({
                      specUpgradeMode,
                      lastReconciledUpgradeMode,
                      flinkVersion,
                      jobState,
                      jobManagerDeploymentStatus,
                      haEnabledInDeployConfig: haDeploy,
                      haEnabledInObserveConfig: haObserve,
                      haMetadataAvailable: haMetadata,
                      jobManagerPodNeverStarted: neverStarted,
                      lastStateFallbackEnabled: fallback,
                      lastStateJobCancelEnabled: cancel,
                      isSessionJob: session,
                      savepointsDirConfigured,
                      upgradeSavepointPath,
                      ...checkpoints,
                    }));
                    count++;
                    if (decision.kind !== "available") continue;
                    const context = JSON.stringify({ specUpgradeMode, jobState, flags, decision });
                    assert.notEqual(decision.restoreMode, "stateless", context);
                    assert.notEqual(decision.suspend, "STATELESS", context);
                    // HA metadata cannot carry state across Flink versions.
                    if (flinkVersion !== "v1_20") {
                      assert.notEqual(decision.restoreMode, "last-state", context);
                    }
                    // Session jobs have no HA path.
                    if (session) assert.notEqual(decision.suspend, "LAST_STATE", context);
                  }
                }
              }
            }
          }
        }
      }
    }
  }
  assert.ok(count > 100_000, `matrix covered ${count} inputs`);
});

function cancelInput(
  overrides: Partial<Parameters<typeof allowLastStateCancel>[0]>,
): Parameters<typeof allowLastStateCancel>[0] {
  return {
    jobState: "RUNNING",
    jobManagerDeploymentStatus: "READY",
    isSessionJob: false,
    haMetadataAvailable: true,
    lastStateJobCancelEnabled: false,
    ...overrides,
  };
}

function booleanCombinations(size: number): boolean[][] {
  return Array.from(
    { length: 2 ** size },
    (_, bits) => Array.from({ length: size }, (_, index) => (bits & (1 << index)) !== 0),
  );
}

function pick(value: object, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(keys.map((key) => [key, (value as Record<string, unknown>)[key]]));
}
