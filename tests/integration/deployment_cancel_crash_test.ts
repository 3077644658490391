/**
 * Found by the chaos run (docs/reliability.md): a last-state job without HA metadata is stopped by
 * a cancel (restored from its last checkpoint). An operator that dies right after the cancel left
 * a CANCELED job that the next operator marks suspended (as FKO does); the restore mode must have
 * been written ahead, or the job resumes from empty state.
 */
import assert from "node:assert/strict";
import { FlinkDeployments } from "../../lib/flink/resources.ts";
import { integrationTest, waitFor } from "../support/integration.ts";
import { prepareNamespace } from "../support/operator.ts";
import { spawnOperator } from "../support/operator_process.ts";
import {
  application,
  getFd,
  isRunningStable,
  jobCounter,
  jobManagerUrl,
  patchSpec,
  waitForFd,
} from "../support/flink.ts";

integrationTest(
  "crash safety: operator killed right after cancelling a last-state job; resume keeps its state",
  async ({ client, ns }) => {
    await prepareNamespace(client, ns);
    await client.create(FlinkDeployments, ns, application(ns, "ls", { upgradeMode: "last-state" }));
    let op = await spawnOperator(ns);
    try {
      await waitForFd(client, ns, "ls", "running", isRunningStable);
      await waitFor("some state", async () => (await jobCounter(client, ns, "ls")) >= 20);
    } finally {
      await op.kill();
    }

    // Suspend with an operator that dies right after writing CANCELLING (the cancel was sent).
    op = await spawnOperator(ns, { crashAt: "cancelling" });
    try {
      await patchSpec(client, ns, "ls", { job: { state: "suspended" } });
      const status = await op.exited(60_000);
      assert.equal(
        status.code,
        137,
        `operator should have crashed after the cancel:\n${op.output}`,
      );
    } finally {
      await op.kill();
    }

    op = await spawnOperator(ns);
    try {
      const suspended = await waitForFd(
        client,
        ns,
        "ls",
        "suspended",
        (f) =>
          f.status?.lifecycleState === "SUSPENDED" && f.status?.jobStatus?.state === "CANCELED",
      );
      const restorePoint = suspended.status!.jobStatus!.upgradeSavepointPath;
      assert.match(restorePoint ?? "", /\/chk-\d+$/, "the last checkpoint is the restore point");

      await patchSpec(client, ns, "ls", { job: { state: "running" } });
      const resumed = await waitForFd(
        client,
        ns,
        "ls",
        "resumed",
        (f) =>
          f.status?.observedGeneration === suspended.metadata.generation! + 1 &&
          isRunningStable(f),
      );
      const url = await jobManagerUrl(client, ns, "ls");
      const jobId = resumed.status!.jobStatus!.jobId!;
      const stats = await (await fetch(`${url}/v1/jobs/${jobId}/checkpoints`)).json();
      assert.equal(stats.latest.restored?.external_path, restorePoint, "restored, not empty");
      assert.ok((await jobCounter(client, ns, "ls")) >= 20, "the counter continued");
    } finally {
      await op.kill();
      await client.delete(FlinkDeployments, ns, "ls");
      const cleanup = await spawnOperator(ns);
      await waitFor("cleanup", async () => !(await getFd(client, ns, "ls")), { timeoutMs: 60_000 })
        .finally(() => cleanup.kill());
    }
  },
  { sanitizeResources: false, sanitizeOps: false },
);
