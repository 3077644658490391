import assert from "node:assert/strict";
import {
  type Condition,
  FLINK_JOB_STATES,
  JOB_MANAGER_DEPLOYMENT_STATUSES,
  RECONCILIATION_STATES,
} from "../../lib/api/mod.ts";
import {
  type ConditionStatus,
  deploymentConditions,
  runningCondition,
} from "../../lib/flink/spec/conditions.ts";
import { serializeErrorJson } from "../../lib/flink/spec/error_json.ts";
import { computeLifecycleState } from "../../lib/flink/spec/lifecycle.ts";
import { reconciled, spec } from "./spec_fixtures.ts";

const NOW = new Date("2026-07-20T10:00:00.000Z");
const EARLIER = "2026-07-01T08:00:00.000Z";

const APP_SPEC = reconciled(spec());
const APP_SUSPENDED_SPEC = reconciled(
  spec((s) => s.job = { ...(s.job as object), state: "suspended" }),
);
const SESSION_SPEC = reconciled(spec((s) => delete s.job));

function status(
  overrides: Partial<ConditionStatus> & {
    state?: "DEPLOYED" | "UPGRADING" | "ROLLING_BACK" | "ROLLED_BACK";
    lastReconciledSpec?: string | null;
    stable?: boolean;
  } = {},
): ConditionStatus {
  const { state = "DEPLOYED", lastReconciledSpec = APP_SPEC, stable = true, ...rest } = overrides;
  const last = lastReconciledSpec ?? undefined;
  return {
    jobStatus: { state: "RUNNING" },
    jobManagerDeploymentStatus: "READY",
    ...rest,
    reconciliationStatus: {
      state,
      lastReconciledSpec: last,
      lastStableSpec: stable ? last : undefined,
    },
  };
}

function byType(conditions: readonly Condition[]): Record<string, Condition> {
  return Object.fromEntries(conditions.map((condition) => [condition.type, condition]));
}

/** type → [status, reason] */
function summary(conditions: readonly Condition[]): Record<string, [string, string]> {
  return Object.fromEntries(
    conditions.map((c) => [c.type ?? "", [c.status ?? "", c.reason ?? ""] as [string, string]]),
  );
}

// ---- Running (FKO) ----

const RUNNING_CASES: [string, ConditionStatus, boolean, Condition][] = [
  [
    "application RUNNING",
    status(),
    true,
    { type: "Running", status: "True", reason: "Running", message: "Job status RUNNING" },
  ],
  [
    "application FAILED",
    status({ jobStatus: { state: "FAILED" } }),
    true,
    { type: "Running", status: "False", reason: "Failed", message: "Job status FAILED" },
  ],
  [
    "application RECONCILING",
    status({ jobStatus: { state: "RECONCILING" } }),
    true,
    { type: "Running", status: "False", reason: "Reconciling", message: "Job status RECONCILING" },
  ],
  [
    "application with unknown job state",
    status({ jobStatus: {} }),
    true,
    { type: "Running", status: "False", reason: "Reconciling", message: "Job status RECONCILING" },
  ],
  [
    "session READY",
    status({ lastReconciledSpec: SESSION_SPEC, jobStatus: {} }),
    false,
    {
      type: "Running",
      status: "True",
      reason: "JobManagerReady",
      message: "JobManager is running and ready to receive REST API calls",
    },
  ],
  [
    "session DEPLOYING",
    status({ lastReconciledSpec: SESSION_SPEC, jobManagerDeploymentStatus: "DEPLOYING" }),
    false,
    {
      type: "Running",
      status: "False",
      reason: "JobManagerIsDeploying",
      message: "JobManager process is starting up",
    },
  ],
  [
    "session MISSING",
    status({ lastReconciledSpec: SESSION_SPEC, jobManagerDeploymentStatus: "MISSING" }),
    false,
    {
      type: "Running",
      status: "False",
      reason: "JobManagerDeploymentMissing",
      message: "JobManager deployment not found",
    },
  ],
];

for (const [name, input, isApplication, expected] of RUNNING_CASES) {
  Deno.test(`runningCondition: ${name}`, () => {
    assert.deepEqual(runningCondition(input, isApplication, NOW, []), {
      ...expected,
      lastTransitionTime: NOW.toISOString(),
    });
  });
}

Deno.test("runningCondition: lastTransitionTime only changes when the status flips", () => {
  const previous: Condition[] = [{
    type: "Running",
    status: "False",
    reason: "Reconciling",
    message: "Job status RECONCILING",
    lastTransitionTime: EARLIER,
  }];
  const stillNotRunning = runningCondition(
    status({ jobStatus: { state: "CREATED" } }),
    true,
    NOW,
    previous,
  );
  assert.equal(stillNotRunning.lastTransitionTime, EARLIER);
  assert.equal(stillNotRunning.reason, "Created");
  assert.equal(
    runningCondition(status(), true, NOW, previous).lastTransitionTime,
    NOW.toISOString(),
  );
});

Deno.test("runningCondition: defaults to the conditions in the status", () => {
  const withPrevious = status({
    conditions: [{ type: "Running", status: "True", lastTransitionTime: EARLIER }],
  });
  assert.equal(runningCondition(withPrevious, true, NOW).lastTransitionTime, EARLIER);
});

// ---- The full set ----

interface SetCase {
  readonly name: string;
  readonly status: ConditionStatus;
  readonly isApplication?: boolean;
  readonly expected: Record<string, [string, string]>;
}

const SET_CASES: SetCase[] = [
  {
    name: "never deployed",
    status: status({ lastReconciledSpec: null, jobStatus: {} }),
    expected: {
      Ready: ["False", "Created"],
      Progressing: ["False", "Created"],
      Degraded: ["False", "AsExpected"],
    },
  },
  {
    name: "never deployed, validation failed",
    status: status({ lastReconciledSpec: null, jobStatus: {}, error: "spec.x: bad; fix it" }),
    expected: {
      Ready: ["False", "Failed"],
      Progressing: ["False", "Failed"],
      Degraded: ["True", "Error"],
    },
  },
  {
    name: "application STABLE and running",
    status: status(),
    expected: {
      Running: ["True", "Running"],
      Ready: ["True", "Ready"],
      Progressing: ["False", "Stable"],
      Degraded: ["False", "AsExpected"],
    },
  },
  {
    name: "application UPGRADING",
    status: status({
      state: "UPGRADING",
      jobStatus: { state: "FINISHED" },
      jobManagerDeploymentStatus: "MISSING",
    }),
    expected: {
      Running: ["False", "Finished"],
      Ready: ["False", "Upgrading"],
      Progressing: ["True", "Upgrading"],
      Degraded: ["False", "AsExpected"],
    },
  },
  {
    name: "application ROLLING_BACK",
    status: status({ state: "ROLLING_BACK", jobStatus: { state: "RECONCILING" } }),
    expected: {
      Running: ["False", "Reconciling"],
      Ready: ["False", "RollingBack"],
      Progressing: ["True", "RollingBack"],
      Degraded: ["False", "AsExpected"],
    },
  },
  {
    name: "application DEPLOYED, job starting",
    status: status({
      stable: false,
      jobStatus: { state: "RECONCILING" },
      jobManagerDeploymentStatus: "DEPLOYING",
    }),
    expected: {
      Running: ["False", "Reconciling"],
      Ready: ["False", "JobReconciling"],
      Progressing: ["True", "Deploying"],
      Degraded: ["False", "AsExpected"],
    },
  },
  {
    name: "application DEPLOYED and running, not yet marked stable",
    status: status({ stable: false }),
    expected: {
      Running: ["True", "Running"],
      Ready: ["True", "Ready"],
      Progressing: ["False", "Deployed"],
      Degraded: ["False", "AsExpected"],
    },
  },
  {
    name: "application job FAILED",
    status: status({ jobStatus: { state: "FAILED" }, error: "boom" }),
    expected: {
      Running: ["False", "Failed"],
      Ready: ["False", "Failed"],
      Progressing: ["False", "Failed"],
      Degraded: ["True", "JobFailed"],
    },
  },
  {
    name: "application JobManager ERROR",
    status: status({
      stable: false,
      jobStatus: { state: "RECONCILING" },
      jobManagerDeploymentStatus: "ERROR",
      error: serializeErrorJson(new Error("back-off restarting failed container")),
    }),
    expected: {
      Running: ["False", "Reconciling"],
      Ready: ["False", "JobReconciling"],
      Progressing: ["False", "Degraded"],
      Degraded: ["True", "JobManagerDeploymentError"],
    },
  },
  {
    name: "application JobManager MISSING while it should run",
    status: status({ jobStatus: { state: "RECONCILING" }, jobManagerDeploymentStatus: "MISSING" }),
    expected: {
      Running: ["False", "Reconciling"],
      Ready: ["False", "JobReconciling"],
      Progressing: ["False", "Stable"],
      Degraded: ["True", "JobManagerDeploymentMissing"],
    },
  },
  {
    name: "application suspended, JobManager MISSING as expected",
    status: status({
      lastReconciledSpec: APP_SUSPENDED_SPEC,
      jobStatus: { state: "FINISHED" },
      jobManagerDeploymentStatus: "MISSING",
    }),
    expected: {
      Running: ["False", "Finished"],
      Ready: ["False", "Suspended"],
      Progressing: ["False", "Suspended"],
      Degraded: ["False", "AsExpected"],
    },
  },
  {
    name: "application finished, JobManager removed after the TTL",
    status: status({
      stable: false,
      jobStatus: { state: "FINISHED" },
      jobManagerDeploymentStatus: "MISSING",
    }),
    expected: {
      Running: ["False", "Finished"],
      Ready: ["False", "JobFinished"],
      Progressing: ["False", "JobFinished"],
      Degraded: ["False", "AsExpected"],
    },
  },
  {
    name: "application running with a pending validation error",
    status: status({ error: "spec.job.parallelism: must be at least 1; set it" }),
    expected: {
      Running: ["True", "Running"],
      Ready: ["True", "Ready"],
      Progressing: ["False", "Stable"],
      Degraded: ["True", "Error"],
    },
  },
  {
    name: "application ROLLED_BACK and running",
    status: status({ state: "ROLLED_BACK" }),
    expected: {
      Running: ["True", "Running"],
      Ready: ["False", "RolledBack"],
      Progressing: ["False", "RolledBack"],
      Degraded: ["False", "AsExpected"],
    },
  },
  {
    name: "session STABLE",
    isApplication: false,
    status: status({ lastReconciledSpec: SESSION_SPEC, jobStatus: {} }),
    expected: {
      Running: ["True", "JobManagerReady"],
      Ready: ["True", "Ready"],
      Progressing: ["False", "Stable"],
      Degraded: ["False", "AsExpected"],
    },
  },
  {
    name: "session deploying",
    isApplication: false,
    status: status({
      lastReconciledSpec: SESSION_SPEC,
      stable: false,
      jobStatus: {},
      jobManagerDeploymentStatus: "DEPLOYED_NOT_READY",
    }),
    expected: {
      Running: ["False", "DeployedNotReady"],
      Ready: ["False", "DeployedNotReady"],
      Progressing: ["True", "Deploying"],
      Degraded: ["False", "AsExpected"],
    },
  },
  {
    name: "session JobManager MISSING",
    isApplication: false,
    status: status({
      lastReconciledSpec: SESSION_SPEC,
      jobStatus: {},
      jobManagerDeploymentStatus: "MISSING",
    }),
    expected: {
      Running: ["False", "JobManagerDeploymentMissing"],
      Ready: ["False", "JobManagerDeploymentMissing"],
      Progressing: ["False", "Stable"],
      Degraded: ["True", "JobManagerDeploymentMissing"],
    },
  },
];

for (const testCase of SET_CASES) {
  Deno.test(`deploymentConditions: ${testCase.name}`, () => {
    const conditions = deploymentConditions(testCase.status, {
      isApplication: testCase.isApplication ?? true,
      now: NOW,
    });
    assert.deepEqual(summary(conditions), testCase.expected);
    assert.deepEqual(
      conditions.map((c) => c.type),
      ["Running", "Ready", "Progressing", "Degraded"].filter((t) => t in testCase.expected),
    );
  });
}

Deno.test("deploymentConditions: Degraded carries the error message, secrets masked", () => {
  const error = serializeErrorJson(new Error("cannot connect with password=hunter2"));
  const conditions = byType(
    deploymentConditions(status({ error, stable: false }), { isApplication: true, now: NOW }),
  );
  assert.equal(conditions.Degraded.message, "cannot connect with password=******");
  const plain = byType(
    deploymentConditions(status({ error: "token: abc failed" }), { isApplication: true, now: NOW }),
  );
  assert.equal(plain.Degraded.message, "token: ****** failed");
});

Deno.test("deploymentConditions: observedGeneration on our conditions, not on Running", () => {
  const conditions = byType(
    deploymentConditions({ ...status(), observedGeneration: 7 }, { isApplication: true, now: NOW }),
  );
  assert.equal(conditions.Running.observedGeneration, undefined);
  assert.equal(conditions.Ready.observedGeneration, 7);
  assert.equal(conditions.Degraded.observedGeneration, 7);
});

Deno.test("deploymentConditions: unchanged conditions keep lastTransitionTime", () => {
  const first = deploymentConditions(
    status({ stable: false, jobStatus: { state: "RECONCILING" } }),
    { isApplication: true, now: new Date(EARLIER) },
  );
  const second = byType(deploymentConditions(
    { ...status({ error: "x" }), conditions: first },
    { isApplication: true, now: NOW },
  ));
  // All four flip between the two calls...
  assert.equal(second.Running.lastTransitionTime, NOW.toISOString()); // False → True
  assert.equal(second.Ready.lastTransitionTime, NOW.toISOString()); // False → True
  assert.equal(second.Progressing.lastTransitionTime, NOW.toISOString()); // True → False
  assert.equal(second.Degraded.lastTransitionTime, NOW.toISOString()); // False → True
  // ...and none between the last two.
  const third = byType(deploymentConditions(
    { ...status({ error: "y" }), conditions: Object.values(second) },
    { isApplication: true, now: new Date("2026-08-01T00:00:00Z") },
  ));
  for (const type of ["Running", "Ready", "Progressing", "Degraded"]) {
    assert.equal(third[type].lastTransitionTime, NOW.toISOString(), type);
  }
});

Deno.test("deploymentConditions: consistent with each other and the lifecycle", () => {
  const specs = [APP_SPEC, APP_SUSPENDED_SPEC, SESSION_SPEC, null];
  for (const lastReconciledSpec of specs) {
    for (const state of RECONCILIATION_STATES) {
      for (const stable of [true, false]) {
        for (const jobState of [...FLINK_JOB_STATES, undefined]) {
          for (const jobManager of JOB_MANAGER_DEPLOYMENT_STATUSES) {
            for (const error of [undefined, "boom"]) {
              const input = status({
                lastReconciledSpec,
                state,
                stable,
                jobStatus: { state: jobState },
                jobManagerDeploymentStatus: jobManager,
                error,
              });
              const isApplication = lastReconciledSpec !== SESSION_SPEC;
              const c = byType(deploymentConditions(input, { isApplication, now: NOW }));
              const lifecycle = computeLifecycleState(input, { kind: "FlinkDeployment" });
              const context = JSON.stringify({ lifecycle, state, stable, jobState, jobManager });
              if (c.Ready.status === "True") {
                assert.ok(["STABLE", "DEPLOYED"].includes(lifecycle), context);
                assert.equal(c.Running?.status, "True", context);
              }
              assert.ok(!(c.Ready.status === "True" && c.Progressing.status === "True"), context);
              if (c.Progressing.status === "True" && c.Degraded.status === "True") {
                assert.ok(["UPGRADING", "ROLLING_BACK"].includes(lifecycle), context);
              }
              assert.equal(c.Degraded.status === "True", c.Degraded.reason !== "AsExpected");
              if (error !== undefined || lifecycle === "FAILED") {
                assert.equal(c.Degraded.status, "True", context);
              }
              assert.equal("Running" in c, lastReconciledSpec !== null, context);
            }
          }
        }
      }
    }
  }
});
