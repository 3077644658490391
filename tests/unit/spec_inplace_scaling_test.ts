import assert from "node:assert/strict";
import {
  inPlaceScalingUnsupported,
  planInPlaceScaling,
} from "../../lib/flink/spec/inplace_scaling.ts";

const OK = {
  hasJob: true,
  enabled: true,
  flinkVersion: "v1_18",
  scheduler: "adaptive",
  jobState: "RUNNING",
} as const;

Deno.test("in-place scaling conditions: job, option, Flink 1.18+, adaptive scheduler, live job", () => {
  assert.equal(inPlaceScalingUnsupported(OK), undefined);
  assert.equal(inPlaceScalingUnsupported({ ...OK, scheduler: "Adaptive" }), undefined);
  assert.equal(inPlaceScalingUnsupported({ ...OK, jobState: "RESTARTING" }), undefined);
  assert.equal(inPlaceScalingUnsupported({ ...OK, flinkVersion: "v2_0" }), undefined);
  assert.match(inPlaceScalingUnsupported({ ...OK, hasJob: false })!, /disabled/);
  assert.match(inPlaceScalingUnsupported({ ...OK, enabled: false })!, /disabled/);
  assert.match(inPlaceScalingUnsupported({ ...OK, flinkVersion: "v1_17" })!, /1\.18/);
  assert.match(inPlaceScalingUnsupported({ ...OK, flinkVersion: undefined })!, /1\.18/);
  assert.match(inPlaceScalingUnsupported({ ...OK, scheduler: undefined })!, /adaptive/);
  assert.match(inPlaceScalingUnsupported({ ...OK, scheduler: "default" })!, /adaptive/);
  for (const state of ["FAILED", "FINISHED", "CANCELED", "RECONCILING"]) {
    assert.match(inPlaceScalingUnsupported({ ...OK, jobState: state })!, new RegExp(state));
  }
});

const A = "a".repeat(32);
const B = "b".repeat(32);

Deno.test("in-place scaling plan: overrides become upper bounds, lower bounds only drop", () => {
  const current = { [A]: { lowerBound: 2, upperBound: 4 }, [B]: { lowerBound: 1, upperBound: 3 } };
  assert.deepEqual(planInPlaceScaling(current, { [A]: "1" }, { [A]: "4" }), {
    kind: "update",
    requirements: { [A]: { lowerBound: 1, upperBound: 1 }, [B]: { lowerBound: 1, upperBound: 3 } },
  });
  assert.deepEqual(planInPlaceScaling(current, { [A]: "8" }, {}), {
    kind: "update",
    requirements: { [A]: { lowerBound: 2, upperBound: 8 }, [B]: { lowerBound: 1, upperBound: 3 } },
  });
  // Already there: nothing to send, yet no redeploy either.
  assert.deepEqual(planInPlaceScaling(current, { [A]: "4" }, { [A]: "2" }), { kind: "unchanged" });
  // An override for a vertex the job does not have changes nothing (as FKO).
  assert.deepEqual(planInPlaceScaling(current, { ["c".repeat(32)]: "2" }, {}), {
    kind: "unchanged",
  });
});

Deno.test("in-place scaling plan: what needs a redeploy", () => {
  const current = { [A]: { lowerBound: 1, upperBound: 4 } };
  assert.equal(planInPlaceScaling(current, {}, {}).kind, "redeploy");
  const removed = planInPlaceScaling(current, {}, { [A]: "4" });
  assert.equal(removed.kind, "redeploy");
  assert.match((removed as { reason: string }).reason, /removed/);
  assert.equal(planInPlaceScaling(current, { [A]: "four" }, {}).kind, "redeploy");
  assert.equal(planInPlaceScaling(current, { [A]: "2.5" }, {}).kind, "redeploy");
});
