import assert from "node:assert/strict";
import { join } from "node:path";
import { FlinkDeployments, FlinkStateSnapshots } from "../../lib/flink/resources.ts";
import { testStateDir } from "../support/cluster.ts";
import { integrationTest, waitFor } from "../support/integration.ts";
import { startOperator } from "../support/operator.ts";
import { application, getFd, isRunningStable, patchSpec, waitForFd } from "../support/flink.ts";
import {
  exists,
  getSnapshot,
  hostPath,
  snapshotEvents,
  snapshotResource,
  waitForSnapshot,
} from "./snapshot_helpers.ts";

/** Container logs of the pods of `ns` whose name starts with `prefix` (node agent log files). */
async function podLogs(ns: string, prefix: string): Promise<string> {
  const root = join(testStateDir(), "nodeagent", "logs");
  let text = "";
  for await (const dir of Deno.readDir(root)) {
    if (!dir.isDirectory || !dir.name.startsWith(`${ns}_${prefix}`)) continue;
    for await (const file of Deno.readDir(join(root, dir.name))) {
      text += await Deno.readTextFile(join(root, dir.name, file.name));
    }
  }
  return text;
}

async function completedSavepoint(
  client: Parameters<typeof getSnapshot>[0],
  ns: string,
  name: string,
  spec: Record<string, unknown>,
): Promise<string> {
  await client.create(FlinkStateSnapshots, ns, snapshotResource(ns, name, spec));
  const s = await waitForSnapshot(
    client,
    ns,
    name,
    "COMPLETED",
    (s) => s.status?.state === "COMPLETED",
  );
  return s.status!.path!;
}

integrationTest(
  "FlinkStateSnapshot deletion disposes of savepoint data through the running job",
  async ({ client, ns }) => {
    const op = await startOperator(client, ns);
    try {
      await client.create(FlinkDeployments, ns, application(ns, "job"));
      await waitForFd(client, ns, "job", "running", isRunningStable);
      const ref = { kind: "FlinkDeployment", name: "job" };

      const disposed = await completedSavepoint(client, ns, "disposed", {
        jobReference: ref,
        savepoint: { disposeOnDelete: true },
      });
      const kept = await completedSavepoint(client, ns, "kept", {
        jobReference: ref,
        savepoint: { disposeOnDelete: false },
      });
      await client.create(
        FlinkStateSnapshots,
        ns,
        snapshotResource(ns, "checkpoint", { jobReference: ref, checkpoint: {} }),
      );
      await waitForSnapshot(
        client,
        ns,
        "checkpoint",
        "COMPLETED",
        (s) => s.status?.state === "COMPLETED",
      );
      assert.ok(await exists(hostPath(disposed)), `${hostPath(disposed)} exists`);
      assert.ok(await exists(hostPath(kept)));

      for (const name of ["disposed", "kept", "checkpoint"]) {
        await client.delete(FlinkStateSnapshots, ns, name);
      }
      for (const name of ["disposed", "kept", "checkpoint"]) {
        await waitFor(`${name} to be deleted`, async () => !(await getSnapshot(client, ns, name)));
      }
      // The simulator deleted the savepoint directory and logged the disposal, like Flink.
      await waitFor(
        "the savepoint directory to be gone",
        async () => !(await exists(hostPath(disposed))),
      );
      assert.ok((await podLogs(ns, "job-")).includes(`Disposing savepoint ${disposed}`));
      assert.ok(await exists(hostPath(kept)), "disposeOnDelete false keeps the data");
    } finally {
      await op.stop();
    }
  },
);

integrationTest(
  "FlinkStateSnapshot deletion without a running job: CleanupFailed, finalizer removed after the wait",
  async ({ client, ns }) => {
    const op = await startOperator(client, ns, { "flinkop.snapshot.disposal.timeout": "5 s" });
    try {
      await client.create(FlinkDeployments, ns, application(ns, "job"));
      await waitForFd(client, ns, "job", "running", isRunningStable);
      const path = await completedSavepoint(client, ns, "orphaned", {
        jobReference: { kind: "FlinkDeployment", name: "job" },
        savepoint: { disposeOnDelete: true },
      });
      await patchSpec(client, ns, "job", { job: { state: "suspended" } });
      await waitForFd(
        client,
        ns,
        "job",
        "suspended",
        (fd) =>
          fd.status?.lifecycleState === "SUSPENDED" && fd.status?.jobStatus?.state !== "RUNNING",
      );

      const deletedAt = Date.now();
      await client.delete(FlinkStateSnapshots, ns, "orphaned");
      await waitFor(
        "a CleanupFailed event saying disposal cannot happen",
        async () =>
          (await snapshotEvents(client, ns, "orphaned")).some((e) =>
            e.reason === "CleanupFailed" && e.message.includes("is not running")
          ),
      );
      const terminating = await getSnapshot(client, ns, "orphaned");
      assert.ok(terminating?.metadata.deletionTimestamp, "held by the finalizer meanwhile");

      await waitFor(
        "the snapshot to be released",
        async () => !(await getSnapshot(client, ns, "orphaned")),
        { timeoutMs: 20_000 },
      );
      assert.ok(Date.now() - deletedAt >= 3000, "released only after the bounded wait");
      const events = await snapshotEvents(client, ns, "orphaned");
      assert.ok(
        events.some((e) =>
          e.reason === "CleanupFailed" && e.message.includes("removing the finalizer")
        ),
        JSON.stringify(events),
      );
      assert.ok(await exists(hostPath(path)), "the data was not disposed of");
      assert.equal((await getFd(client, ns, "job"))?.status?.lifecycleState, "SUSPENDED");
    } finally {
      await op.stop();
    }
  },
);
