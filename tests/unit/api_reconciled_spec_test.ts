import assert from "node:assert/strict";
import YAML from "yaml";
import {
  ApiParseError,
  javaDoubleToString,
  parseFlinkDeployment,
  parseFlinkSessionJob,
  parseSpecWithMeta,
  serializeSpec,
  serializeSpecWithMeta,
  writeJavaString,
} from "../../lib/api/mod.ts";

// What recent FKO writes for examples/basic-application.yaml on its first deploy attempt: Java
// field order, superclass (AbstractFlinkSpec) fields first, nulls for absent fields, `cpu` as a
// Java double, no `resources` key when unset.
const BASIC_APPLICATION_JAVA =
  '{"spec":{"job":{"jarURI":"local:///opt/flink/examples/streaming/StateMachineExample.jar",' +
  '"parallelism":2,"entryClass":null,"args":[],"state":"running","savepointTriggerNonce":null,' +
  '"initialSavepointPath":null,"checkpointTriggerNonce":null,"upgradeMode":"stateless",' +
  '"allowNonRestoredState":null,"savepointRedeployNonce":null,"autoscalerResetNonce":null},' +
  '"restartNonce":null,"flinkConfiguration":{"taskmanager.numberOfTaskSlots":"2"},' +
  '"image":"flink:1.20","imagePullPolicy":null,"serviceAccount":"flink","flinkVersion":"v1_20",' +
  '"ingress":null,"podTemplate":null,"jobManager":{"resource":{"cpu":1.0,"memory":"2048m",' +
  '"ephemeralStorage":null},"replicas":1,"podTemplate":null},"taskManager":{"resource":' +
  '{"cpu":1.0,"memory":"2048m","ephemeralStorage":null},"replicas":null,"podTemplate":null},' +
  '"logConfiguration":null,"mode":"native"},' +
  '"resource_metadata":{"apiVersion":"flink.apache.org/v1beta1","firstDeployment":true}}';

// Shape of a real status written by a recent FKO (Flink 2.2, pod template, fractional cpu,
// user args, TM replicas).
const APPLICATION_WITH_POD_TEMPLATE_JAVA =
  '{"spec":{"job":{"jarURI":"local:///opt/flink/usrlib/alerts.jar","parallelism":1,' +
  '"entryClass":"com.example.AlertJob","args":["--events-topic","vehicle.events"],' +
  '"state":"suspended","savepointTriggerNonce":3,"initialSavepointPath":null,' +
  '"checkpointTriggerNonce":null,"upgradeMode":"savepoint","allowNonRestoredState":true,' +
  '"savepointRedeployNonce":null,"autoscalerResetNonce":null},"restartNonce":7,' +
  '"flinkConfiguration":{"execution.checkpointing.dir":"s3://flink/checkpoints",' +
  '"s3.path.style.access":"true"},"image":"example/alerts:dev","imagePullPolicy":"IfNotPresent",' +
  '"serviceAccount":"flink","flinkVersion":"v2_2","ingress":{"template":' +
  '"{{name}}.{{namespace}}.flink.example.com","className":"nginx","annotations":null,' +
  '"labels":null,"tls":null},"podTemplate":{"spec":{"containers":[{"env":[{"name":' +
  '"ENABLE_BUILT_IN_PLUGINS","value":"flink-s3-fs-hadoop-2.2.1.jar"}],"name":' +
  '"flink-main-container"}]}},"jobManager":{"resource":{"cpu":0.5,"memory":"1024m",' +
  '"ephemeralStorage":null},"replicas":1,"podTemplate":null},"taskManager":{"resource":' +
  '{"cpu":1.0,"memory":"2048m","ephemeralStorage":null},"replicas":1,"podTemplate":null},' +
  '"logConfiguration":{"log4j-console.properties":"rootLogger.level = INFO\\n"},"mode":null},' +
  '"resource_metadata":{"apiVersion":"flink.apache.org/v1beta1","firstDeployment":false}}';

const SESSION_JOB_JAVA =
  '{"spec":{"job":{"jarURI":"https://example.com/job.jar","parallelism":2,"entryClass":null,' +
  '"args":[],"state":"running","savepointTriggerNonce":null,"initialSavepointPath":null,' +
  '"checkpointTriggerNonce":null,"upgradeMode":"savepoint","allowNonRestoredState":null,' +
  '"savepointRedeployNonce":null,"autoscalerResetNonce":null},"restartNonce":null,' +
  '"flinkConfiguration":{},"deploymentName":"basic-session-cluster"},' +
  '"resource_metadata":{"apiVersion":"flink.apache.org/v1beta1","firstDeployment":true}}';

async function readExample(name: string): Promise<unknown> {
  return YAML.parse(await Deno.readTextFile(new URL(`../../examples/${name}`, import.meta.url)));
}

Deno.test("a spec read from a CR serializes exactly as the Java operator writes it", async () => {
  const deployment = parseFlinkDeployment(await readExample("basic-application.yaml"));
  const json = serializeSpecWithMeta("FlinkDeployment", deployment.spec, {
    firstDeployment: true,
  });
  assert.equal(json, BASIC_APPLICATION_JAVA);
});

Deno.test("Java-written strings round-trip byte for byte", () => {
  for (const java of [BASIC_APPLICATION_JAVA, APPLICATION_WITH_POD_TEMPLATE_JAVA]) {
    const read = parseSpecWithMeta("FlinkDeployment", java);
    assert.equal(read.format, "current");
    assert.equal(serializeSpecWithMeta("FlinkDeployment", read.spec, read), java);
  }
  const sessionJob = parseSpecWithMeta("FlinkSessionJob", SESSION_JOB_JAVA);
  assert.equal(
    serializeSpecWithMeta("FlinkSessionJob", sessionJob.spec, sessionJob),
    SESSION_JOB_JAVA,
  );
});

Deno.test("reading a Java-written string gives the typed spec and metadata", () => {
  const read = parseSpecWithMeta("FlinkDeployment", APPLICATION_WITH_POD_TEMPLATE_JAVA);
  assert.equal(read.apiVersion, "flink.apache.org/v1beta1");
  assert.equal(read.firstDeployment, false);
  assert.equal(read.spec.job!.state, "suspended");
  assert.equal(read.spec.job!.upgradeMode, "savepoint");
  assert.equal(read.spec.job!.savepointTriggerNonce, 3);
  assert.equal(read.spec.job!.initialSavepointPath, undefined);
  assert.equal(read.spec.restartNonce, 7);
  assert.equal(read.spec.jobManager!.resource!.cpu, 0.5);
  assert.equal(read.spec.taskManager!.replicas, 1);
  assert.equal(read.spec.ingress!.className, "nginx");
  assert.equal(read.spec.mode, undefined);
});

Deno.test("the legacy flat format is read", () => {
  const legacy = '{"job":{"jarURI":"local:///job.jar","parallelism":2,"entryClass":null,' +
    '"args":[],"state":"running","savepointTriggerNonce":null,"initialSavepointPath":null,' +
    '"upgradeMode":"last-state","allowNonRestoredState":null},"restartNonce":null,' +
    '"flinkConfiguration":{"taskmanager.numberOfTaskSlots":"2"},"image":"flink:1.15",' +
    '"imagePullPolicy":null,"serviceAccount":"flink","flinkVersion":"v1_15","ingress":null,' +
    '"podTemplate":null,"jobManager":{"resource":{"cpu":1.0,"memory":"2048m"},"replicas":1,' +
    '"podTemplate":null},"taskManager":{"resource":{"cpu":1.0,"memory":"2048m"},' +
    '"replicas":null,"podTemplate":null},"logConfiguration":null,' +
    '"apiVersion":"flink.apache.org/v1beta1"}';
  const read = parseSpecWithMeta("FlinkDeployment", legacy);
  assert.equal(read.format, "legacy");
  assert.equal(read.apiVersion, "flink.apache.org/v1beta1");
  assert.equal(read.firstDeployment, false);
  assert.equal(read.spec.job!.upgradeMode, "last-state");
  assert.equal(read.spec.image, "flink:1.15");
  assert.equal("apiVersion" in read.spec, false);
  // Rewritten in the current format with the fields the old version did not know as null.
  const rewritten = serializeSpecWithMeta("FlinkDeployment", read.spec, read);
  assert.ok(rewritten.startsWith('{"spec":{"job":{"jarURI":"local:///job.jar"'), rewritten);
  assert.ok(rewritten.includes('"checkpointTriggerNonce":null'), rewritten);
  assert.ok(rewritten.includes('"ephemeralStorage":null'), rewritten);
  assert.ok(rewritten.endsWith('"firstDeployment":false}}'), rewritten);
});

Deno.test("older resource_metadata with a generation is read", () => {
  const older = '{"spec":{"job":null,"restartNonce":null,"flinkConfiguration":null,' +
    '"image":"flink:1.16","flinkVersion":"v1_16","serviceAccount":"flink"},' +
    '"resource_metadata":{"apiVersion":"flink.apache.org/v1beta1","metadata":{"generation":2}}}';
  const read = parseSpecWithMeta("FlinkDeployment", older);
  assert.equal(read.format, "current");
  assert.equal(read.firstDeployment, false);
  assert.equal(read.spec.job, undefined);
  assert.deepEqual(read.spec.flinkConfiguration, {});
});

Deno.test("the snapshot reference is written only when set", () => {
  const base = parseFlinkSessionJob({
    spec: { deploymentName: "s", job: { jarURI: "https://example.com/job.jar" } },
  });
  assert.ok(!serializeSpec("FlinkSessionJob", base.spec).includes("flinkStateSnapshotReference"));

  const withReference = parseFlinkSessionJob({
    spec: {
      deploymentName: "s",
      job: {
        jarURI: "https://example.com/job.jar",
        initialSavepointPath: "file:///sp/1",
        flinkStateSnapshotReference: { name: "example-savepoint" },
      },
    },
  });
  const json = serializeSpec("FlinkSessionJob", withReference.spec);
  assert.ok(
    json.includes(
      '"initialSavepointPath":"file:///sp/1","flinkStateSnapshotReference":' +
        '{"namespace":null,"name":"example-savepoint","path":null},"checkpointTriggerNonce":null',
    ),
    json,
  );
  const back = parseSpecWithMeta(
    "FlinkSessionJob",
    serializeSpecWithMeta("FlinkSessionJob", withReference.spec, { firstDeployment: false }),
  );
  assert.deepEqual(back.spec.job!.flinkStateSnapshotReference, { name: "example-savepoint" });
});

Deno.test("resources are written like fabric8 models: quantities as strings, no empties", () => {
  const deployment = parseFlinkDeployment({
    spec: {
      flinkVersion: "v1_20",
      jobManager: {
        resources: { requests: { cpu: 1, memory: "2Gi" }, limits: {}, claims: [] },
      },
    },
  });
  const json = serializeSpec("FlinkDeployment", deployment.spec);
  assert.ok(
    json.includes(
      '"jobManager":{"resource":null,"resources":{"requests":{"cpu":"1","memory":"2Gi"}},' +
        '"replicas":1,"podTemplate":null}',
    ),
    json,
  );
});

Deno.test("fields the schema does not know are not written", () => {
  const deployment = parseFlinkDeployment({
    spec: { flinkVersion: "v1_20", futureField: 1, job: { jarURI: "x", futureJobField: 2 } },
  });
  const json = serializeSpec("FlinkDeployment", deployment.spec);
  assert.ok(!json.includes("future"), json);
});

Deno.test("a broken stored spec is reported with its path", () => {
  assert.throws(
    () => parseSpecWithMeta("FlinkDeployment", "{not json"),
    (error: unknown) => error instanceof ApiParseError && /invalid JSON/.test(error.message),
  );
  assert.throws(
    () =>
      parseSpecWithMeta(
        "FlinkDeployment",
        '{"spec":{"job":{"upgradeMode":"bogus"}},"resource_metadata":{}}',
      ),
    (error: unknown) =>
      error instanceof ApiParseError &&
      error.message.includes(
        'spec.job.upgradeMode: expected one of savepoint|last-state|stateless, got "bogus"',
      ),
  );
});

Deno.test("doubles are written as Java's Double.toString", () => {
  assert.equal(javaDoubleToString(1), "1.0");
  assert.equal(javaDoubleToString(0.5), "0.5");
  assert.equal(javaDoubleToString(2.25), "2.25");
  assert.equal(javaDoubleToString(0), "0.0");
  assert.equal(javaDoubleToString(1234567), "1234567.0");
  assert.equal(javaDoubleToString(1e7), "1.0E7");
  assert.equal(javaDoubleToString(12345678.5), "1.23456785E7");
  assert.equal(javaDoubleToString(0.001), "0.001");
  assert.equal(javaDoubleToString(0.0001), "1.0E-4");
  assert.equal(javaDoubleToString(-1.5e-5), "-1.5E-5");
});

Deno.test("strings are escaped as Jackson escapes them", () => {
  assert.equal(writeJavaString('a"b\\c'), '"a\\"b\\\\c"');
  assert.equal(writeJavaString("line\nnext\ttab\r"), '"line\\nnext\\ttab\\r"');
  assert.equal(writeJavaString("\u001b[0m"), '"\\u001B[0m"');
  assert.equal(writeJavaString("ünïcødé / </script>"), '"ünïcødé / </script>"');
});
