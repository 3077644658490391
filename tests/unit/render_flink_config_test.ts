import { LAST_STATE_SAVEPOINT_SENTINEL } from "../../lib/flink/spec/upgrade.ts";
import assert from "node:assert/strict";
import { ConfigError } from "../../lib/config/config_error.ts";
import {
  buildDeployConfig,
  decodeFlinkList,
  decodeFlinkMap,
  getCheckpointsDir,
  getSavepointsDir,
  jobIdFromConfig,
  stripOperatorKeys,
} from "../../lib/flink/render/mod.ts";
import {
  deployConfigOf,
  deployment,
  effectiveConfig,
  exampleDeployment,
  JOB_ID,
  JRS_UUID,
} from "./render_fixtures.ts";

Deno.test("deploy config of basic-application sets every §2.7 key", async () => {
  const d = await exampleDeployment("basic-application.yaml");
  const conf = deployConfigOf(d);
  const expected: Record<string, string> = {
    "kubernetes.cluster-id": "basic-example",
    "kubernetes.namespace": "flink",
    "execution.target": "kubernetes-application",
    "kubernetes.container.image.ref": "flink:1.20",
    "kubernetes.service-account": "flink",
    "jobmanager.memory.process.size": "2 gb",
    "taskmanager.memory.process.size": "2 gb",
    "kubernetes.jobmanager.cpu.amount": "1.0",
    "kubernetes.taskmanager.cpu.amount": "1.0",
    "kubernetes.jobmanager.replicas": "1",
    "parallelism.default": "2",
    "pipeline.jars": "local:///opt/flink/examples/streaming/StateMachineExample.jar",
    "$internal.application.program-args": "",
    "pipeline.name": "basic-example",
    "execution.checkpointing.externalized-checkpoint-retention": "RETAIN_ON_CANCELLATION",
    "execution.shutdown-on-application-finish": "false",
    "execution.submit-failed-job-on-application-error": "true",
    "kubernetes.rest-service.exposed.type": "ClusterIP",
    "web.cancel.enable": "false",
    "$internal.pipeline.job-id": JOB_ID,
    "kubernetes.jobmanager.annotations": "flinkdeployment.flink.apache.org/generation:3",
    "$internal.flink.version": "v1_20",
    "taskmanager.numberOfTaskSlots": "2",
  };
  for (const [key, value] of Object.entries(expected)) assert.equal(conf[key], value, key);
  // Stateless, no HA: no checkpoint interval default, no HA id, no restore path, no JRS.
  for (
    const key of [
      "execution.checkpointing.interval",
      "high-availability.cluster-id",
      "execution.savepoint.path",
      "job-result-store.storage-path",
      "kubernetes.internal.cluster-mode",
      "pipeline.classpaths",
      "$internal.application.main",
      "execution.savepoint.ignore-unclaimed-state",
    ]
  ) {
    assert.equal(conf[key], undefined, key);
  }
  assert.deepEqual(
    decodeFlinkList(conf["kubernetes.jobmanager.owner.reference"]).map(decodeFlinkMap),
    [
      {
        apiVersion: "flink.apache.org/v1beta1",
        kind: "FlinkDeployment",
        name: "basic-example",
        uid: "uid-1234",
        controller: "false",
        blockOwnerDeletion: "true",
      },
    ],
  );
});

Deno.test("deploy config of stateful-application: HA, last-state and job-result store", async () => {
  const d = await exampleDeployment("stateful-application.yaml");
  const conf = deployConfigOf(d, { savepointPath: LAST_STATE_SAVEPOINT_SENTINEL, haRestore: true });
  assert.equal(conf["high-availability.cluster-id"], "flink-example-statemachine");
  assert.equal(conf["high-availability.type"], "kubernetes");
  // The user's interval wins over the 5 min last-state default.
  assert.equal(conf["execution.checkpointing.interval"], "10s");
  assert.equal(conf["execution.savepoint.path"], LAST_STATE_SAVEPOINT_SENTINEL);
  assert.equal(conf["job-result-store.delete-on-commit"], "false");
  assert.equal(
    conf["job-result-store.storage-path"],
    `file:///flink-data/ha/job-result-store/flink-example-statemachine/${JRS_UUID}`,
  );
});

Deno.test("last-state defaults the checkpoint interval to 5 min", async () => {
  const d = await exampleDeployment("stateful-application.yaml", (raw) => {
    delete raw.spec.flinkConfiguration["execution.checkpointing.interval"];
  });
  assert.equal(deployConfigOf(d)["execution.checkpointing.interval"], "5 min");
});

Deno.test("operator and autoscaler keys are stripped", async () => {
  const d = await exampleDeployment("basic-application.yaml", (raw) => {
    raw.spec.flinkConfiguration["kubernetes.operator.periodic.savepoint.interval"] = "1h";
    raw.spec.flinkConfiguration["job.autoscaler.target.utilization"] = "0.6";
  });
  const conf = deployConfigOf(d);
  const leaked = Object.keys(conf).filter((k) =>
    k.startsWith("kubernetes.operator.") || k.startsWith("job.autoscaler.")
  );
  assert.deepEqual(leaked, []);
  assert.deepEqual(
    stripOperatorKeys({ "kubernetes.operator.x": "1", "a": "2", "job.autoscaler.y": "3" }),
    {
      a: "2",
    },
  );
});

Deno.test("the restore path is set, mirrored to the 1.20 key when present, or removed", async () => {
  const d = await exampleDeployment("basic-application.yaml", (raw) => {
    raw.spec.flinkConfiguration["execution.savepoint.path"] = "s3://old";
    raw.spec.flinkConfiguration["execution.state-recovery.path"] = "s3://older";
  });
  const restored = deployConfigOf(d, { savepointPath: "s3://sp/savepoint-1" });
  assert.equal(restored["execution.savepoint.path"], "s3://sp/savepoint-1");
  assert.equal(restored["execution.state-recovery.path"], "s3://sp/savepoint-1");

  const empty = deployConfigOf(d);
  assert.equal(empty["execution.savepoint.path"], undefined);
  assert.equal(empty["execution.state-recovery.path"], undefined);

  assert.throws(
    () => deployConfigOf(d, { savepointPath: LAST_STATE_SAVEPOINT_SENTINEL }),
    /HA restores/,
  );
});

Deno.test("a job id fixed by the user wins over the operator's", async () => {
  const fixed = "ffffffffffffffffffffffffffffffff";
  const d = await exampleDeployment("basic-application.yaml", (raw) => {
    raw.spec.flinkConfiguration["$internal.pipeline.job-id"] = fixed;
  });
  assert.equal(jobIdFromConfig(deployConfigOf(d)), fixed);
  const plain = await exampleDeployment("basic-application.yaml");
  assert.equal(jobIdFromConfig(deployConfigOf(plain)), JOB_ID);
  assert.equal(jobIdFromConfig(deployConfigOf(plain, { jobId: undefined })), undefined);
  assert.throws(() => deployConfigOf(plain, { jobId: "not-a-job-id" }), /32-digit hex/);
});

Deno.test("the generation joins user JobManager annotations", async () => {
  const d = await exampleDeployment("basic-application.yaml", (raw) => {
    raw.spec.flinkConfiguration["kubernetes.jobmanager.annotations"] = "team:data,url:'http://x'";
  });
  const annotations = decodeFlinkMap(
    deployConfigOf(d, { generation: 7 })["kubernetes.jobmanager.annotations"],
  );
  assert.deepEqual(annotations, {
    team: "data",
    url: "http://x",
    "flinkdeployment.flink.apache.org/generation": "7",
  });
});

Deno.test("job fields: entry class, args with delimiters, allowNonRestoredState", async () => {
  const d = await exampleDeployment("basic-application.yaml", (raw) => {
    raw.spec.job.entryClass = "org.example.Main";
    raw.spec.job.args = ["--input", "a;b", "it's"];
    raw.spec.job.allowNonRestoredState = true;
  });
  const conf = deployConfigOf(d);
  assert.equal(conf["$internal.application.main"], "org.example.Main");
  assert.equal(conf["$internal.application.program-args"], "--input;'a;b';'it''s'");
  assert.deepEqual(decodeFlinkList(conf["$internal.application.program-args"]), [
    "--input",
    "a;b",
    "it's",
  ]);
  assert.equal(conf["execution.savepoint.ignore-unclaimed-state"], "true");
});

Deno.test("user values win over operator defaults", async () => {
  const d = await exampleDeployment("basic-application.yaml", (raw) => {
    Object.assign(raw.spec.flinkConfiguration, {
      "pipeline.name": "custom",
      "web.cancel.enable": "true",
      "kubernetes.rest-service.exposed.type": "NodePort",
      "execution.submit-failed-job-on-application-error": "false",
      "execution.checkpointing.externalized-checkpoint-retention": "DELETE_ON_CANCELLATION",
      "kubernetes.cluster-id": "hijacked",
      "execution.shutdown-on-application-finish": "true",
    });
  });
  const conf = deployConfigOf(d);
  assert.equal(conf["pipeline.name"], "custom");
  assert.equal(conf["web.cancel.enable"], "true");
  assert.equal(conf["kubernetes.rest-service.exposed.type"], "NodePort");
  assert.equal(conf["execution.submit-failed-job-on-application-error"], "false");
  assert.equal(
    conf["execution.checkpointing.externalized-checkpoint-retention"],
    "DELETE_ON_CANCELLATION",
  );
  // Forced by the operator.
  assert.equal(conf["kubernetes.cluster-id"], "basic-example");
  assert.equal(conf["execution.shutdown-on-application-finish"], "false");
});

Deno.test("an ingress forces the ClusterIP REST service", async () => {
  const d = await exampleDeployment("basic-application.yaml", (raw) => {
    raw.spec.flinkConfiguration["kubernetes.rest-service.exposed.type"] = "LoadBalancer";
    raw.spec.ingress = { template: "{{name}}.example.com" };
  });
  assert.equal(deployConfigOf(d)["kubernetes.rest-service.exposed.type"], "ClusterIP");
});

Deno.test("standalone application: remote target, cluster mode, classpaths, TM replicas", async () => {
  const d = await exampleDeployment("basic-application.yaml", (raw) => {
    raw.spec.mode = "standalone";
    raw.spec.job.parallelism = 5;
  });
  const conf = deployConfigOf(d);
  assert.equal(conf["execution.target"], "remote");
  assert.equal(conf["kubernetes.internal.cluster-mode"], "APPLICATION");
  assert.equal(
    conf["pipeline.classpaths"],
    "file:///opt/flink/examples/streaming/StateMachineExample.jar",
  );
  // FKO sets pipeline.jars in native mode only; Flink 2 refuses `local:` there in standalone.
  assert.equal(conf["pipeline.jars"], undefined);
  // ceil(5 / 2 slots)
  assert.equal(conf["kubernetes.internal.taskmanager.replicas"], "3");
  assert.equal(conf["parallelism.default"], "5");
});

Deno.test("TaskManager replicas fix the parallelism to replicas × slots", async () => {
  const d = await exampleDeployment("basic-application.yaml", (raw) => {
    raw.spec.mode = "standalone";
    raw.spec.taskManager.replicas = 3;
    raw.spec.job.parallelism = 100;
  });
  const conf = deployConfigOf(d);
  assert.equal(conf["parallelism.default"], "6");
  assert.equal(conf["kubernetes.internal.taskmanager.replicas"], "3");
});

Deno.test("the highest vertex parallelism override sets the parallelism", async () => {
  const d = await exampleDeployment("basic-application.yaml", (raw) => {
    raw.spec.flinkConfiguration["pipeline.jobvertex-parallelism-overrides"] = "a1:3,b2:7";
  });
  assert.equal(deployConfigOf(d)["parallelism.default"], "7");
});

Deno.test("session clusters: native and standalone", async () => {
  const native = await exampleDeployment("session-cluster.yaml");
  const conf = deployConfigOf(native);
  assert.equal(conf["execution.target"], "kubernetes-session");
  assert.equal(conf["kubernetes.cluster-id"], "basic-session-cluster");
  assert.equal(conf["parallelism.default"], "1"); // untouched operator default
  for (
    const key of [
      "pipeline.name",
      "pipeline.jars",
      "$internal.pipeline.job-id",
      "execution.shutdown-on-application-finish",
      "$internal.application.program-args",
    ]
  ) {
    assert.equal(conf[key], undefined, key);
  }
  assert.equal(
    decodeFlinkMap(conf["kubernetes.jobmanager.annotations"])[
      "flinkdeployment.flink.apache.org/generation"
    ],
    "3",
  );
  const standalone = await exampleDeployment("session-cluster.yaml", (raw) => {
    raw.spec.mode = "standalone";
  });
  const sa = deployConfigOf(standalone);
  assert.equal(sa["execution.target"], "remote");
  assert.equal(sa["kubernetes.internal.cluster-mode"], "SESSION");
  assert.equal(sa["kubernetes.internal.taskmanager.replicas"], undefined);
  assert.throws(() => deployConfigOf(standalone, { jobId: JOB_ID }), /only apply to applications/);
});

Deno.test("image and cpu keys follow the Flink version", () => {
  const old = deployment({
    spec: {
      image: "flink:1.16",
      flinkVersion: "v1_16",
      serviceAccount: "flink",
      imagePullPolicy: "Always",
      jobManager: { resource: { cpu: 0.5, memory: "1024m" } },
      taskManager: { resource: { cpu: 2, memory: "1g" } },
    },
  });
  const conf = deployConfigOf(old);
  assert.equal(conf["kubernetes.container.image"], "flink:1.16");
  assert.equal(conf["kubernetes.container.image.ref"], undefined);
  assert.equal(conf["kubernetes.jobmanager.cpu"], "0.5");
  assert.equal(conf["kubernetes.taskmanager.cpu"], "2.0");
  assert.equal(conf["kubernetes.jobmanager.cpu.amount"], undefined);
  assert.equal(conf["jobmanager.memory.process.size"], "1 gb");
  assert.equal(conf["kubernetes.container.image.pull-policy"], "Always");
});

Deno.test("resources: requests, limit fallback and limit factors", () => {
  const d = deployment({
    spec: {
      image: "flink:1.20",
      flinkVersion: "v1_20",
      serviceAccount: "flink",
      jobManager: {
        resources: {
          requests: { cpu: "500m", memory: "1Gi" },
          limits: { cpu: "2", memory: "1536Mi" },
        },
        // Ignored because resources is set.
        resource: { cpu: 8, memory: "8g" },
      },
      taskManager: { resources: { limits: { cpu: 1, memory: "2G" } } },
    },
  });
  const conf = deployConfigOf(d);
  assert.equal(conf["kubernetes.jobmanager.cpu.amount"], "0.5");
  assert.equal(conf["kubernetes.jobmanager.cpu.limit-factor"], "4.0");
  assert.equal(conf["jobmanager.memory.process.size"], "1 gb");
  assert.equal(conf["kubernetes.jobmanager.memory.limit-factor"], "1.5");
  // Only a limit: the limit is the size, no factor.
  assert.equal(conf["kubernetes.taskmanager.cpu.amount"], "1.0");
  assert.equal(conf["kubernetes.taskmanager.cpu.limit-factor"], undefined);
  assert.equal(conf["taskmanager.memory.process.size"], "1953125 kb");
});

Deno.test("invalid resource values name the field", () => {
  const d = deployment({
    spec: {
      flinkVersion: "v1_20",
      jobManager: { resource: { memory: "lots" } },
    },
  });
  assert.throws(() => deployConfigOf(d), (error: unknown) => {
    assert.ok(error instanceof ConfigError);
    assert.equal(error.key, "spec.jobManager.resource.memory");
    return true;
  });
});

Deno.test("buildDeployConfig does not modify its inputs", async () => {
  const d = await exampleDeployment("basic-application.yaml");
  const effective = effectiveConfig(d);
  const snapshot = structuredClone(effective);
  buildDeployConfig({
    deployment: d,
    effectiveConfig: effective,
    generation: 1,
    jobResultStoreUuid: JRS_UUID,
    mode: "application",
  });
  assert.deepEqual(effective, snapshot);
});

Deno.test("savepoint and checkpoint dirs honour old and 1.20+ keys", () => {
  assert.equal(getSavepointsDir({ "state.savepoints.dir": "s3://old" }), "s3://old");
  assert.equal(
    getSavepointsDir({
      "state.savepoints.dir": "s3://old",
      "execution.checkpointing.savepoint-dir": "s3://new",
    }),
    "s3://new",
  );
  assert.equal(getSavepointsDir({ "execution.checkpointing.savepoint-dir": " " }), undefined);
  assert.equal(getCheckpointsDir({ "state.checkpoints.dir": "s3://c" }), "s3://c");
  assert.equal(
    getCheckpointsDir({
      "execution.checkpointing.dir": "s3://n",
      "state.checkpoints.dir": "s3://c",
    }),
    "s3://n",
  );
  assert.equal(getCheckpointsDir({}), undefined);
});
