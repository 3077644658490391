import assert from "node:assert/strict";
import {
  ApiParseError,
  CHECKPOINT_TYPES,
  FLINK_API_VERSION,
  FLINK_DEPLOYMENT_NAMES,
  FLINK_SESSION_JOB_NAMES,
  FLINK_STATE_SNAPSHOT_NAMES,
  FLINK_VERSIONS,
  FlinkDeploymentStatusSchema,
  isFlinkVersionAtLeast,
  JOB_KINDS,
  JOB_MANAGER_DEPLOYMENT_STATUSES,
  JOB_STATES,
  KUBERNETES_DEPLOYMENT_MODES,
  LABEL_JOB_REFERENCE_KIND,
  LABEL_JOB_REFERENCE_NAME,
  LABEL_SNAPSHOT_STATE,
  LABEL_SNAPSHOT_TRIGGER_TYPE,
  LABEL_SNAPSHOT_TYPE,
  LABEL_TARGET_SESSION,
  parseFlinkDeployment,
  parseFlinkSessionJob,
  parseFlinkStateSnapshot,
  RECONCILIATION_STATES,
  RESOURCE_LIFECYCLE_STATES,
  safeParseFlinkDeployment,
  safeParseFlinkSessionJob,
  SAVEPOINT_FORMAT_TYPES,
  SNAPSHOT_STATES,
  SNAPSHOT_TRIGGER_TYPES,
  toKnownFields,
  UPGRADE_MODES,
} from "../../lib/api/mod.ts";

function minimalDeployment(spec: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: FLINK_API_VERSION,
    kind: "FlinkDeployment",
    metadata: { name: "basic-example", namespace: "default" },
    spec: { image: "flink:1.20", flinkVersion: "v1_20", serviceAccount: "flink", ...spec },
  };
}

function errorMessage(result: { ok: boolean; error?: ApiParseError }): string {
  assert.equal(result.ok, false, "expected the parse to fail");
  return result.error!.message;
}

Deno.test("enum value lists are exactly FKO's JSON values", () => {
  assert.deepEqual([...UPGRADE_MODES], ["savepoint", "last-state", "stateless"]);
  assert.deepEqual([...JOB_STATES], ["running", "suspended"]);
  assert.deepEqual([...KUBERNETES_DEPLOYMENT_MODES], ["native", "standalone"]);
  assert.deepEqual([...FLINK_VERSIONS], [
    "v1_13",
    "v1_14",
    "v1_15",
    "v1_16",
    "v1_17",
    "v1_18",
    "v1_19",
    "v1_20",
    "v2_0",
    "v2_1",
    "v2_2",
    "v2_3",
    "v2_4",
  ]);
  assert.deepEqual([...JOB_KINDS], ["FlinkDeployment", "FlinkSessionJob"]);
  assert.deepEqual([...JOB_MANAGER_DEPLOYMENT_STATUSES], [
    "READY",
    "DEPLOYED_NOT_READY",
    "DEPLOYING",
    "MISSING",
    "ERROR",
  ]);
  assert.deepEqual([...RECONCILIATION_STATES], [
    "DEPLOYED",
    "UPGRADING",
    "ROLLING_BACK",
    "ROLLED_BACK",
  ]);
  assert.deepEqual([...RESOURCE_LIFECYCLE_STATES], [
    "CREATED",
    "SUSPENDED",
    "UPGRADING",
    "DEPLOYED",
    "STABLE",
    "ROLLING_BACK",
    "ROLLED_BACK",
    "FAILED",
    "DELETING",
    "DELETED",
  ]);
  assert.deepEqual([...SNAPSHOT_STATES], [
    "COMPLETED",
    "FAILED",
    "IN_PROGRESS",
    "TRIGGER_PENDING",
    "ABANDONED",
  ]);
  assert.deepEqual([...SNAPSHOT_TRIGGER_TYPES], ["MANUAL", "PERIODIC", "UPGRADE", "UNKNOWN"]);
  assert.deepEqual([...CHECKPOINT_TYPES], ["FULL", "INCREMENTAL", "UNKNOWN"]);
  assert.deepEqual([...SAVEPOINT_FORMAT_TYPES], ["CANONICAL", "NATIVE", "UNKNOWN"]);
});

Deno.test("flink versions compare in declaration order", () => {
  assert.ok(isFlinkVersionAtLeast("v1_20", "v1_15"));
  assert.ok(isFlinkVersionAtLeast("v2_0", "v1_20"));
  assert.ok(isFlinkVersionAtLeast("v1_15", "v1_15"));
  assert.ok(!isFlinkVersionAtLeast("v1_14", "v1_15"));
});

Deno.test("kind names, finalizers and label keys match FKO", () => {
  assert.equal(FLINK_API_VERSION, "flink.apache.org/v1beta1");
  assert.equal(FLINK_DEPLOYMENT_NAMES.plural, "flinkdeployments");
  assert.deepEqual(FLINK_DEPLOYMENT_NAMES.shortNames, ["flinkdep"]);
  assert.equal(FLINK_DEPLOYMENT_NAMES.finalizer, "flinkdeployments.flink.apache.org/finalizer");
  assert.equal(FLINK_SESSION_JOB_NAMES.plural, "flinksessionjobs");
  assert.deepEqual(FLINK_SESSION_JOB_NAMES.shortNames, ["sessionjob"]);
  assert.equal(FLINK_SESSION_JOB_NAMES.finalizer, "flinksessionjobs.flink.apache.org/finalizer");
  assert.equal(FLINK_STATE_SNAPSHOT_NAMES.plural, "flinkstatesnapshots");
  assert.deepEqual(FLINK_STATE_SNAPSHOT_NAMES.shortNames, ["flinksnp"]);
  assert.equal(
    FLINK_STATE_SNAPSHOT_NAMES.finalizer,
    "flinkstatesnapshots.flink.apache.org/finalizer",
  );
  assert.deepEqual(
    [
      LABEL_TARGET_SESSION,
      LABEL_SNAPSHOT_TYPE,
      LABEL_SNAPSHOT_TRIGGER_TYPE,
      LABEL_SNAPSHOT_STATE,
      LABEL_JOB_REFERENCE_KIND,
      LABEL_JOB_REFERENCE_NAME,
    ],
    [
      "target.session",
      "snapshot.type",
      "snapshot.trigger-type",
      "snapshot.state",
      "job-reference.kind",
      "job-reference.name",
    ],
  );
});

Deno.test("FlinkDeployment read fills in the Java defaults", () => {
  const deployment = parseFlinkDeployment(minimalDeployment({
    job: { jarURI: "local:///opt/flink/job.jar" },
    jobManager: {},
    taskManager: {},
  }));
  const job = deployment.spec.job!;
  assert.equal(job.parallelism, 0);
  assert.deepEqual(job.args, []);
  assert.equal(job.state, "running");
  assert.equal(job.upgradeMode, "stateless");
  assert.equal(job.savepointTriggerNonce, undefined);
  assert.deepEqual(deployment.spec.flinkConfiguration, {});
  assert.equal(deployment.spec.jobManager!.replicas, 1);
  assert.equal(deployment.spec.taskManager!.replicas, undefined);
  assert.equal(deployment.spec.mode, undefined);

  const status = deployment.status;
  assert.equal(status.jobManagerDeploymentStatus, "MISSING");
  assert.deepEqual(status.clusterInfo, {});
  assert.deepEqual(status.conditions, []);
  assert.equal(status.reconciliationStatus.state, "UPGRADING");
  assert.equal(status.reconciliationStatus.reconciliationTimestamp, 0);
  assert.equal(status.reconciliationStatus.lastReconciledSpec, undefined);
  assert.deepEqual(status.jobStatus.savepointInfo.savepointHistory, []);
  assert.equal(status.jobStatus.savepointInfo.lastPeriodicSavepointTimestamp, 0);
  assert.equal(status.jobStatus.checkpointInfo.lastPeriodicCheckpointTimestamp, 0);
  assert.equal(status.lifecycleState, undefined);
});

Deno.test("a FlinkDeployment without job reads as a session cluster spec", () => {
  const deployment = parseFlinkDeployment(minimalDeployment());
  assert.equal(deployment.spec.job, undefined);
});

Deno.test("FlinkStateSnapshot read fills in the Java defaults", () => {
  const snapshot = parseFlinkStateSnapshot({
    metadata: { name: "snap" },
    spec: { jobReference: { kind: "FlinkDeployment", name: "app" }, savepoint: {} },
  });
  assert.equal(snapshot.spec.backoffLimit, -1);
  assert.equal(snapshot.spec.savepoint!.formatType, "CANONICAL");
  assert.equal(snapshot.spec.savepoint!.disposeOnDelete, true);
  assert.equal(snapshot.spec.savepoint!.alreadyExists, false);
  assert.equal(snapshot.spec.checkpoint, undefined);
  assert.equal(snapshot.status.state, "TRIGGER_PENDING");
  assert.equal(snapshot.status.failures, 0);

  const checkpoint = parseFlinkStateSnapshot({
    spec: { jobReference: { kind: "FlinkSessionJob", name: "job" }, checkpoint: {} },
  });
  assert.deepEqual(checkpoint.spec.checkpoint, {});
});

Deno.test("legacy snapshot entries default their trigger and format types to UNKNOWN", () => {
  const deployment = parseFlinkDeployment({
    ...minimalDeployment(),
    status: {
      jobStatus: {
        savepointInfo: { lastSavepoint: { timeStamp: 1, location: "file:///sp/1" } },
        checkpointInfo: { lastCheckpoint: { timeStamp: 2 } },
      },
    },
  });
  const savepoint = deployment.status.jobStatus.savepointInfo.lastSavepoint!;
  assert.equal(savepoint.triggerType, "UNKNOWN");
  assert.equal(savepoint.formatType, "UNKNOWN");
  const checkpoint = deployment.status.jobStatus.checkpointInfo.lastCheckpoint!;
  assert.equal(checkpoint.formatType, "UNKNOWN");
});

Deno.test("reading keeps fields the schema does not know, at every level", () => {
  const input = {
    ...minimalDeployment({
      futureSpecField: { nested: [1, 2] },
      job: { jarURI: "local:///job.jar", futureJobField: "x" },
      jobManager: { resource: { memory: "1g", gpu: 1 }, futureJm: true },
    }),
    topLevelExtra: "kept",
    metadata: {
      name: "basic-example",
      namespace: "default",
      managedFields: [{ manager: "kubectl" }],
    },
    status: {
      futureStatusField: 7,
      jobStatus: { state: "RUNNING", futureJobStatus: "y" },
      reconciliationStatus: { state: "DEPLOYED", extra: 1 },
    },
  };
  const deployment = parseFlinkDeployment(input);
  const loose = deployment as Record<string, unknown>;
  assert.equal(loose.topLevelExtra, "kept");
  assert.deepEqual(deployment.metadata.managedFields, [{ manager: "kubectl" }]);
  assert.deepEqual(deployment.spec.futureSpecField, { nested: [1, 2] });
  assert.equal(deployment.spec.job!.futureJobField, "x");
  assert.equal(deployment.spec.jobManager!.futureJm, true);
  assert.equal(deployment.spec.jobManager!.resource!.gpu, 1);
  assert.equal(deployment.status.futureStatusField, 7);
  assert.equal(deployment.status.jobStatus.futureJobStatus, "y");
  assert.equal(deployment.status.reconciliationStatus.extra, 1);
});

Deno.test("free-form flinkConfiguration and pod templates are kept verbatim", () => {
  const podTemplate = {
    spec: {
      containers: [{ name: "flink-main-container", env: [{ name: "A", value: "1" }] }],
    },
  };
  const deployment = parseFlinkDeployment(minimalDeployment({
    flinkConfiguration: {
      "taskmanager.numberOfTaskSlots": 2,
      high: { availability: { type: "kubernetes" } },
      "pipeline.classpaths": ["a", "b"],
    },
    podTemplate,
    jobManager: { podTemplate },
    taskManager: { podTemplate: { metadata: { labels: { team: "x" } } } },
    logConfiguration: { "log4j-console.properties": "rootLogger.level = INFO" },
  }));
  assert.deepEqual(deployment.spec.flinkConfiguration, {
    "taskmanager.numberOfTaskSlots": 2,
    high: { availability: { type: "kubernetes" } },
    "pipeline.classpaths": ["a", "b"],
  });
  assert.deepEqual(deployment.spec.podTemplate, podTemplate);
  assert.deepEqual(deployment.spec.jobManager!.podTemplate, podTemplate);
  assert.deepEqual(deployment.spec.taskManager!.podTemplate, {
    metadata: { labels: { team: "x" } },
  });
  assert.deepEqual(deployment.spec.logConfiguration, {
    "log4j-console.properties": "rootLogger.level = INFO",
  });
});

Deno.test("null means absent, so defaults apply and nothing fails", () => {
  const deployment = parseFlinkDeployment({
    ...minimalDeployment({
      job: { jarURI: "local:///job.jar", upgradeMode: null, args: null, entryClass: null },
      ingress: null,
    }),
    status: null,
  });
  assert.equal(deployment.spec.job!.upgradeMode, "stateless");
  assert.deepEqual(deployment.spec.job!.args, []);
  assert.equal("entryClass" in deployment.spec.job!, false);
  assert.equal(deployment.spec.ingress, undefined);
  assert.equal(deployment.status.jobManagerDeploymentStatus, "MISSING");
});

Deno.test("reading does not mutate or alias the input", () => {
  const input = minimalDeployment({ job: { jarURI: "local:///job.jar", args: ["a"] } });
  const before = structuredClone(input);
  const deployment = parseFlinkDeployment(input);
  deployment.spec.job!.args.push("b");
  assert.deepEqual(input, before);
});

Deno.test("a bad enum value is reported with its field path and the allowed values", () => {
  const message = errorMessage(safeParseFlinkDeployment(minimalDeployment({
    job: { jarURI: "local:///job.jar", upgradeMode: "bogus" },
  })));
  assert.match(message, /^invalid FlinkDeployment default\/basic-example: /);
  assert.ok(
    message.includes(
      'spec.job.upgradeMode: expected one of savepoint|last-state|stateless, got "bogus"',
    ),
    message,
  );
});

Deno.test("every invalid field is reported, with array indices and dotted keys", () => {
  let caught: unknown;
  try {
    parseFlinkDeployment(minimalDeployment({
      flinkVersion: "v1_99",
      job: { args: ["ok", 3], parallelism: 1.5, state: "RUNNING" },
      logConfiguration: { "log4j-console.properties": 1 },
      jobManager: { resources: { limits: { cpu: true } } },
    }));
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof ApiParseError);
  const byPath = new Map(caught.issues.map((i) => [i.path, i.message]));
  assert.match(byPath.get("spec.flinkVersion")!, /^expected one of v1_13\|.*\|v2_4, got "v1_99"$/);
  assert.equal(byPath.get("spec.job.args[1]"), "expected string, got 3");
  assert.equal(byPath.get("spec.job.parallelism"), "expected integer, got 1.5");
  assert.equal(byPath.get("spec.job.state"), 'expected one of running|suspended, got "RUNNING"');
  assert.equal(
    byPath.get('spec.logConfiguration["log4j-console.properties"]'),
    "expected string, got 1",
  );
  assert.equal(
    byPath.get("spec.jobManager.resources.limits.cpu"),
    "expected string or number, got true",
  );
});

Deno.test("a missing spec and a wrong kind are clear errors", () => {
  const noSpec = errorMessage(safeParseFlinkSessionJob({ metadata: { name: "j" } }));
  assert.ok(noSpec.includes("spec: required object is missing"), noSpec);
  const wrongKind = errorMessage(safeParseFlinkDeployment({ kind: "FlinkSessionJob", spec: {} }));
  assert.ok(wrongKind.includes('kind: expected "FlinkDeployment"'), wrongKind);
});

Deno.test("FlinkSessionJob keeps the snapshot reference extension", () => {
  const sessionJob = parseFlinkSessionJob({
    metadata: { name: "job", namespace: "ns" },
    spec: {
      deploymentName: "session",
      job: {
        jarURI: "https://example.com/job.jar",
        upgradeMode: "savepoint",
        flinkStateSnapshotReference: { name: "example-savepoint" },
      },
    },
  });
  assert.equal(sessionJob.spec.deploymentName, "session");
  assert.deepEqual(sessionJob.spec.job!.flinkStateSnapshotReference, {
    name: "example-savepoint",
  });
  assert.equal(sessionJob.status.reconciliationStatus.state, "UPGRADING");
});

Deno.test("integer fields accept large Java longs and reject fractions", () => {
  const deployment = parseFlinkDeployment(minimalDeployment({ restartNonce: 2 ** 60 }));
  assert.equal(deployment.spec.restartNonce, 2 ** 60);
  const message = errorMessage(safeParseFlinkDeployment(minimalDeployment({ restartNonce: 0.5 })));
  assert.ok(message.includes("spec.restartNonce: expected an integer"), message);
});

Deno.test("writing keeps only declared fields, free-form parts verbatim", () => {
  const deployment = parseFlinkDeployment({
    ...minimalDeployment({ podTemplate: { spec: { anything: [1] } } }),
    status: {
      futureStatusField: 7,
      clusterInfo: { "flink-version": "1.20.1" },
      jobStatus: { state: "RUNNING", futureJobStatus: "y" },
      taskManager: { labelSelector: "component=taskmanager,app=basic-example", replicas: 1 },
    },
  });
  const status = toKnownFields(FlinkDeploymentStatusSchema, deployment.status);
  assert.equal("futureStatusField" in status, false);
  assert.equal("futureJobStatus" in status.jobStatus, false);
  assert.equal(status.jobStatus.state, "RUNNING");
  assert.deepEqual(status.clusterInfo, { "flink-version": "1.20.1" });
  assert.deepEqual(status.taskManager, {
    labelSelector: "component=taskmanager,app=basic-example",
    replicas: 1,
  });
  assert.equal("error" in status, false);
  assert.deepEqual(Object.keys(status).slice(0, 2), ["jobStatus", "reconciliationStatus"]);
});
