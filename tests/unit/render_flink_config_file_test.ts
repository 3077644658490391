import assert from "node:assert/strict";
import YAML from "yaml";
import { ConfigError } from "../../lib/config/config_error.ts";
import {
  configFileName,
  parseFlinkConfigFile,
  renderFlinkConfigFile,
} from "../../lib/flink/render/mod.ts";
import { deployConfigOf, exampleDeployment } from "./render_fixtures.ts";

const SAMPLE: Record<string, string> = {
  "taskmanager.numberOfTaskSlots": "2",
  "high-availability": "kubernetes",
  "high-availability.storageDir": "file:///flink-data/ha",
  "execution.checkpointing.interval": "10 s",
  "$internal.application.program-args": "--input;'a;b'",
  "pipeline.jars": "local:///opt/flink/job.jar",
  "kubernetes.jobmanager.annotations": "flinkdeployment.flink.apache.org/generation:3",
  "web.cancel.enable": "false",
  "env.java.opts.all": "-Dfoo=bar: baz",
};

Deno.test("the file name switches to config.yaml with Flink 2.0", () => {
  assert.equal(configFileName("v1_18"), "flink-conf.yaml");
  assert.equal(configFileName("v1_19"), "flink-conf.yaml");
  assert.equal(configFileName("v1_20"), "flink-conf.yaml");
  assert.equal(configFileName("v2_0"), "config.yaml");
  assert.equal(configFileName("v2_2"), "config.yaml");
});

Deno.test("flink-conf.yaml: sorted flat key: value lines that round-trip", () => {
  for (const version of ["v1_18", "v1_20"] as const) {
    const file = renderFlinkConfigFile(SAMPLE, version);
    assert.equal(file.fileName, "flink-conf.yaml");
    const lines = file.content.trimEnd().split("\n");
    const keys = lines.map((line) => line.slice(0, line.indexOf(": ")));
    assert.deepEqual(keys, Object.keys(SAMPLE).sort());
    assert.ok(lines.includes("high-availability: kubernetes"));
    assert.ok(lines.includes("$internal.application.program-args: --input;'a;b'"));
    assert.deepEqual(parseFlinkConfigFile(file.fileName, file.content), SAMPLE);
  }
});

Deno.test("flink-conf.yaml skips empty values, which Flink ignores anyway", () => {
  const file = renderFlinkConfigFile({ a: "1", "$internal.application.program-args": "" }, "v1_20");
  assert.equal(file.content, "a: 1\n");
});

Deno.test("flink-conf.yaml rejects values it cannot express", () => {
  for (const value of ["http://host/#fragment", "two\nlines"]) {
    assert.throws(
      () => renderFlinkConfigFile({ "metrics.url": value }, "v1_18"),
      (error: unknown) => error instanceof ConfigError && error.key === "metrics.url",
    );
  }
  assert.throws(() => renderFlinkConfigFile({ "bad: key": "x" }, "v1_18"), ConfigError);
  // config.yaml can carry them.
  const file = renderFlinkConfigFile({ "metrics.url": "http://host/#f", m: "a\nb" }, "v2_0");
  assert.deepEqual(parseFlinkConfigFile(file.fileName, file.content), {
    "metrics.url": "http://host/#f",
    m: "a\nb",
  });
});

Deno.test("config.yaml: standard YAML with flat keys, list options as sequences", () => {
  const file = renderFlinkConfigFile(SAMPLE, "v2_0");
  assert.equal(file.fileName, "config.yaml");
  const doc = YAML.parse(file.content);
  // Flat dotted keys: `high-availability` and `high-availability.storageDir` coexist.
  assert.equal(doc["high-availability"], "kubernetes");
  assert.equal(doc["high-availability.storageDir"], "file:///flink-data/ha");
  assert.deepEqual(doc["$internal.application.program-args"], ["--input", "a;b"]);
  assert.deepEqual(doc["pipeline.jars"], ["local:///opt/flink/job.jar"]);
  // Strings stay strings for YAML readers (no boolean/number surprises).
  assert.equal(doc["web.cancel.enable"], "false");
  assert.equal(doc["taskmanager.numberOfTaskSlots"], "2");
  assert.deepEqual(parseFlinkConfigFile(file.fileName, file.content), SAMPLE);
});

Deno.test("config.yaml parser flattens nested YAML and rejects a key given twice", () => {
  const nested = "jobmanager:\n  rpc:\n    port: 6123\nparallelism.default: 2\nlist: [a, 'b;c']\n";
  assert.deepEqual(parseFlinkConfigFile("config.yaml", nested), {
    "jobmanager.rpc.port": "6123",
    "parallelism.default": "2",
    list: "a;'b;c'",
  });
  assert.throws(
    () => parseFlinkConfigFile("config.yaml", "a:\n  b: 1\na.b: 2\n"),
    /"a\.b" is given twice/,
  );
  assert.deepEqual(parseFlinkConfigFile("config.yaml", ""), {});
});

Deno.test("the legacy parser reads like Flink: comments, first ': ' splits", () => {
  const text = "# header\na: 1 # trailing\nb:c\n  d: e: f  \n\nempty: \n";
  assert.deepEqual(parseFlinkConfigFile("flink-conf.yaml", text), { a: "1", d: "e: f" });
});

Deno.test("deploy configs of the examples round-trip through both file formats", async () => {
  for (const example of ["basic-application.yaml", "stateful-application.yaml"]) {
    const conf = deployConfigOf(await exampleDeployment(example));
    const nonEmpty = Object.fromEntries(Object.entries(conf).filter(([, v]) => v !== ""));
    const legacy = renderFlinkConfigFile(conf, "v1_20");
    assert.deepEqual(parseFlinkConfigFile(legacy.fileName, legacy.content), nonEmpty);
    const standard = renderFlinkConfigFile(conf, "v2_0");
    assert.deepEqual(parseFlinkConfigFile(standard.fileName, standard.content), conf);
  }
});
