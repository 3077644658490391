import assert from "node:assert/strict";
import { FlinkDeployments } from "../../lib/flink/resources.ts";
import { integrationTest, waitFor } from "../support/integration.ts";
import { startOperator } from "../support/operator.ts";
import {
  application,
  eventsFor,
  type Fd,
  isRunningStable,
  jobCounter,
  patchSpec,
  upgradeSnapshots,
  waitForFd,
} from "../support/flink.ts";
import type { KubeClient } from "../../lib/kube/client.ts";

/** Deploys, waits until running with some state, and returns the job id and counter. */
async function runningWithState(client: KubeClient, ns: string, name: string) {
  const fd = await waitForFd(client, ns, name, "running and stable", isRunningStable);
  const minimum = 5;
  await waitFor(
    `${name}'s counter to reach ${minimum}`,
    async () => (await jobCounter(client, ns, name)) >= minimum,
  );
  return { jobId: fd.status!.jobStatus!.jobId!, generation: fd.metadata.generation! };
}

/** Waits for the upgraded job (new generation reconciled, running and stable). */
async function upgraded(client: KubeClient, ns: string, name: string, generation: number) {
  return await waitForFd(
    client,
    ns,
    name,
    `generation ${generation} running and stable`,
    (fd: Fd) => fd.status?.observedGeneration === generation && isRunningStable(fd),
  );
}

integrationTest(
  "savepoint upgrade: stop-with-savepoint, restore from it, state continues",
  async ({ client, ns }) => {
    const op = await startOperator(client, ns);
    try {
      await client.create(
        FlinkDeployments,
        ns,
        application(ns, "sp", { upgradeMode: "savepoint" }),
      );
      const before = await runningWithState(client, ns, "sp");
      await patchSpec(client, ns, "sp", { job: { args: ["--upgraded"] } });
      const stoppedAt = await jobCounter(client, ns, "sp").catch(() => 0);
      const fd = await upgraded(client, ns, "sp", before.generation + 1);
      const js = fd.status!.jobStatus!;
      assert.notEqual(js.jobId, before.jobId, "a savepoint upgrade starts a new job id");
      assert.match(js.upgradeSavepointPath ?? "", /savepoint-/);
      // FKO's default: the upgrade savepoint is recorded as an UPGRADE FlinkStateSnapshot.
      const snapshots = await upgradeSnapshots(client, ns, "sp");
      assert.equal(snapshots.length, 1);
      assert.equal(snapshots[0].status?.path, js.upgradeSavepointPath);
      assert.equal(snapshots[0].metadata.ownerReferences, undefined, "outlives the deployment");
      assert.equal(js.savepointInfo?.triggerId ?? undefined, undefined, "no pending trigger left");
      const counter = await jobCounter(client, ns, "sp");
      assert.ok(counter >= stoppedAt, `state must continue: ${counter} < ${stoppedAt}`);
      const reasons = (await eventsFor(client, ns, "sp")).map((e) => e.reason);
      assert.ok(reasons.includes("SpecChanged") && reasons.includes("Suspended"), `${reasons}`);
      const reconciled = JSON.parse(fd.status!.reconciliationStatus!.lastReconciledSpec!);
      assert.equal(reconciled.spec.job.upgradeMode, "savepoint");
      assert.deepEqual(reconciled.spec.job.args, ["--upgraded"]);
    } finally {
      await op.stop();
    }
  },
);

integrationTest(
  "last-state upgrade with Kubernetes HA keeps the job id and its state",
  async ({ client, ns }) => {
    const op = await startOperator(client, ns);
    try {
      await client.create(
        FlinkDeployments,
        ns,
        application(ns, "ls", { upgradeMode: "last-state", ha: true }),
      );
      const before = await runningWithState(client, ns, "ls");
      // Let a checkpoint land in HA before upgrading.
      await new Promise((r) => setTimeout(r, 1500));
      const beforeCounter = await jobCounter(client, ns, "ls");
      await patchSpec(client, ns, "ls", { job: { parallelism: 1 } });
      const fd = await upgraded(client, ns, "ls", before.generation + 1);
      assert.equal(fd.status!.jobStatus!.jobId, before.jobId, "last-state keeps the job id");
      const counter = await jobCounter(client, ns, "ls");
      // Restored from the last checkpoint: at most one checkpoint interval is replayed.
      assert.ok(counter >= beforeCounter - 15, `state lost: ${counter} vs ${beforeCounter}`);
      const reconciled = JSON.parse(fd.status!.reconciliationStatus!.lastReconciledSpec!);
      assert.equal(reconciled.spec.job.upgradeMode, "last-state");
    } finally {
      await op.stop();
    }
  },
);

integrationTest("stateless upgrade starts the new job empty", async ({ client, ns }) => {
  const op = await startOperator(client, ns);
  try {
    await client.create(FlinkDeployments, ns, application(ns, "sl", { upgradeMode: "stateless" }));
    const before = await runningWithState(client, ns, "sl");
    await waitFor("counter above 20", async () => (await jobCounter(client, ns, "sl")) > 20);
    await patchSpec(client, ns, "sl", { job: { args: ["--v2"] } });
    const fd = await upgraded(client, ns, "sl", before.generation + 1);
    assert.notEqual(fd.status!.jobStatus!.jobId, before.jobId);
    assert.ok((await jobCounter(client, ns, "sl")) < 20, "a stateless start must not carry state");
    assert.equal(fd.status!.jobStatus!.upgradeSavepointPath ?? undefined, undefined);
  } finally {
    await op.stop();
  }
});

integrationTest(
  "restartNonce restarts the job with the upgrade semantics (savepoint)",
  async ({ client, ns }) => {
    const op = await startOperator(client, ns);
    try {
      await client.create(
        FlinkDeployments,
        ns,
        application(ns, "rn", { upgradeMode: "savepoint" }),
      );
      const before = await runningWithState(client, ns, "rn");
      const counterBefore = await jobCounter(client, ns, "rn");
      await patchSpec(client, ns, "rn", { restartNonce: 7 });
      const fd = await upgraded(client, ns, "rn", before.generation + 1);
      assert.notEqual(fd.status!.jobStatus!.jobId, before.jobId);
      assert.ok((await jobCounter(client, ns, "rn")) >= counterBefore);
      // Changing it to null is ignored: no restart.
      await patchSpec(client, ns, "rn", { restartNonce: null });
      await waitForFd(
        client,
        ns,
        "rn",
        "generation 3 observed",
        (f) => f.status?.observedGeneration === before.generation + 2,
      );
      const after = await waitForFd(client, ns, "rn", "still running", isRunningStable);
      assert.equal(after.status!.jobStatus!.jobId, fd.status!.jobStatus!.jobId);
    } finally {
      await op.stop();
    }
  },
);
