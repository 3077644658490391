import assert from "node:assert/strict";
import {
  FlinkDeploymentStatusSchema,
  FlinkSessionJobSpecSchema,
  FlinkSessionJobStatusSchema,
  type ResourceLifecycleState,
  serializeSpecWithMeta,
} from "../../lib/api/mod.ts";
import {
  HA_METADATA_NOT_AVAILABLE,
  JOB_MAY_HAVE_TERMINATED,
  MANUAL_RESTORE_REQUIRED,
} from "../../lib/flink/spec/error_fragments.ts";
import { serializeErrorJson } from "../../lib/flink/spec/error_json.ts";
import { computeLifecycleState, type LifecycleStatus } from "../../lib/flink/spec/lifecycle.ts";
import { reconciled, spec } from "./spec_fixtures.ts";

const RUNNING_SPEC = reconciled(spec());
const SUSPENDED_SPEC = reconciled(
  spec((s) => s.job = { ...(s.job as object), state: "suspended" }),
);
const OTHER_SPEC = reconciled(spec((s) => s.image = "flink:2.0"));
const SESSION_SPEC = reconciled(spec((s) => delete s.job));

interface Case {
  readonly rule: string;
  readonly status: LifecycleStatus;
  readonly expected: ResourceLifecycleState;
}

const deployed = (extra: Partial<LifecycleStatus> = {}): LifecycleStatus => ({
  jobStatus: { state: "RUNNING" },
  jobManagerDeploymentStatus: "READY",
  ...extra,
  reconciliationStatus: {
    state: "DEPLOYED",
    lastReconciledSpec: RUNNING_SPEC,
    lastStableSpec: OTHER_SPEC,
    ...extra.reconciliationStatus,
  },
});

// One case per rule of reference §1.12, plus the rules' precedence.
const CASES: Case[] = [
  {
    rule: "1: DELETING is kept",
    status: { ...deployed(), lifecycleState: "DELETING" },
    expected: "DELETING",
  },
  {
    rule: "1: DELETED is kept",
    status: { lifecycleState: "DELETED", error: "x" },
    expected: "DELETED",
  },
  {
    rule: "1: other stored values are recomputed",
    status: { ...deployed(), lifecycleState: "FAILED" },
    expected: "DEPLOYED",
  },
  { rule: "2: never deployed, no error", status: {}, expected: "CREATED" },
  { rule: "2: never deployed, empty error", status: { error: "" }, expected: "CREATED" },
  { rule: "2: never deployed, with error", status: { error: "invalid" }, expected: "FAILED" },
  {
    rule: "3: UPGRADING",
    status: deployed({
      reconciliationStatus: { state: "UPGRADING" },
      jobStatus: { state: "FAILED" },
    }),
    expected: "UPGRADING",
  },
  {
    rule: "3: absent reconciliation state defaults to UPGRADING",
    status: { reconciliationStatus: { lastReconciledSpec: RUNNING_SPEC } },
    expected: "UPGRADING",
  },
  {
    rule: "3: ROLLING_BACK",
    status: deployed({ reconciliationStatus: { state: "ROLLING_BACK" } }),
    expected: "ROLLING_BACK",
  },
  {
    rule: "4: recorded job state suspended",
    status: deployed({
      reconciliationStatus: { lastReconciledSpec: SUSPENDED_SPEC },
      jobStatus: { state: "FAILED" },
    }),
    expected: "SUSPENDED",
  },
  {
    rule: "4: suspended wins over ROLLED_BACK",
    status: deployed({
      reconciliationStatus: { state: "ROLLED_BACK", lastReconciledSpec: SUSPENDED_SPEC },
    }),
    expected: "SUSPENDED",
  },
  {
    rule: "5: job FAILED",
    status: deployed({ jobStatus: { state: "FAILED" } }),
    expected: "FAILED",
  },
  ...[MANUAL_RESTORE_REQUIRED, HA_METADATA_NOT_AVAILABLE, JOB_MAY_HAVE_TERMINATED].flatMap((
    fragment,
  ) =>
    (["MISSING", "ERROR"] as const).map((jobManager) => ({
      rule: `6: JM ${jobManager} with "${fragment.slice(0, 20)}..." in the error`,
      status: deployed({
        jobManagerDeploymentStatus: jobManager,
        jobStatus: { state: "RECONCILING" },
        error: serializeErrorJson(new Error(`Something happened. ${fragment}`)),
      }),
      expected: "FAILED" as const,
    }))
  ),
  {
    rule: "6: JM MISSING with another error is not FAILED",
    status: deployed({
      jobManagerDeploymentStatus: "MISSING",
      error: "Missing JobManager deployment",
    }),
    expected: "DEPLOYED",
  },
  {
    rule: "6: JM READY with a significant error is not FAILED",
    status: deployed({ error: MANUAL_RESTORE_REQUIRED }),
    expected: "DEPLOYED",
  },
  {
    rule: "7: ROLLED_BACK",
    status: deployed({ reconciliationStatus: { state: "ROLLED_BACK" } }),
    expected: "ROLLED_BACK",
  },
  {
    rule: "7: ROLLED_BACK wins over STABLE",
    status: deployed({
      reconciliationStatus: { state: "ROLLED_BACK", lastStableSpec: RUNNING_SPEC },
    }),
    expected: "ROLLED_BACK",
  },
  {
    rule: "8: lastReconciledSpec equals lastStableSpec",
    status: deployed({ reconciliationStatus: { lastStableSpec: RUNNING_SPEC } }),
    expected: "STABLE",
  },
  {
    rule: "8: equality is on the strings (firstDeployment flag differs)",
    status: deployed({ reconciliationStatus: { lastStableSpec: reconciled(spec(), true) } }),
    expected: "DEPLOYED",
  },
  { rule: "9: otherwise DEPLOYED", status: deployed(), expected: "DEPLOYED" },
  {
    rule: "session cluster (no job in the spec) is STABLE",
    status: deployed({
      jobStatus: {},
      reconciliationStatus: { lastReconciledSpec: SESSION_SPEC, lastStableSpec: SESSION_SPEC },
    }),
    expected: "STABLE",
  },
  {
    rule: "an unreadable lastReconciledSpec counts as not suspended",
    status: deployed({ reconciliationStatus: { lastReconciledSpec: "{not json" } }),
    expected: "DEPLOYED",
  },
];

for (const testCase of CASES) {
  Deno.test(`computeLifecycleState: ${testCase.rule}`, () => {
    assert.equal(
      computeLifecycleState(testCase.status, { kind: "FlinkDeployment" }),
      testCase.expected,
    );
  });
}

Deno.test("computeLifecycleState: rule 6 only applies to FlinkDeployments", () => {
  const jobSpec = FlinkSessionJobSpecSchema.parse({
    deploymentName: "session",
    job: { jarURI: "https://example.com/job.jar" },
  });
  const status: LifecycleStatus = {
    jobManagerDeploymentStatus: "MISSING",
    error: `x ${MANUAL_RESTORE_REQUIRED}`,
    jobStatus: { state: "RECONCILING" },
    reconciliationStatus: {
      state: "DEPLOYED",
      lastReconciledSpec: serializeSpecWithMeta("FlinkSessionJob", jobSpec, {
        firstDeployment: false,
      }),
    },
  };
  assert.equal(computeLifecycleState(status, { kind: "FlinkSessionJob" }), "DEPLOYED");
  assert.equal(computeLifecycleState(status, { kind: "FlinkDeployment" }), "FAILED");
});

Deno.test("computeLifecycleState: accepts parsed statuses of both kinds", () => {
  const deploymentStatus = FlinkDeploymentStatusSchema.parse({});
  const sessionJobStatus = FlinkSessionJobStatusSchema.parse({});
  assert.equal(computeLifecycleState(deploymentStatus, { kind: "FlinkDeployment" }), "CREATED");
  assert.equal(computeLifecycleState(sessionJobStatus, { kind: "FlinkSessionJob" }), "CREATED");
});

Deno.test("computeLifecycleState: legacy lastReconciledSpec format", () => {
  const legacy = JSON.stringify({
    ...JSON.parse(SUSPENDED_SPEC).spec,
    apiVersion: "flink.apache.org/v1beta1",
  });
  const status = deployed({ reconciliationStatus: { lastReconciledSpec: legacy } });
  assert.equal(computeLifecycleState(status, { kind: "FlinkDeployment" }), "SUSPENDED");
});
