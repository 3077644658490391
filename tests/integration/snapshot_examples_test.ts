import assert from "node:assert/strict";
import YAML from "yaml";
import type { KubeObject } from "../../lib/kube/resource.ts";
import { FlinkDeployments, FlinkStateSnapshots } from "../../lib/flink/resources.ts";
import { integrationTest } from "../support/integration.ts";
import { startOperator } from "../support/operator.ts";
import { isRunningStable, waitForFd } from "../support/flink.ts";
import { jobManagerConfig, restorePathOf, waitForSnapshot } from "./snapshot_helpers.ts";

async function example(file: string, namespace: string): Promise<KubeObject> {
  const text = await Deno.readTextFile(new URL(`../../examples/${file}`, import.meta.url));
  const obj = YAML.parse(text) as KubeObject;
  obj.metadata.namespace = namespace;
  return obj;
}

integrationTest(
  "the snapshot examples work as written",
  async ({ client, ns }) => {
    const op = await startOperator(client, ns);
    try {
      await client.create(FlinkDeployments, ns, await example("snapshot-application.yaml", ns));
      await waitForFd(client, ns, "snapshot-demo", "running", isRunningStable);

      for (
        const file of [
          "snapshot-savepoint.yaml",
          "snapshot-checkpoint.yaml",
          "snapshot-existing.yaml",
        ]
      ) {
        await client.create(FlinkStateSnapshots, ns, await example(file, ns));
      }
      const savepoint = await waitForSnapshot(
        client,
        ns,
        "snapshot-demo-savepoint",
        "COMPLETED",
        (s) => s.status?.state === "COMPLETED",
      );
      assert.match(
        savepoint.status!.path!,
        /^file:\/flink-data\/snapshot-demo\/manual\/savepoint-/,
      );
      const checkpoint = await waitForSnapshot(
        client,
        ns,
        "snapshot-demo-checkpoint",
        "COMPLETED",
        (s) => s.status?.state === "COMPLETED",
      );
      assert.match(checkpoint.status!.path!, /^file:\/flink-data\/snapshot-demo\/checkpoints\//);
      const imported = await waitForSnapshot(
        client,
        ns,
        "imported-savepoint",
        "COMPLETED",
        (s) => s.status?.state === "COMPLETED",
      );
      assert.equal(imported.status!.path, "file:/flink-data/archive/savepoint-3c1e2f-0a1b2c3d4e5f");

      // A new deployment starts from the savepoint snapshot.
      await client.create(FlinkDeployments, ns, await example("snapshot-restore.yaml", ns));
      const copy = await waitForFd(client, ns, "snapshot-demo-copy", "running", isRunningStable);
      assert.equal(copy.status!.jobStatus!.upgradeSavepointPath, savepoint.status!.path);
      assert.equal(
        restorePathOf(await jobManagerConfig(client, ns, "snapshot-demo-copy")),
        savepoint.status!.path,
      );
    } finally {
      await op.stop();
    }
  },
);
