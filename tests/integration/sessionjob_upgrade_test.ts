/**
 * A port of FKO's e2e `test_sessionjob_operations` (nonce savepoint, savepoint upgrade,
 * last-state upgrade, resubmission after an operator restart) plus restartNonce, on the local
 * cluster with simulated JobManagers.
 */
import assert from "node:assert/strict";
import { FlinkSessionJobs, FlinkStateSnapshots } from "../../lib/flink/resources.ts";
import { integrationTest, waitFor } from "../support/integration.ts";
import { startOperator } from "../support/operator.ts";
import { eventsFor } from "../support/flink.ts";
import { type Snap } from "./snapshot_helpers.ts";
import {
  clusterJobs,
  createReadySession,
  getSj,
  isSjRunningStable,
  localJar,
  patchSjSpec,
  sessionJob,
  sessionJobCounter,
  sessionJobSettings,
  sjRunningWithState,
  sjUpgraded,
  waitForSj,
} from "../support/session_job.ts";

integrationTest(
  "session job operations: nonce savepoint, savepoint and last-state upgrades, operator restart",
  async ({ client, ns }) => {
    const settings = await sessionJobSettings();
    let op = await startOperator(client, ns, settings);
    try {
      await createReadySession(client, ns, "session");
      const jar = await localJar();
      await client.create(
        FlinkSessionJobs,
        ns,
        sessionJob(ns, "job", "session", jar, { upgradeMode: "savepoint" }),
      );
      const first = await sjRunningWithState(client, ns, "job");

      // 1. A new savepointTriggerNonce: a MANUAL FlinkStateSnapshot of the session job.
      await patchSjSpec(client, ns, "job", { job: { savepointTriggerNonce: 123456 } });
      const manual = await waitFor("a completed manual snapshot of the session job", async () => {
        const list = await client.list<Snap>(FlinkStateSnapshots, ns, {
          labelSelector: "job-reference.kind=FlinkSessionJob,job-reference.name=job," +
            "snapshot.trigger-type=MANUAL",
        });
        return list.items.find((s) => s.status?.state === "COMPLETED");
      });
      assert.match(manual.status!.path ?? "", /savepoint-/);
      assert.equal(manual.spec.jobReference?.kind, "FlinkSessionJob");
      const afterNonce = await waitForSj(
        client,
        ns,
        "job",
        "nonce recorded",
        (sj) => isSjRunningStable(sj) && sj.status?.observedGeneration === first.generation + 1,
      );
      assert.equal(afterNonce.status!.jobStatus!.jobId, first.jobId, "a nonce restarts nothing");

      // 2. Savepoint upgrade: stop-with-savepoint, a new job restored from it.
      await patchSjSpec(client, ns, "job", { job: { parallelism: 1 } });
      const stoppedAt = await sessionJobCounter(client, ns, "session", first.jobId);
      const second = await sjUpgraded(client, ns, "job", first.generation + 2);
      const js = second.status!.jobStatus!;
      assert.notEqual(js.jobId, first.jobId);
      assert.match(js.upgradeSavepointPath ?? "", /savepoint-/);
      const upgradeSnapshots = await client.list<Snap>(FlinkStateSnapshots, ns, {
        labelSelector: "job-reference.kind=FlinkSessionJob,job-reference.name=job," +
          "snapshot.trigger-type=UPGRADE",
      });
      assert.equal(upgradeSnapshots.items.length, 1, "the upgrade savepoint is recorded");
      assert.equal(upgradeSnapshots.items[0].status?.path, js.upgradeSavepointPath);
      await waitFor(
        "the counter to continue past the stop",
        async () => (await sessionJobCounter(client, ns, "session", js.jobId!)) > stoppedAt,
      );
      const jobs = await clusterJobs(client, ns, "session");
      assert.equal(jobs.get(first.jobId), "FINISHED");
      assert.equal([...jobs.values()].filter((s) => s === "RUNNING").length, 1);

      // 3. Last-state upgrade: cancel, restore from the last checkpoint.
      await new Promise((r) => setTimeout(r, 1500)); // a checkpoint of the new job
      const beforeLastState = await sessionJobCounter(client, ns, "session", js.jobId!);
      await patchSjSpec(client, ns, "job", { job: { parallelism: 2, upgradeMode: "last-state" } });
      const third = await sjUpgraded(client, ns, "job", first.generation + 3);
      const lastStateJob = third.status!.jobStatus!.jobId!;
      assert.notEqual(lastStateJob, js.jobId);
      assert.match(third.status!.jobStatus!.upgradeSavepointPath ?? "", /chk-\d+/);
      assert.equal((await clusterJobs(client, ns, "session")).get(js.jobId!), "CANCELED");
      const restored = await sessionJobCounter(client, ns, "session", lastStateJob);
      assert.ok(
        restored >= beforeLastState - 60,
        `restored from a recent checkpoint (${restored} vs ${beforeLastState})`,
      );
      const reconciled = JSON.parse(third.status!.reconciliationStatus!.lastReconciledSpec!);
      assert.equal(reconciled.spec.job.upgradeMode, "savepoint", "restored via a checkpoint path");

      // 4. Delete the job, restart the operator, submit it again.
      await client.delete(FlinkSessionJobs, ns, "job");
      await waitFor("the job to be deleted", async () => !(await getSj(client, ns, "job")));
      assert.equal((await clusterJobs(client, ns, "session")).get(lastStateJob), "CANCELED");
      await op.stop();
      op = await startOperator(client, ns, settings);
      await client.create(FlinkSessionJobs, ns, sessionJob(ns, "job", "session", jar));
      const again = await waitForSj(client, ns, "job", "running again", isSjRunningStable);
      assert.notEqual(again.status!.jobStatus!.jobId, lastStateJob);
    } finally {
      await op.stop();
    }
  },
);

integrationTest(
  "session job: restartNonce restarts the job with its upgrade mode",
  async ({ client, ns }) => {
    const op = await startOperator(client, ns, await sessionJobSettings());
    try {
      await createReadySession(client, ns, "session");
      await client.create(
        FlinkSessionJobs,
        ns,
        sessionJob(ns, "job", "session", await localJar(), { upgradeMode: "savepoint" }),
      );
      const before = await sjRunningWithState(client, ns, "job");
      await client.patch(FlinkSessionJobs, ns, "job", { spec: { restartNonce: 7 } });
      const sj = await sjUpgraded(client, ns, "job", before.generation + 1);
      assert.notEqual(sj.status!.jobStatus!.jobId, before.jobId);
      assert.match(sj.status!.jobStatus!.upgradeSavepointPath ?? "", /savepoint-/);
      const reasons = (await eventsFor(client, ns, "job")).map((e) => e.reason);
      assert.ok(reasons.includes("SpecChanged") && reasons.includes("Suspended"), `${reasons}`);
    } finally {
      await op.stop();
    }
  },
);
