/**
 * The pure parts of `flinkop plan`: the edits it applies (--set, --patch), the route and steps of
 * a change that the controller and plan share (job_change.ts), the upgrade decision explaining
 * itself, and the read-only context refusing writes. The plan against a live operator is
 * tests/integration/plan_test.ts.
 */
import assert from "node:assert/strict";
import { applySet, mergePatch, parsePatch, splitPath } from "../../lib/cli/plan_edit.ts";
import { changeStep, restoreModeFor, specRoute } from "../../lib/flink/job/job_change.ts";
import {
  readOnlyClient,
  readOnlyContext,
  WriteRefused,
} from "../../lib/flink/job/read_only_context.ts";
import { FlinkDeployments } from "../../lib/flink/resources.ts";
import { decideJobUpgrade, type JobUpgradeInput } from "../../lib/flink/spec/upgrade.ts";
import { KubeClient } from "../../lib/kube/client.ts";
import { ConnectionError } from "../../lib/kube/errors.ts";
import { Resources } from "../../lib/kube/resource.ts";

Deno.test("plan --set: dotted paths, YAML values, flat map keys, lists, null removes", () => {
  const obj = {
    spec: {
      job: { parallelism: 2, args: ["--a"] },
      flinkConfiguration: { "state.backend.type": "hashmap", "x.y": "1" },
    },
  };
  let edited = applySet(obj, "spec.job.parallelism=4");
  assert.equal((edited.spec as typeof obj.spec).job.parallelism, 4);
  assert.equal(obj.spec.job.parallelism, 2, "the input is not changed");
  edited = applySet(edited, "spec.flinkConfiguration.state.backend.type=rocksdb");
  edited = applySet(edited, "spec.flinkConfiguration.taskmanager.numberOfTaskSlots=4");
  edited = applySet(edited, "spec.flinkConfiguration.x.y=null");
  assert.deepEqual((edited.spec as typeof obj.spec).flinkConfiguration, {
    "state.backend.type": "rocksdb",
    "taskmanager.numberOfTaskSlots": "4", // a string inside flinkConfiguration
  });
  edited = applySet(edited, "spec.job.args.1=--b");
  edited = applySet(edited, "spec.job.state=suspended");
  assert.deepEqual((edited.spec as typeof obj.spec).job, {
    parallelism: 4,
    args: ["--a", "--b"],
    state: "suspended",
  });
  edited = applySet(edited, "spec.job.args=[--c, --d]");
  assert.deepEqual((edited.spec as typeof obj.spec).job.args, ["--c", "--d"]);
  edited = applySet(edited, "metadata.annotations.sim.flinkop.dev/crash=true");
  assert.deepEqual(edited.metadata, { annotations: { "sim.flinkop.dev/crash": "true" } });
  assert.deepEqual(applySet(obj, "spec.missing.field=null"), obj, "removing nothing");

  assert.deepEqual(splitPath("spec.flinkConfiguration.a.b.c"), [
    "spec",
    "flinkConfiguration",
    "a.b.c",
  ]);
  assert.throws(() => applySet(obj, "spec.job.parallelism"), /PATH=VALUE/);
  assert.throws(() => applySet(obj, "spec..job=1"), /empty segment/);
  assert.throws(() => applySet(obj, "spec.job.parallelism.x=1"), /not an object or a list/);
  assert.throws(() => applySet(obj, "spec.job.args.5=x"), /past the end/);
});

Deno.test("plan --patch: a JSON merge patch (RFC 7386)", () => {
  const live = { metadata: { name: "a", labels: { x: "1" } }, spec: { job: { state: "running" } } };
  const patch = parsePatch(
    '{"metadata":{"labels":{"x":null}},"spec":{"job":{"state":"suspended"}}}',
  );
  assert.deepEqual(mergePatch(live, patch), {
    metadata: { name: "a", labels: {} },
    spec: { job: { state: "suspended" } },
  });
  assert.deepEqual(mergePatch({ a: [1, 2] }, { a: [3] }), { a: [3] }, "lists are replaced");
  assert.throws(() => parsePatch("[1]"), /must be a JSON object/);
  assert.throws(() => parsePatch("{"), /not JSON/);
});

Deno.test("specRoute: what a pass does about a pending change", () => {
  const route = (diffType: Parameters<typeof specRoute>[0]["diffType"], upgrading = false) =>
    specRoute({ diffType, upgrading, stableSpecRequested: false });
  assert.equal(route("IGNORE"), "none");
  assert.equal(route("IGNORE", true), "upgrade", "a half-done change is finished");
  assert.equal(route("SCALE"), "scale");
  assert.equal(route("SCALE", true), "upgrade", "no in-place scaling in the middle of an upgrade");
  assert.equal(route("UPGRADE"), "upgrade");
  assert.equal(route("SAVEPOINT_REDEPLOY"), "savepoint-redeploy");
  assert.equal(route("SAVEPOINT_REDEPLOY", true), "savepoint-redeploy");
  assert.equal(
    specRoute({ diffType: "UPGRADE", upgrading: false, stableSpecRequested: true }),
    "record-stable-spec",
  );
});

Deno.test("changeStep: stop a running job first, then restore or record it suspended", () => {
  const step = (over: Partial<Parameters<typeof changeStep>[0]>) =>
    changeStep({
      savepointRedeploy: false,
      recordedJobState: "running",
      recordedUpgradeMode: "savepoint",
      desiredJobState: "running",
      specUpgradeMode: "savepoint",
      ...over,
    });
  assert.deepEqual(step({ savepointRedeploy: true }), { kind: "redeploy-from-savepoint" });
  assert.deepEqual(step({}), { kind: "stop" });
  assert.deepEqual(step({ desiredJobState: "suspended" }), { kind: "stop" });
  // After the stop: recorded suspended, in the decided restore mode.
  assert.deepEqual(step({ recordedJobState: "suspended", recordedUpgradeMode: "last-state" }), {
    kind: "restore",
    restoreMode: "last-state",
  });
  assert.deepEqual(
    step({ recordedJobState: "suspended", desiredJobState: "suspended" }),
    { kind: "record-suspended", restoreMode: "savepoint" },
  );
  // The user now asks for stateless: the recorded restore mode no longer counts.
  assert.deepEqual(step({ recordedJobState: "suspended", specUpgradeMode: "stateless" }), {
    kind: "restore",
    restoreMode: "stateless",
  });
  assert.equal(restoreModeFor("last-state", "savepoint"), "savepoint");
  assert.equal(restoreModeFor("stateless", "savepoint"), "stateless");
});

Deno.test("decideJobUpgrade explains each way of stopping the job", () => {
  const input = (over: Partial<JobUpgradeInput>): JobUpgradeInput => ({
    specUpgradeMode: "savepoint",
    lastReconciledUpgradeMode: "savepoint",
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
    now: 1_800_000_000_000,
    savepointsDirConfigured: true,
    isSessionJob: false,
    ...over,
  });
  const why = (over: Partial<JobUpgradeInput>) => {
    const d = decideJobUpgrade(input(over));
    assert.equal(d.kind, "available", JSON.stringify(d));
    return d.kind === "available" ? d.why : "";
  };
  assert.match(why({}), /savepoint mode and the job is RUNNING: stop-with-savepoint/);
  assert.match(
    why({ jobState: "RECONCILING", jobManagerDeploymentStatus: "ERROR" }),
    /savepoint mode, but the job is RECONCILING \(not RUNNING\).*falls back to last-state.*HA metadata is available/,
  );
  assert.match(why({ specUpgradeMode: "stateless" }), /upgradeMode is stateless/);
  assert.match(
    why({ specUpgradeMode: "last-state", haMetadataAvailable: false }),
    /RUNNING and there is no HA metadata to restore from: it is cancelled/,
  );
  assert.match(
    why({
      specUpgradeMode: "last-state",
      maxCheckpointAgeMs: 60_000,
      jobStartTime: 1,
      checkpointInfo: { newestCompletedAt: 1_800_000_000_000 - 600_000 },
    }),
    /newest checkpoint is older than .*max\.allowed\.checkpoint\.age \(60s\).*savepoint is taken/,
  );
  assert.match(
    why({ specUpgradeMode: "last-state", flinkVersion: "v2_0" }),
    /Flink version changes \(v1_20 -> v2_0\).*stop-with-savepoint/,
  );
});

Deno.test("the read-only context refuses every write, reads go through", async () => {
  const client = KubeClient.fromConnection({
    server: "http://127.0.0.1:1",
    skipTlsVerify: false,
    headers: {},
    describe: "nowhere",
  });
  const ro = readOnlyClient(client);
  await assert.rejects(
    () => ro.create(FlinkDeployments, "ns", { metadata: { name: "x" } }),
    WriteRefused,
  );
  await assert.rejects(() => ro.patch(FlinkDeployments, "ns", "x", { spec: {} }), WriteRefused);
  await assert.rejects(() => ro.delete(FlinkDeployments, "ns", "x"), WriteRefused);
  // A GET is sent (and fails here only because nothing listens).
  await assert.rejects(() => ro.get(FlinkDeployments, "ns", "x"), ConnectionError);

  const raw = { metadata: { name: "x", namespace: "ns" } };
  const ctx = await readOnlyContext(client, raw, [], AbortSignal.timeout(1000));
  await assert.rejects(() => ctx.writeStatus(raw, {}), WriteRefused);
  await assert.rejects(
    () => ctx.events.record(raw, { type: "Normal", reason: "R", message: "m" }),
    WriteRefused,
  );
  assert.throws(() => ctx.enqueue("ns/y"), WriteRefused);
  assert.throws(() => ctx.cache(Resources.pods), /no cache of pods/);
  client.close();
});
