import assert from "node:assert/strict";
import { type KubeObject, Resources } from "../../lib/kube/resource.ts";
import { FlinkDeployments } from "../../lib/flink/resources.ts";
import { integrationTest, waitFor } from "../support/integration.ts";
import { startOperator } from "../support/operator.ts";
import {
  application,
  isRunningStable,
  jobCounter,
  patchSpec,
  waitForFd,
} from "../support/flink.ts";

integrationTest(
  "HA: a crashed JobManager recovers the same job and its counter from HA ConfigMaps",
  async ({ client, ns }) => {
    const op = await startOperator(client, ns);
    try {
      await client.create(
        FlinkDeployments,
        ns,
        application(ns, "ha", { upgradeMode: "last-state", ha: true }),
      );
      const fd = await waitForFd(client, ns, "ha", "running", isRunningStable);
      await waitFor(
        "state and a checkpoint",
        async () => (await jobCounter(client, ns, "ha")) >= 20,
      );
      await new Promise((r) => setTimeout(r, 1200));
      const before = await jobCounter(client, ns, "ha");
      const haMaps = await client.list<KubeObject & { data?: Record<string, string> }>(
        Resources.configMaps,
        ns,
        { labelSelector: "app=ha,type=flink-native-kubernetes,configmap-type=high-availability" },
      );
      const jobMap = haMaps.items.find((c) =>
        c.metadata.name === `ha-${fd.status!.jobStatus!.jobId}-config-map`
      );
      assert.ok(jobMap, `per-job HA ConfigMap: ${haMaps.items.map((c) => c.metadata.name)}`);
      assert.ok(Object.keys(jobMap.data ?? {}).some((k) => k.startsWith("checkpointID-")));

      // The JobManager process dies (its pod is deleted); the ReplicaSet starts a new one.
      const pods = await client.list(Resources.pods, ns, {
        labelSelector: "app=ha,component=jobmanager",
      });
      const old = pods.items[0];
      await client.delete(Resources.pods, ns, old.metadata.name!, { gracePeriodSeconds: 0 });
      await waitFor("a new JobManager pod running the job again", async () => {
        const now = await client.list(Resources.pods, ns, {
          labelSelector: "app=ha,component=jobmanager",
        });
        const fresh = now.items.find((p) => p.metadata.uid !== old.metadata.uid);
        if (!fresh) return false;
        try {
          return (await jobCounter(client, ns, "ha")) > 0;
        } catch {
          return false;
        }
      }, { timeoutMs: 60_000 });
      const after = await waitForFd(client, ns, "ha", "running again", isRunningStable);
      assert.equal(after.status!.jobStatus!.jobId, fd.status!.jobStatus!.jobId, "same job id");
      assert.ok(
        (await jobCounter(client, ns, "ha")) >= before - 15,
        "counter recovered from the HA checkpoint",
      );
    } finally {
      await op.stop();
    }
  },
);

integrationTest(
  "a missing restore path fails the job instead of starting empty",
  async ({ client, ns }) => {
    const op = await startOperator(client, ns);
    try {
      await client.create(
        FlinkDeployments,
        ns,
        application(ns, "nopath", {
          upgradeMode: "savepoint",
          job: { initialSavepointPath: `file:///flink-data/${ns}/does-not-exist/savepoint-1` },
        }),
      );
      const fd = await waitForFd(
        client,
        ns,
        "nopath",
        "job FAILED",
        (f) => f.status?.jobStatus?.state === "FAILED",
        60_000,
      );
      assert.match(fd.status!.error ?? "", /does-not-exist/);
      assert.equal(fd.status!.lifecycleState, "FAILED");
    } finally {
      await op.stop();
    }
  },
);

integrationTest(
  "last-state without HA: cancel, restore from the last completed checkpoint",
  async ({ client, ns }) => {
    const op = await startOperator(client, ns);
    try {
      await client.create(
        FlinkDeployments,
        ns,
        application(ns, "ckpt", { upgradeMode: "last-state" }),
      );
      const fd = await waitForFd(client, ns, "ckpt", "running", isRunningStable);
      await waitFor("checkpointed state", async () => (await jobCounter(client, ns, "ckpt")) >= 20);
      await new Promise((r) => setTimeout(r, 1200));
      const before = await jobCounter(client, ns, "ckpt");
      await patchSpec(client, ns, "ckpt", { job: { args: ["--v2"] } });
      const after = await waitForFd(
        client,
        ns,
        "ckpt",
        "upgraded",
        (f) => f.status?.observedGeneration === 2 && isRunningStable(f),
      );
      const js = after.status!.jobStatus!;
      assert.match(js.upgradeSavepointPath ?? "", /chk-\d+/, "restored from a checkpoint");
      assert.notEqual(js.jobId, fd.status!.jobStatus!.jobId);
      const rec = JSON.parse(after.status!.reconciliationStatus!.lastReconciledSpec!);
      assert.equal(
        rec.spec.job.upgradeMode,
        "savepoint",
        "FKO records the checkpoint restore as savepoint",
      );
      assert.ok((await jobCounter(client, ns, "ckpt")) >= before - 15, "state continued");
    } finally {
      await op.stop();
    }
  },
);
