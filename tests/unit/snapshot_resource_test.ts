import assert from "node:assert/strict";
import { parseFlinkStateSnapshot } from "../../lib/api/parse.ts";
import {
  desiredSnapshotLabels,
  jobSnapshotSelector,
  labelPatch,
  operatorSnapshotResource,
  snapshotResourceName,
  triggerTypeOf,
  validateSnapshot,
} from "../../lib/flink/snapshot/mod.ts";

const snapshot = (spec: Record<string, unknown>, status: Record<string, unknown> = {}) =>
  parseFlinkStateSnapshot({ metadata: { name: "s", namespace: "ns" }, spec, status });

const valid = { supportedKinds: ["FlinkDeployment"] as const, jobExists: true };

Deno.test("snapshot names follow FKO: <resource>-<type>-<trigger>-<millis>", () => {
  assert.equal(
    snapshotResourceName("app", "SAVEPOINT", "UPGRADE", 1721469600000),
    "app-savepoint-upgrade-1721469600000",
  );
  assert.equal(
    snapshotResourceName("app", "CHECKPOINT", "PERIODIC", 1),
    "app-checkpoint-periodic-1",
  );
});

Deno.test("operator-created snapshots are labelled and carry no owner reference", () => {
  const obj = operatorSnapshotResource({
    namespace: "ns",
    job: { kind: "FlinkDeployment", name: "app" },
    type: "SAVEPOINT",
    trigger: "UPGRADE",
    now: 5,
    savepoint: {
      path: "file:/sp/1",
      formatType: "NATIVE",
      disposeOnDelete: false,
      alreadyExists: true,
    },
  });
  assert.equal(obj.metadata.name, "app-savepoint-upgrade-5");
  assert.equal(obj.metadata.ownerReferences, undefined);
  assert.deepEqual(obj.metadata.labels, {
    "snapshot.type": "SAVEPOINT",
    "snapshot.trigger-type": "UPGRADE",
    "snapshot.state": "TRIGGER_PENDING",
    "job-reference.kind": "FlinkDeployment",
    "job-reference.name": "app",
  });
  const parsed = parseFlinkStateSnapshot(obj);
  assert.deepEqual(parsed.spec.savepoint, {
    path: "file:/sp/1",
    formatType: "NATIVE",
    disposeOnDelete: false,
    alreadyExists: true,
  });
  const checkpoint = operatorSnapshotResource({
    namespace: "ns",
    job: { kind: "FlinkDeployment", name: "app" },
    type: "CHECKPOINT",
    trigger: "PERIODIC",
    now: 6,
  });
  assert.deepEqual(checkpoint.spec, {
    jobReference: { kind: "FlinkDeployment", name: "app" },
    checkpoint: {},
  });
});

Deno.test("labels: user snapshots are MANUAL, labels follow the state", () => {
  const s = snapshot(
    { jobReference: { name: "app" }, checkpoint: {} },
    { state: "IN_PROGRESS" },
  );
  assert.deepEqual(desiredSnapshotLabels(s), {
    "snapshot.type": "CHECKPOINT",
    "snapshot.trigger-type": "MANUAL",
    "snapshot.state": "IN_PROGRESS",
    "job-reference.kind": "FlinkDeployment",
    "job-reference.name": "app",
  });
  assert.equal(triggerTypeOf({ "snapshot.trigger-type": "PERIODIC" }), "PERIODIC");
  assert.equal(triggerTypeOf({ "snapshot.trigger-type": "bogus" }), "MANUAL");
  assert.deepEqual(labelPatch({ a: "1", b: "2" }, { a: "1", b: "3" }), { b: "3" });
  assert.equal(labelPatch({ a: "1" }, { a: "1" }), undefined);
  assert.equal(
    jobSnapshotSelector("FlinkDeployment", "app"),
    "job-reference.kind=FlinkDeployment,job-reference.name=app",
  );
});

Deno.test("validation: exactly one of savepoint and checkpoint", () => {
  assert.deepEqual(
    validateSnapshot(snapshot({ jobReference: { name: "a" }, savepoint: {} }), valid),
    [],
  );
  assert.match(
    validateSnapshot(snapshot({ jobReference: { name: "a" } }), valid).join(),
    /^spec: exactly one of spec.savepoint and spec.checkpoint must be set; /,
  );
  assert.match(
    validateSnapshot(
      snapshot({ jobReference: { name: "a" }, savepoint: {}, checkpoint: {} }),
      valid,
    ).join(),
    /exactly one/,
  );
});

Deno.test("validation: job reference required unless the savepoint already exists", () => {
  assert.match(validateSnapshot(snapshot({ savepoint: {} }), valid).join(), /jobReference.name/);
  assert.deepEqual(
    validateSnapshot(snapshot({ savepoint: { alreadyExists: true, path: "p" } }), valid),
    [],
  );
  assert.match(
    validateSnapshot(snapshot({ savepoint: { alreadyExists: true } }), valid).join(),
    /^spec\.savepoint\.path: required when spec\.savepoint\.alreadyExists is true; /,
  );
});

Deno.test("validation: the referenced job must exist while the snapshot is to be triggered", () => {
  const missing = { ...valid, jobExists: false };
  const pending = snapshot({ jobReference: { name: "gone" }, savepoint: {} });
  assert.match(
    validateSnapshot(pending, missing).join(),
    /^spec\.jobReference\.name: FlinkDeployment gone does not exist/,
  );
  const completed = snapshot({ jobReference: { name: "gone" }, savepoint: {} }, {
    state: "COMPLETED",
  });
  assert.deepEqual(validateSnapshot(completed, missing), []);
  const sessionJob = snapshot({
    jobReference: { kind: "FlinkSessionJob", name: "j" },
    savepoint: {},
  });
  assert.match(validateSnapshot(sessionJob, valid).join(), /FlinkSessionJob .* not supported/);
});
