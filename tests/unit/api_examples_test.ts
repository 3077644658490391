import { COUNTER_JAR_URL } from "../../cluster/artifact_server.ts";
import assert from "node:assert/strict";
import YAML from "yaml";
import {
  FLINK_API_VERSION,
  type FlinkDeployment,
  parseFlinkDeployment,
  parseFlinkSessionJob,
  parseFlinkStateSnapshot,
} from "../../lib/api/mod.ts";
import { isCanary } from "../../lib/flink/canary.ts";
import type { KubeObject } from "../../lib/kube/resource.ts";

const EXAMPLES_DIR = new URL("../../examples/", import.meta.url);

Deno.test("canary.yaml is FKO's canary: the label, no spec", async () => {
  const doc = await example("canary.yaml") as KubeObject & { spec?: unknown };
  assert.equal(doc.kind, "FlinkDeployment");
  assert.ok(isCanary(doc));
  assert.equal(doc.spec, undefined);
});

const parsers: Record<string, (input: unknown) => unknown> = {
  FlinkDeployment: parseFlinkDeployment,
  FlinkSessionJob: parseFlinkSessionJob,
  FlinkStateSnapshot: parseFlinkStateSnapshot,
};

async function exampleDocuments(): Promise<Array<{ file: string; doc: unknown }>> {
  const documents: Array<{ file: string; doc: unknown }> = [];
  for await (const entry of Deno.readDir(EXAMPLES_DIR)) {
    if (!entry.isFile || !/\.ya?ml$/.test(entry.name)) continue;
    const text = await Deno.readTextFile(new URL(entry.name, EXAMPLES_DIR));
    for (const document of YAML.parseAllDocuments(text)) {
      assert.deepEqual(document.errors, [], `${entry.name}: YAML errors`);
      documents.push({ file: entry.name, doc: document.toJS() });
    }
  }
  return documents;
}

async function example(file: string): Promise<unknown> {
  return YAML.parse(await Deno.readTextFile(new URL(file, EXAMPLES_DIR)));
}

Deno.test("every example parses with the parser of its kind", async () => {
  const documents = await exampleDocuments();
  assert.ok(documents.length >= 5, "expected at least five example resources");
  for (const { file, doc } of documents) {
    const { apiVersion, kind } = doc as { apiVersion?: string; kind?: string };
    assert.equal(apiVersion, FLINK_API_VERSION, file);
    // Canaries are never parsed by the operator (they need no spec); see the canary test.
    if (isCanary(doc as KubeObject)) continue;
    const parse = parsers[kind ?? ""];
    assert.ok(parse, `${file}: unexpected kind ${kind}`);
    parse(doc);
  }
});

Deno.test("basic-application is a stateless native application", async () => {
  const deployment = parseFlinkDeployment(await example("basic-application.yaml"));
  const { spec } = deployment;
  assert.equal(spec.flinkVersion, "v1_20");
  assert.equal(spec.image, "flink:1.20");
  assert.equal(spec.mode, "native");
  assert.equal(spec.serviceAccount, "flink");
  assert.equal(spec.job!.jarURI, "local:///opt/flink/examples/streaming/StateMachineExample.jar");
  assert.equal(spec.job!.parallelism, 2);
  assert.equal(spec.job!.upgradeMode, "stateless");
  for (const component of [spec.jobManager!, spec.taskManager!]) {
    assert.deepEqual(component.resource, { memory: "2048m", cpu: 1 });
  }
});

Deno.test("stateful-application uses last-state with Kubernetes HA", async () => {
  const deployment: FlinkDeployment = parseFlinkDeployment(
    await example("stateful-application.yaml"),
  );
  assert.equal(deployment.spec.job!.upgradeMode, "last-state");
  const config = deployment.spec.flinkConfiguration as Record<string, string>;
  assert.equal(config["high-availability.type"], "kubernetes");
  for (
    const key of ["high-availability.storageDir", "state.checkpoints.dir", "state.savepoints.dir"]
  ) {
    assert.match(config[key], /^file:\/\/\/flink-data\//, key);
  }
});

Deno.test("session-cluster has no job and session-job targets it", async () => {
  const cluster = parseFlinkDeployment(await example("session-cluster.yaml"));
  assert.equal(cluster.spec.job, undefined);
  const sessionJob = parseFlinkSessionJob(await example("session-job.yaml"));
  assert.equal(sessionJob.spec.deploymentName, cluster.metadata.name);
  // The jar of the local cluster's artifact server (cluster/artifact_server.ts), never the internet.
  assert.equal(sessionJob.spec.job!.jarURI, COUNTER_JAR_URL);
  assert.equal(sessionJob.spec.job!.upgradeMode, "savepoint");
});

Deno.test("savepoint snapshots the stateful application", async () => {
  const snapshot = parseFlinkStateSnapshot(await example("savepoint.yaml"));
  const stateful = parseFlinkDeployment(await example("stateful-application.yaml"));
  assert.equal(snapshot.metadata.name, "example-savepoint");
  assert.equal(snapshot.spec.backoffLimit, 0);
  assert.deepEqual(snapshot.spec.jobReference, {
    kind: "FlinkDeployment",
    name: stateful.metadata.name,
  });
  assert.equal(snapshot.spec.savepoint!.disposeOnDelete, true);
  assert.equal(snapshot.spec.savepoint!.formatType, "NATIVE");
  assert.equal(snapshot.spec.checkpoint, undefined);
});
