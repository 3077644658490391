import assert from "node:assert/strict";
import { FlinkDeployments } from "../../lib/flink/resources.ts";
import type { KubeClient } from "../../lib/kube/client.ts";
import { integrationTest, waitFor } from "../support/integration.ts";
import { startOperator } from "../support/operator.ts";
import { application, getFd, isRunningStable, patchSpec, waitForFd } from "../support/flink.ts";
import { exists, hostPath, listSnapshots, type Snap } from "./snapshot_helpers.ts";

const PERIODIC_SAVEPOINTS = "snapshot.type=SAVEPOINT,snapshot.trigger-type=PERIODIC";

async function snapshotsOf(client: KubeClient, ns: string, selector: string): Promise<Snap[]> {
  return (await listSnapshots(client, ns, `${selector},job-reference.name=per`))
    .filter((s) => !s.metadata.deletionTimestamp);
}

function reconciledNonces(fd: Awaited<ReturnType<typeof getFd>>) {
  const job = JSON.parse(fd!.status!.reconciliationStatus!.lastReconciledSpec!).spec.job;
  return { savepoint: job.savepointTriggerNonce, checkpoint: job.checkpointTriggerNonce };
}

integrationTest(
  "trigger nonces and periodic intervals create FlinkStateSnapshots; history kept by count and age",
  async ({ client, ns }) => {
    const op = await startOperator(client, ns);
    try {
      await client.create(
        FlinkDeployments,
        ns,
        application(ns, "per", {
          flinkConfiguration: { "kubernetes.operator.savepoint.dispose-on-delete": "true" },
        }),
      );
      const running = await waitForFd(client, ns, "per", "running", isRunningStable);
      const jobId = running.status!.jobStatus!.jobId;

      // Trigger nonces: MANUAL snapshot resources, nonces marked reconciled, no redeploy.
      await patchSpec(client, ns, "per", {
        job: { savepointTriggerNonce: 1, checkpointTriggerNonce: 1 },
      });
      for (const type of ["savepoint", "checkpoint"]) {
        const manual = await waitFor(`a completed manual ${type} snapshot`, async () => {
          const found = await snapshotsOf(
            client,
            ns,
            `snapshot.type=${type.toUpperCase()},snapshot.trigger-type=MANUAL`,
          );
          return found.length === 1 && found[0].status?.state === "COMPLETED"
            ? found[0]
            : undefined;
        });
        assert.match(manual.metadata.name!, new RegExp(`^per-${type}-manual-\\d{13}$`));
        assert.ok(manual.status!.path, `${type} path`);
      }
      const afterNonces = await waitForFd(
        client,
        ns,
        "per",
        "nonces reconciled",
        (fd) => reconciledNonces(fd).savepoint === 1 && reconciledNonces(fd).checkpoint === 1,
      );
      assert.equal(afterNonces.status!.jobStatus!.jobId, jobId, "a nonce does not redeploy");
      assert.equal(afterNonces.status!.jobStatus!.savepointInfo?.triggerId ?? undefined, undefined);
      assert.equal(
        afterNonces.status!.jobStatus!.savepointInfo?.lastSavepoint ?? undefined,
        undefined,
      );

      // Periodic savepoints, at most two kept: older ones are deleted and (dispose-on-delete)
      // their data disposed of.
      await patchSpec(client, ns, "per", {
        flinkConfiguration: {
          "kubernetes.operator.periodic.savepoint.interval": "1 s",
          "kubernetes.operator.periodic.checkpoint.interval": "1 s",
          "kubernetes.operator.savepoint.history.max.count": "2",
        },
      });
      const paths = new Map<string, string>();
      await waitFor("five periodic savepoints, at most two kept", async () => {
        const live = await snapshotsOf(client, ns, PERIODIC_SAVEPOINTS);
        for (const s of live) {
          assert.match(s.metadata.name!, /^per-savepoint-periodic-\d{13}$/);
          if (s.status?.path) paths.set(s.metadata.name!, s.status.path);
        }
        const completed = live.filter((s) => s.status?.state === "COMPLETED");
        return paths.size >= 5 && completed.length <= 2;
      }, { timeoutMs: 90_000 });
      const live = new Set(
        (await snapshotsOf(client, ns, PERIODIC_SAVEPOINTS)).map((s) => s.metadata.name!),
      );
      const removed = [...paths].filter(([name]) => !live.has(name));
      assert.ok(removed.length >= 2, `some periodic savepoints were removed: ${[...paths.keys()]}`);
      for (const [, path] of removed) {
        await waitFor(`disposal of ${path}`, async () => !(await exists(hostPath(path))));
      }
      const checkpoints = await snapshotsOf(
        client,
        ns,
        "snapshot.type=CHECKPOINT,snapshot.trigger-type=PERIODIC",
      );
      assert.ok(checkpoints.length >= 1, "periodic checkpoints are taken too");

      // Stop the schedule and keep savepoints for 2 s only: everything but the newest completed
      // one expires. Manual snapshots are the user's and stay.
      await patchSpec(client, ns, "per", {
        flinkConfiguration: {
          "kubernetes.operator.periodic.savepoint.interval": null,
          "kubernetes.operator.periodic.checkpoint.interval": null,
          "kubernetes.operator.savepoint.history.max.count": "100",
          "kubernetes.operator.savepoint.history.max.age": "2 s",
        },
      });
      const last = await waitFor("only the newest periodic savepoint left", async () => {
        const left = await snapshotsOf(client, ns, PERIODIC_SAVEPOINTS);
        return left.length === 1 && left[0].status?.state === "COMPLETED" ? left[0] : undefined;
      }, { timeoutMs: 60_000 });
      const newest = [...paths.keys()].sort().at(-1);
      assert.ok(last.metadata.name! >= newest!, `${last.metadata.name} is the newest`);
      assert.equal(
        (await snapshotsOf(client, ns, "snapshot.trigger-type=MANUAL")).length,
        2,
        "manual snapshots are not part of the history",
      );
    } finally {
      await op.stop();
    }
  },
);

integrationTest(
  "a savepoint trigger nonce changed together with an upgrade is taken after the upgrade",
  async ({ client, ns }) => {
    const op = await startOperator(client, ns);
    try {
      await client.create(FlinkDeployments, ns, application(ns, "both"));
      const running = await waitForFd(client, ns, "both", "running", isRunningStable);

      // One edit: a spec change that redeploys, and a manual savepoint request.
      await patchSpec(client, ns, "both", {
        job: { args: ["--next"], savepointTriggerNonce: 42 },
      });
      const manual = await waitFor("a completed manual savepoint of the upgraded job", async () => {
        const found = (await listSnapshots(
          client,
          ns,
          "snapshot.type=SAVEPOINT,snapshot.trigger-type=MANUAL,job-reference.name=both",
        )).filter((s) => s.status?.state === "COMPLETED");
        return found.length === 1 ? found[0] : undefined;
      });
      assert.ok(manual.status!.path);
      const fd = await waitForFd(
        client,
        ns,
        "both",
        "upgraded with the nonce reconciled",
        (f) => isRunningStable(f) && reconciledNonces(f).savepoint === 42,
      );
      assert.notEqual(fd.status!.jobStatus!.jobId, running.status!.jobStatus!.jobId, "upgraded");
    } finally {
      await op.stop();
    }
  },
);
