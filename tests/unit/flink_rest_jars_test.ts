import assert from "node:assert/strict";
import { jarRunBody } from "../../lib/flink/rest/client.ts";
import {
  compareFlinkVersion,
  type FlinkVersion,
  flinkVersionFromRuntime,
} from "../../lib/flink/rest/flink_version.ts";
import { withFakeFlink } from "./flink_rest_fake_server.ts";
import { JOB_ID } from "./flink_rest_fixtures.ts";

const JAR_ID = "5e2f4c1a-9d0b-4f7e-8a6c-1b2d3e4f5a6b_my-job.jar";

Deno.test("uploadJar sends one multipart part 'jarfile' as application/x-java-archive", async () => {
  const jar = new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0x00, 0xff, 0x80, 0x0d, 0x0a, 0x7f]);
  await withFakeFlink((f) => {
    f.on("POST", "/jars/upload", {
      json: { filename: `/tmp/flink-web-1234/flink-web-upload/${JAR_ID}`, status: "success" },
    });
  }, async (f) => {
    const jarId = await f.client().uploadJar(jar, "/var/tmp/downloads/my-job.jar");
    assert.equal(jarId, JAR_ID);

    const req = f.only("POST", "/jars/upload");
    const boundary = /^multipart\/form-data; boundary=(.+)$/.exec(req.contentType ?? "")?.[1];
    assert.ok(boundary, `content type ${req.contentType}`);
    const head = `--${boundary}\r\n` +
      `Content-Disposition: form-data; name="jarfile"; filename="my-job.jar"\r\n` +
      `Content-Type: application/x-java-archive\r\n\r\n`;
    const tail = `\r\n--${boundary}--\r\n`;
    const expected = new Uint8Array([
      ...new TextEncoder().encode(head),
      ...jar,
      ...new TextEncoder().encode(tail),
    ]);
    assert.deepEqual(req.bytes, expected);

    // A standard multipart parser sees exactly one file with the original bytes.
    const form = await new Response(req.bytes, { headers: { "content-type": req.contentType! } })
      .formData();
    const file = form.get("jarfile");
    assert.ok(file instanceof File);
    assert.equal(file.name, "my-job.jar");
    assert.equal(file.type, "application/x-java-archive");
    assert.deepEqual(new Uint8Array(await file.arrayBuffer()), jar);
    assert.equal([...form.keys()].length, 1);
  });
});

Deno.test("uploadJar rejects an answer that is not status success", async () => {
  await withFakeFlink((f) => {
    f.on("POST", "/jars/upload", { json: { filename: "/tmp/x.jar", status: "failure" } });
  }, async (f) => {
    await assert.rejects(f.client().uploadJar(new Uint8Array([1]), "x.jar"), /unexpected response/);
  });
});

Deno.test("runJar before 1.20 sends restoreMode, from 1.20 claimMode", async () => {
  const seen = new Map<string, unknown>();
  for (const version of ["v1_19", "v1_20", "v2_1"] as FlinkVersion[]) {
    await withFakeFlink((f) => {
      f.on("POST", `/jars/${JAR_ID}/run`, { json: { jobid: JOB_ID } });
    }, async (f) => {
      const jobId = await f.client().runJar(JAR_ID, {
        entryClass: "org.apache.flink.streaming.examples.statemachine.StateMachineExample",
        programArgsList: ["--error-rate", "0.1"],
        parallelism: 2,
        jobId: JOB_ID,
        savepointPath: "s3://bucket/savepoints/sp-1",
        allowNonRestoredState: false,
        flinkConfiguration: { "taskmanager.numberOfTaskSlots": "2" },
      }, version);
      assert.equal(jobId, JOB_ID);
      seen.set(version, f.only("POST", `/jars/${JAR_ID}/run`).json);
    });
  }
  const common = {
    entryClass: "org.apache.flink.streaming.examples.statemachine.StateMachineExample",
    programArgsList: ["--error-rate", "0.1"],
    parallelism: 2,
    jobId: JOB_ID,
    savepointPath: "s3://bucket/savepoints/sp-1",
    allowNonRestoredState: false,
    flinkConfiguration: { "taskmanager.numberOfTaskSlots": "2" },
  };
  assert.deepEqual(seen.get("v1_19"), { ...common, restoreMode: "NO_CLAIM" });
  assert.deepEqual(seen.get("v1_20"), { ...common, claimMode: "NO_CLAIM" });
  assert.deepEqual(seen.get("v2_1"), { ...common, claimMode: "NO_CLAIM" });
});

Deno.test("jar run body: no flinkConfiguration before 1.17, parallelism only when > 0", () => {
  assert.deepEqual(
    jarRunBody({ parallelism: 0, flinkConfiguration: { a: "b" } }, "v1_16"),
    { restoreMode: "NO_CLAIM" },
  );
  assert.deepEqual(
    jarRunBody({ parallelism: -1, flinkConfiguration: { a: "b" } }, "v1_17"),
    { restoreMode: "NO_CLAIM", flinkConfiguration: { a: "b" } },
  );
  assert.deepEqual(jarRunBody({ claimMode: "CLAIM" }, "v2_0"), { claimMode: "CLAIM" });
});

Deno.test("deleteJar and shutdownCluster use DELETE", async () => {
  await withFakeFlink((f) => {
    f.on("DELETE", `/jars/${JAR_ID}`, { json: {} });
    f.on("DELETE", "/cluster", { json: {} });
  }, async (f) => {
    const client = f.client();
    await client.deleteJar(JAR_ID);
    await client.shutdownCluster();
    assert.deepEqual(f.requests.map((r) => `${r.method} ${r.path}`), [
      `DELETE /v1/jars/${encodeURIComponent(JAR_ID)}`,
      "DELETE /v1/cluster",
    ]);
  });
});

Deno.test("Flink version helpers order the CRD enum and map runtime versions", () => {
  assert.ok(compareFlinkVersion("v1_20", "v1_17") > 0);
  assert.ok(compareFlinkVersion("v1_17", "v2_0") < 0);
  assert.equal(compareFlinkVersion("v2_1", "v2_1"), 0);
  assert.equal(flinkVersionFromRuntime("1.20.1"), "v1_20");
  assert.equal(flinkVersionFromRuntime("2.1-SNAPSHOT"), "v2_1");
  assert.equal(flinkVersionFromRuntime("1.12.0"), undefined);
  assert.equal(flinkVersionFromRuntime("unknown"), undefined);
  assert.throws(() => compareFlinkVersion("v9_9" as FlinkVersion, "v1_17"), RangeError);
});
