import assert from "node:assert/strict";
import { FlinkDeployments } from "../../lib/flink/resources.ts";
import { integrationTest, waitFor } from "../support/integration.ts";
import { startOperator } from "../support/operator.ts";
import {
  application,
  type Fd,
  getFd,
  isRunningStable,
  jobCounter,
  patchSpec,
  waitForFd,
} from "../support/flink.ts";
import {
  jobManagerConfig,
  listSnapshots,
  restorePathOf,
  snapshotEvents,
  snapshotMetadata,
} from "./snapshot_helpers.ts";

const LEGACY = { "kubernetes.operator.snapshot.resource.enabled": "false" };

function reconciledJob(fd: Fd | undefined) {
  return JSON.parse(fd!.status!.reconciliationStatus!.lastReconciledSpec!).spec.job;
}

integrationTest(
  "legacy mode: nonce snapshots and upgrades go to savepointInfo/checkpointInfo; restore uses them",
  async ({ client, ns }) => {
    let op = await startOperator(client, ns);
    try {
      await client.create(
        FlinkDeployments,
        ns,
        application(ns, "leg", { upgradeMode: "savepoint", flinkConfiguration: LEGACY }),
      );
      await waitForFd(client, ns, "leg", "running", isRunningStable);
      await waitFor("some state", async () => (await jobCounter(client, ns, "leg")) >= 5);

      // A savepoint nonce: trigger fields while pending, then lastSavepoint and the history.
      await patchSpec(client, ns, "leg", { job: { savepointTriggerNonce: 7 } });
      let sawPending = false;
      const afterSavepoint = await waitFor("the manual savepoint in savepointInfo", async () => {
        const fd = await getFd(client, ns, "leg");
        const info = fd?.status?.jobStatus?.savepointInfo;
        if (info?.triggerId && info.triggerType === "MANUAL") {
          sawPending = true;
          assert.equal(info.formatType, "CANONICAL");
          assert.ok(info.triggerTimestamp! > 0);
        }
        return info?.lastSavepoint?.triggerNonce === 7 && !info.triggerId ? fd : undefined;
      }, { intervalMs: 50 });
      assert.ok(sawPending, "the pending trigger was recorded in savepointInfo");
      const info = afterSavepoint!.status!.jobStatus!.savepointInfo!;
      const manual = info.lastSavepoint!;
      assert.equal(manual.triggerType, "MANUAL");
      assert.equal(manual.formatType, "CANONICAL");
      assert.match(manual.location!, new RegExp(`^file:/flink-data/${ns}/leg/savepoints/`));
      assert.deepEqual(info.savepointHistory!.map((s) => s.location), [manual.location]);
      assert.equal(info.triggerType ?? undefined, undefined);
      assert.equal(reconciledJob(afterSavepoint).savepointTriggerNonce, 7);

      // A checkpoint nonce records lastCheckpoint.
      await patchSpec(client, ns, "leg", { job: { checkpointTriggerNonce: 3 } });
      const afterCheckpoint = await waitForFd(
        client,
        ns,
        "leg",
        "lastCheckpoint",
        (fd) =>
          fd.status?.jobStatus?.checkpointInfo?.lastCheckpoint?.triggerNonce === 3 &&
          !fd.status.jobStatus.checkpointInfo.triggerId,
      );
      const checkpoint = afterCheckpoint.status!.jobStatus!.checkpointInfo!.lastCheckpoint!;
      assert.equal(checkpoint.triggerType, "MANUAL");
      assert.equal(checkpoint.formatType, "FULL");
      assert.equal(reconciledJob(afterCheckpoint).checkpointTriggerNonce, 3);

      // The suspend savepoint goes to the legacy fields too.
      await patchSpec(client, ns, "leg", { job: { state: "suspended" } });
      const suspended = await waitForFd(
        client,
        ns,
        "leg",
        "suspended",
        (fd) =>
          fd.status?.lifecycleState === "SUSPENDED" &&
          fd.status.jobStatus?.savepointInfo?.lastSavepoint?.triggerType === "UPGRADE",
      );
      const upgrade = suspended.status!.jobStatus!.savepointInfo!.lastSavepoint!;
      assert.equal(upgrade.location, suspended.status!.jobStatus!.upgradeSavepointPath);
      assert.deepEqual(
        suspended.status!.jobStatus!.savepointInfo!.savepointHistory!.map((s) => s.location),
        [manual.location, upgrade.location],
      );
      assert.deepEqual(await listSnapshots(client, ns), [], "no FlinkStateSnapshot resources");

      // Like FKO's e2e test: with upgradeSavepointPath gone, the restore takes the legacy
      // lastSavepoint — here pointed back at the manual savepoint.
      await op.stop();
      await client.patch(
        FlinkDeployments,
        ns,
        "leg",
        {
          status: {
            jobStatus: {
              upgradeSavepointPath: null,
              savepointInfo: { lastSavepoint: manual },
            },
          },
        },
        "merge",
        { subresource: "status" },
      );
      op = await startOperator(client, ns);
      await patchSpec(client, ns, "leg", { job: { state: "running" } });
      await waitForFd(client, ns, "leg", "running again", (fd) =>
        isRunningStable(fd) &&
        fd.status?.observedGeneration === suspended.metadata.generation! + 1);
      assert.equal(restorePathOf(await jobManagerConfig(client, ns, "leg")), manual.location);
      const saved = (await snapshotMetadata(manual.location!)).counter;
      assert.ok((await jobCounter(client, ns, "leg")) >= saved);
    } finally {
      await op.stop();
    }
  },
);

integrationTest(
  "legacy mode: a failing savepoint is retried within the grace period and given up after it",
  async ({ client, ns }) => {
    const op = await startOperator(client, ns);
    try {
      const fd = application(ns, "flaky", {
        flinkConfiguration: {
          ...LEGACY,
          "kubernetes.operator.savepoint.trigger.grace-period": "1 h",
        },
      });
      fd.metadata.annotations = { "sim.flinkop.dev/savepoint-fail": "true" };
      await client.create(FlinkDeployments, ns, fd);
      await waitForFd(client, ns, "flaky", "running", isRunningStable);

      const failures = async () =>
        (await snapshotEvents(client, ns, "flaky"))
          .filter((e) => e.message === "Savepoint failed for savepointTriggerNonce: 1")
          .reduce((n, e) => n + e.count, 0);
      await patchSpec(client, ns, "flaky", { job: { savepointTriggerNonce: 1 } });
      await waitFor("the savepoint to fail and be retried", async () => (await failures()) >= 2);
      assert.equal(
        reconciledJob(await getFd(client, ns, "flaky")).savepointTriggerNonce ?? null,
        null,
      );

      // Without a grace period the next failure gives the manual savepoint up.
      await patchSpec(client, ns, "flaky", {
        flinkConfiguration: { "kubernetes.operator.savepoint.trigger.grace-period": "0 s" },
      });
      const given = await waitForFd(
        client,
        ns,
        "flaky",
        "nonce given up",
        (fd) => reconciledJob(fd).savepointTriggerNonce === 1,
      );
      assert.equal(given.status!.jobStatus!.savepointInfo?.lastSavepoint ?? undefined, undefined);
      assert.equal(given.status!.jobStatus!.savepointInfo?.triggerId ?? undefined, undefined);
      const count = await failures();
      await new Promise((r) => setTimeout(r, 3000));
      assert.equal(await failures(), count, "no more attempts");
    } finally {
      await op.stop();
    }
  },
);
