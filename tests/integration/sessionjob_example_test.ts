import assert from "node:assert/strict";
import { parse } from "yaml";
import { artifactSettings, startArtifactServer } from "../../cluster/artifact_server.ts";
import { FlinkDeployments, FlinkSessionJobs } from "../../lib/flink/resources.ts";
import type { KubeObject } from "../../lib/kube/resource.ts";
import { integrationTest } from "../support/integration.ts";
import { startOperator } from "../support/operator.ts";
import { clusterJobs, isSjRunningStable, waitForSj } from "../support/session_job.ts";

const repo = new URL("../..", import.meta.url).pathname;

async function example(file: string, ns: string): Promise<KubeObject> {
  const obj = parse(await Deno.readTextFile(`${repo}examples/${file}`)) as KubeObject;
  return { ...obj, metadata: { ...obj.metadata, namespace: ns } };
}

integrationTest(
  "examples/session-cluster.yaml and examples/session-job.yaml run as written (jar from the demo's server)",
  async ({ client, ns }) => {
    await using server = await startArtifactServer();
    const baseDir = await Deno.makeTempDir({ prefix: "flinkop-artifacts-" });
    const op = await startOperator(client, ns, artifactSettings(baseDir));
    try {
      await client.create(FlinkDeployments, ns, await example("session-cluster.yaml", ns));
      await client.create(FlinkSessionJobs, ns, await example("session-job.yaml", ns));
      const sj = await waitForSj(client, ns, "basic-session-job", "running", isSjRunningStable);
      const jobs = await clusterJobs(client, ns, "basic-session-cluster");
      assert.equal(jobs.get(sj.status!.jobStatus!.jobId!), "RUNNING");
      assert.ok(server.paths.includes("/counter.jar"));
    } finally {
      await op.stop();
    }
  },
);
