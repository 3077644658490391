import assert from "node:assert/strict";
import { parseLaunch } from "../../cluster/flink-sim/launch.ts";
import { flinkVersionOfImage, isFlinkImage } from "../../cluster/flink-sim/image.ts";
import {
  flattenYamlConfig,
  parseDurationMs,
  parseLegacyFlinkConf,
} from "../../cluster/flink-sim/flink_config.ts";
import { ContainerFs, flinkPathText } from "../../cluster/flink-sim/container_fs.ts";
import { loadFlinkConfig } from "../../cluster/flink-sim/config_loader.ts";
import { haApplicationJobId, javaStringHashCode } from "../../cluster/flink-sim/ids.ts";
import { parseFaults } from "../../cluster/flink-sim/faults.ts";
import { splitShellWords } from "../../cluster/flink-sim/shell_words.ts";
import { decodeFlinkList, encodeFlinkList } from "../../cluster/flink-sim/flink_list.ts";

Deno.test("sim: accepts Flink images by repository name", () => {
  assert.equal(isFlinkImage("flink:1.20"), true);
  assert.equal(isFlinkImage("apache/flink:2.0.0-scala_2.12-java17"), true);
  assert.equal(isFlinkImage("registry:5000/x/flink-custom:1"), true);
  assert.equal(isFlinkImage("flink@sha256:abc"), true);
  assert.equal(isFlinkImage("busybox:1.36"), false);
  assert.equal(isFlinkImage("myflink:1"), false);
  assert.equal(isFlinkImage("flinkregistry:5000/busybox"), false);
  assert.deepEqual(flinkVersionOfImage("apache/flink:2.0.0-scala_2.12-java17"), {
    major: 2,
    minor: 0,
    patch: 0,
  });
  assert.deepEqual(flinkVersionOfImage("flink:1.19"), { major: 1, minor: 19, patch: 0 });
  assert.equal(flinkVersionOfImage("flink:latest"), undefined);
});

Deno.test("sim: native entrypoint through bash -c", () => {
  const launch = parseLaunch(["/docker-entrypoint.sh"], [
    "bash",
    "-c",
    "kubernetes-jobmanager.sh kubernetes-application -Dpipeline.name='my job' -D a=b",
  ]);
  if (launch.role !== "jobmanager") throw new Error("expected a JobManager");
  assert.equal(launch.mode, "application");
  assert.equal(launch.deployment, "native");
  assert.deepEqual(launch.dynamicProperties, { "pipeline.name": "my job", a: "b" });

  const session = parseLaunch([], [
    "$FLINK_HOME/bin/kubernetes-jobmanager.sh",
    "kubernetes-session",
  ]);
  assert.equal(session.role === "jobmanager" && session.mode, "session");
  const tm = parseLaunch(["/docker-entrypoint.sh"], ["kubernetes-taskmanager.sh", "-Dx=y"]);
  assert.equal(tm.role, "taskmanager");
});

Deno.test("sim: standalone-job options and program args", () => {
  const launch = parseLaunch([], [
    "standalone-job",
    "--job-classname",
    "org.example.Main",
    "--fromSavepoint",
    "file:///sp/savepoint-1",
    "--allowNonRestoredState",
    "-D",
    "k=v",
    "--job-id",
    "00000000000000000000000000000001",
    "--input",
    "x",
  ]);
  if (launch.role !== "jobmanager") throw new Error("expected a JobManager");
  assert.equal(launch.mode, "application");
  assert.equal(launch.deployment, "standalone");
  assert.equal(launch.jobClassName, "org.example.Main");
  assert.equal(launch.fromSavepoint, "file:///sp/savepoint-1");
  assert.equal(launch.allowNonRestoredState, true);
  assert.equal(launch.jobId, "00000000000000000000000000000001");
  assert.deepEqual(launch.dynamicProperties, { k: "v" });
  assert.deepEqual(launch.programArgs, ["--input", "x"]);

  const jm = parseLaunch([], ["jobmanager"]);
  assert.equal(jm.role === "jobmanager" && jm.mode, "session");
  assert.equal(parseLaunch([], ["taskmanager"]).role, "taskmanager");
  assert.equal(parseLaunch([], ["help"]).role, "none");
  assert.equal(parseLaunch(["sleep", "10"], []).role, "none");
});

Deno.test("sim: shell word splitting", () => {
  assert.deepEqual(splitShellWords(`a "b c" 'd e' f\\ g && h`), ["a", "b c", "d e", "f g"]);
});

Deno.test("sim: config parsing (standard YAML, legacy file, durations)", () => {
  assert.deepEqual(
    flattenYamlConfig(
      "execution:\n  checkpointing:\n    interval: 5 s\nrest.port: 8081\nlist: [a, b]\nflag: true\n",
    ),
    { "execution.checkpointing.interval": "5 s", "rest.port": "8081", list: "a;b", flag: "true" },
  );
  assert.deepEqual(parseLegacyFlinkConf("# c\na.b: 1 # trailing\nbad line\nc: x: y\n"), {
    "a.b": "1",
    c: "x: y",
  });
  assert.equal(parseDurationMs("5 s"), 5000);
  assert.equal(parseDurationMs("2min"), 120_000);
  assert.equal(parseDurationMs("250"), 250);
  assert.equal(parseDurationMs("soon"), undefined);
});

Deno.test("sim: config layering and file choice by version", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/config.yaml`, "a: yaml\nb: yaml\nc: yaml\n");
    await Deno.writeTextFile(`${dir}/flink-conf.yaml`, "a: legacy\n");
    const fs = new ContainerFs({ "/opt/flink/conf": dir }, "/nonexistent");
    const launch = parseLaunch([], ["jobmanager", "-Dc=dynamic"]);
    if (launch.role !== "jobmanager") throw new Error("expected a JobManager");
    const env = { FLINK_PROPERTIES: "b: props\nc: props" };
    const v120 = await loadFlinkConfig({
      launch,
      env,
      fs,
      imageVersion: { major: 1, minor: 20, patch: 0 },
    });
    // 1.x prefers a present flink-conf.yaml.
    assert.equal(v120.get("a"), "legacy");
    assert.equal(v120.get("b"), "props");
    assert.equal(v120.get("c"), "dynamic");
    const v2 = await loadFlinkConfig({
      launch,
      env,
      fs,
      imageVersion: { major: 2, minor: 0, patch: 0 },
    });
    assert.equal(v2.get("a"), "yaml");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("sim: Flink paths map to mounts or the shared root", () => {
  const fs = new ContainerFs({ "/opt/flink/conf": "/host/conf", "/data": "/host/data" }, "/shared");
  assert.equal(fs.hostPath("file:///flink/sp/x"), "/shared/flink/sp/x");
  assert.equal(fs.hostPath("file:/flink/sp"), "/shared/flink/sp");
  assert.equal(fs.hostPath("/data/ckpt"), "/host/data/ckpt");
  assert.equal(fs.hostPath("file:///data/../etc/passwd"), "/shared/etc/passwd");
  assert.equal(fs.hostPath("s3://bucket/sp"), "/shared/_schemes/s3/bucket/sp");
  assert.equal(
    fs.hostPath("KUBERNETES_OPERATOR_LAST_STATE"),
    "/shared/opt/flink/KUBERNETES_OPERATOR_LAST_STATE",
  );
  assert.equal(flinkPathText("file:///flink/sp/"), "file:/flink/sp");
  assert.equal(flinkPathText("s3://bucket/a"), "s3://bucket/a");
});

Deno.test("sim: HA application job id is derived from the cluster id like Flink", () => {
  assert.equal(javaStringHashCode("hello"), 99162322);
  assert.equal(haApplicationJobId("hello"), "0000000005e918d20000000000000000");
  // Negative hashes are sign-extended to 64 bits.
  assert.ok(haApplicationJobId("polygenelubricants").startsWith("ffffffff"));
});

Deno.test("sim: fault annotations", () => {
  const faults = parseFaults({
    "sim.flinkop.dev/job-fail": "true",
    "sim.flinkop.dev/savepoint-fail": "disk full",
    "sim.flinkop.dev/job-restarts": "3",
    "sim.flinkop.dev/jobmanager-crash": "1500",
    "sim.flinkop.dev/rest-unreachable": "hang",
    "other/annotation": "x",
  });
  assert.match(faults.jobFail!, /Simulated job failure/);
  assert.equal(faults.savepointFail, "disk full");
  assert.equal(faults.checkpointFail, undefined);
  assert.equal(faults.jobRestarts, 3);
  assert.equal(faults.jobManagerCrashAfterMs, 1500);
  assert.equal(faults.restUnreachable, "hang");
  assert.equal(
    parseFaults({ "sim.flinkop.dev/jobmanager-crash": "true" }).jobManagerCrashAfterMs,
    0,
  );
  assert.equal(parseFaults({ "sim.flinkop.dev/job-fail": "false" }).jobFail, undefined);
});

Deno.test("sim: Flink list text round-trips items with separators and quotes", () => {
  const items = ["--a", "b;c", "it's", ""];
  assert.deepEqual(decodeFlinkList(encodeFlinkList(items)), items);
  assert.deepEqual(decodeFlinkList(`x;"y;""z""";'w'`), ["x", 'y;"z"', "w"]);
  assert.deepEqual(decodeFlinkList(""), []);
  assert.equal(flattenYamlConfig("args: [a, 'b;c']\n").args, "a;'b;c'");
});
