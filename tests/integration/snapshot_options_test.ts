/**
 * Snapshot options of a FlinkDeployment on the simulator, each at a non-default value:
 * `savepoint.format.type` (the savepoints the operator triggers, periodic and upgrade, and their
 * resources), `job.drain-on-savepoint-deletion` (stop-with-savepoint drains),
 * `savepoint.cleanup.enabled` (no history cleanup: snapshot resources and, in legacy mode,
 * savepoint files stay), `checkpoint.type` and `checkpoint.trigger.grace-period` (legacy
 * checkpoint triggers) and `job.upgrade.ignore-pending-savepoint` (an upgrade does not wait for a
 * pending legacy savepoint).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { FlinkDeployments } from "../../lib/flink/resources.ts";
import type { KubeClient } from "../../lib/kube/client.ts";
import { testStateDir } from "../support/cluster.ts";
import { integrationTest, waitFor } from "../support/integration.ts";
import { startOperator } from "../support/operator.ts";
import {
  application,
  type Fd,
  getFd,
  isRunningStable,
  patchSpec,
  upgradeSnapshots,
  waitForFd,
} from "../support/flink.ts";
import {
  exists,
  hostPath,
  listSnapshots,
  type Snap,
  snapshotEvents,
  snapshotMetadata,
} from "./snapshot_helpers.ts";

const P = "kubernetes.operator.";
const LEGACY = { [`${P}snapshot.resource.enabled`]: "false" };

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

function reconciledJob(fd: Fd | undefined) {
  return JSON.parse(fd!.status!.reconciliationStatus!.lastReconciledSpec!).spec.job;
}

async function periodicSavepoints(client: KubeClient, ns: string, name: string): Promise<Snap[]> {
  return (await listSnapshots(
    client,
    ns,
    `snapshot.type=SAVEPOINT,snapshot.trigger-type=PERIODIC,job-reference.name=${name}`,
  )).filter((s) => !s.metadata.deletionTimestamp);
}

integrationTest(
  "savepoint.format.type NATIVE, drain-on-savepoint-deletion and no snapshot cleanup",
  async ({ client, ns }) => {
    const op = await startOperator(client, ns);
    try {
      await client.create(
        FlinkDeployments,
        ns,
        application(ns, "fmt", {
          upgradeMode: "savepoint",
          flinkConfiguration: {
            [`${P}savepoint.format.type`]: "NATIVE",
            [`${P}job.drain-on-savepoint-deletion`]: "true",
            [`${P}savepoint.cleanup.enabled`]: "false",
            [`${P}savepoint.history.max.count`]: "1",
            [`${P}periodic.savepoint.interval`]: "1 s",
          },
        }),
      );
      await waitForFd(client, ns, "fmt", "running", isRunningStable);
      // More completed periodic savepoints than max.count 1: without cleanup none is removed.
      const kept = await waitFor("three completed periodic savepoints, all kept", async () => {
        const done = (await periodicSavepoints(client, ns, "fmt"))
          .filter((s) => s.status?.state === "COMPLETED");
        return done.length >= 3 ? done : undefined;
      }, { timeoutMs: 60_000 });
      for (const s of kept) {
        assert.equal((s.spec.savepoint as { formatType?: string }).formatType, "NATIVE");
        assert.equal((await snapshotMetadata(s.status!.path!)).format, "NATIVE");
      }
      await patchSpec(client, ns, "fmt", {
        flinkConfiguration: { [`${P}periodic.savepoint.interval`]: null },
      });
      await new Promise((r) => setTimeout(r, 1_500));
      for (const s of kept) {
        assert.ok(await exists(hostPath(s.status!.path!)), `${s.metadata.name} still there`);
      }
      assert.ok((await periodicSavepoints(client, ns, "fmt")).length >= 3);

      // The suspend's stop-with-savepoint: NATIVE, drained.
      await patchSpec(client, ns, "fmt", { job: { state: "suspended" } });
      await waitForFd(
        client,
        ns,
        "fmt",
        "suspended",
        (f) => f.status?.lifecycleState === "SUSPENDED",
      );
      const [upgrade] = await upgradeSnapshots(client, ns, "fmt");
      assert.ok(upgrade, "an upgrade savepoint resource");
      const spec = upgrade.spec as { savepoint: { formatType?: string; path?: string } };
      assert.equal(spec.savepoint.formatType, "NATIVE");
      const path = (upgrade.status as { path?: string }).path!;
      assert.equal((await snapshotMetadata(path)).format, "NATIVE");
      assert.match(
        await podLogs(ns, "fmt-"),
        /Draining job [0-9a-f]{32} before the final savepoint/,
      );
    } finally {
      await op.stop();
    }
  },
);

integrationTest(
  "legacy mode: no savepoint cleanup, checkpoint.type and checkpoint.trigger.grace-period",
  async ({ client, ns }) => {
    const op = await startOperator(client, ns);
    try {
      await client.create(
        FlinkDeployments,
        ns,
        application(ns, "leg", {
          flinkConfiguration: {
            ...LEGACY,
            [`${P}savepoint.cleanup.enabled`]: "false",
            [`${P}savepoint.history.max.count`]: "1",
            [`${P}checkpoint.type`]: "INCREMENTAL",
            // Injected checkpoint failures below must not fail the job over.
            "execution.checkpointing.tolerable-failed-checkpoints": "1000",
          },
        }),
      );
      await waitForFd(client, ns, "leg", "running", isRunningStable);

      // Two manual savepoints, history kept at one: the first leaves the history, not the disk.
      const savepoint = async (nonce: number) => {
        await patchSpec(client, ns, "leg", { job: { savepointTriggerNonce: nonce } });
        const fd = await waitForFd(client, ns, "leg", `savepoint ${nonce}`, (f) => {
          const info = f.status?.jobStatus?.savepointInfo;
          return info?.lastSavepoint?.triggerNonce === nonce && !info.triggerId;
        });
        return fd.status!.jobStatus!.savepointInfo!.lastSavepoint!.location!;
      };
      const first = await savepoint(1);
      const second = await savepoint(2);
      await waitForFd(
        client,
        ns,
        "leg",
        "the history trimmed to one",
        (f) =>
          JSON.stringify(
            f.status?.jobStatus?.savepointInfo?.savepointHistory?.map((s) => s.location),
          ) === JSON.stringify([second]),
      );
      assert.ok(await exists(hostPath(first)), "not disposed of: savepoint.cleanup.enabled false");

      // checkpoint.type goes to Flink's trigger: INCREMENTAL, which Flink refuses.
      await patchSpec(client, ns, "leg", { job: { checkpointTriggerNonce: 1 } });
      await waitFor(
        "the refused INCREMENTAL checkpoint",
        async () =>
          (await snapshotEvents(client, ns, "leg")).some((e) =>
            e.reason === "CheckpointError" &&
            /incremental checkpoint is not supported/.test(e.message)
          ),
      );

      // FULL checkpoints that fail: retried within the grace period, given up after it.
      await client.patch(FlinkDeployments, ns, "leg", {
        metadata: { annotations: { "sim.flinkop.dev/checkpoint-fail": "true" } },
        spec: {
          flinkConfiguration: {
            [`${P}checkpoint.type`]: "FULL",
            [`${P}checkpoint.trigger.grace-period`]: "1 h",
          },
        },
      });
      const failures = async () =>
        (await snapshotEvents(client, ns, "leg"))
          .filter((e) => e.message === "Checkpoint failed for checkpointTriggerNonce: 1")
          .reduce((n, e) => n + e.count, 0);
      await waitFor("the checkpoint to fail and be retried", async () => (await failures()) >= 2);
      assert.equal(
        reconciledJob(await getFd(client, ns, "leg")).checkpointTriggerNonce ?? null,
        null,
      );
      await patchSpec(client, ns, "leg", {
        flinkConfiguration: { [`${P}checkpoint.trigger.grace-period`]: "0 s" },
      });
      await waitForFd(
        client,
        ns,
        "leg",
        "nonce given up",
        (f) => reconciledJob(f).checkpointTriggerNonce === 1,
      );
      const count = await failures();
      await new Promise((r) => setTimeout(r, 2_000));
      assert.equal(await failures(), count, "no more attempts");
    } finally {
      await op.stop();
    }
  },
);

integrationTest(
  "job.upgrade.ignore-pending-savepoint: an upgrade waits for a pending savepoint unless set",
  async ({ client, ns }) => {
    const op = await startOperator(client, ns);
    try {
      const create = async (name: string, ignore: boolean) => {
        const fd = application(ns, name, {
          flinkConfiguration: {
            ...LEGACY,
            ...(ignore ? { [`${P}job.upgrade.ignore-pending-savepoint`]: "true" } : {}),
          },
        });
        fd.metadata.annotations = { "sim.flinkop.dev/savepoint-duration-ms": "8000" };
        await client.create(FlinkDeployments, ns, fd);
      };
      await create("waits", false);
      await create("goes", true);
      for (const name of ["waits", "goes"]) {
        await waitForFd(client, ns, name, "running", isRunningStable);
        await patchSpec(client, ns, name, { job: { savepointTriggerNonce: 1 } });
      }
      for (const name of ["waits", "goes"]) {
        await waitForFd(
          client,
          ns,
          name,
          "a pending savepoint",
          (f) => !!f.status?.jobStatus?.savepointInfo?.triggerId,
        );
        await patchSpec(client, ns, name, { job: { args: ["--next"] } });
      }
      const upgraded = (f: Fd) => JSON.stringify(reconciledJob(f).args) === '["--next"]';
      await waitForFd(client, ns, "goes", "upgraded while its savepoint is pending", upgraded);
      const waits = (await getFd(client, ns, "waits"))!;
      assert.equal(upgraded(waits), false, "the other one waits for its savepoint");
      assert.ok(waits.status!.jobStatus!.savepointInfo!.triggerId, "still pending");
      // Once the savepoint completed, the upgrade goes ahead.
      const done = await waitForFd(client, ns, "waits", "upgraded after the savepoint", upgraded);
      assert.equal(done.status!.jobStatus!.savepointInfo!.lastSavepoint!.triggerNonce, 1);
    } finally {
      await op.stop();
    }
  },
);
