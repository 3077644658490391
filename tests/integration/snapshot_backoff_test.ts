import assert from "node:assert/strict";
import { FlinkDeployments, FlinkStateSnapshots } from "../../lib/flink/resources.ts";
import { integrationTest, waitFor } from "../support/integration.ts";
import { startOperator } from "../support/operator.ts";
import { application, isRunningStable, waitForFd } from "../support/flink.ts";
import {
  getSnapshot,
  snapshotEvents,
  snapshotResource,
  waitForSnapshot,
} from "./snapshot_helpers.ts";

integrationTest(
  "FlinkStateSnapshot: failed savepoints retry with backoff until backoffLimit, then FAILED",
  async ({ client, ns }) => {
    // 1 s instead of FKO's 10 s: retries after 1 s and 2 s, the same doubling.
    const op = await startOperator(client, ns, { "flinkop.snapshot.backoff.base": "1 s" });
    try {
      const fd = application(ns, "failing");
      // The simulator fails every savepoint of this job (the job itself keeps running).
      fd.metadata.annotations = { "sim.flinkop.dev/savepoint-fail": "disk full" };
      await client.create(FlinkDeployments, ns, fd);
      await waitForFd(client, ns, "failing", "running", isRunningStable);

      await client.create(
        FlinkStateSnapshots,
        ns,
        snapshotResource(ns, "retried", {
          jobReference: { kind: "FlinkDeployment", name: "failing" },
          savepoint: {},
          backoffLimit: 2,
        }),
      );
      await client.create(
        FlinkStateSnapshots,
        ns,
        snapshotResource(ns, "once", {
          jobReference: { kind: "FlinkDeployment", name: "failing" },
          savepoint: {},
          backoffLimit: 0,
        }),
      );

      // Record when each failure count first shows up, and in which state.
      const firstSeen = new Map<number, { at: number; state: string }>();
      const final = await waitFor("snapshot retried to become FAILED", async () => {
        const s = await getSnapshot(client, ns, "retried");
        const failures = s?.status?.failures ?? 0;
        if (failures > 0 && !firstSeen.has(failures)) {
          firstSeen.set(failures, { at: Date.now(), state: s!.status!.state! });
        }
        return s?.status?.state === "FAILED" ? s : undefined;
      }, { timeoutMs: 60_000, intervalMs: 100 });

      assert.equal(final.status!.failures, 3, "backoffLimit 2 allows three attempts");
      assert.deepEqual([...firstSeen.keys()], [1, 2, 3]);
      assert.equal(firstSeen.get(1)!.state, "TRIGGER_PENDING", "first failure is retried");
      assert.equal(firstSeen.get(2)!.state, "TRIGGER_PENDING", "second failure is retried");
      assert.equal(firstSeen.get(3)!.state, "FAILED");
      // Each retry waits base × 2^(failures−1) before triggering again.
      assert.ok(firstSeen.get(2)!.at - firstSeen.get(1)!.at >= 1000);
      assert.ok(firstSeen.get(3)!.at - firstSeen.get(2)!.at >= 2000);
      const error = JSON.parse(final.status!.error!);
      assert.match(error.message, /disk full/);
      assert.ok(final.status!.resultTimestamp);
      // Labels follow the status right after it is written.
      await waitForSnapshot(
        client,
        ns,
        "retried",
        "label FAILED",
        (s) => s.metadata.labels?.["snapshot.state"] === "FAILED",
      );

      const events = await snapshotEvents(client, ns, "retried");
      const savepointErrors = events.filter((e) => e.reason === "SavepointError");
      assert.equal(savepointErrors.reduce((n, e) => n + e.count, 0), 3, JSON.stringify(events));
      assert.ok(savepointErrors.every((e) => e.type === "Warning"));
      assert.ok(
        savepointErrors.some((e) => e.message.includes("giving up")),
        JSON.stringify(events),
      );

      // backoffLimit 0: no retry at all.
      const once = await waitForSnapshot(
        client,
        ns,
        "once",
        "FAILED",
        (s) => s.status?.state === "FAILED",
      );
      assert.equal(once.status!.failures, 1);

      // FAILED is final: nothing is retried any more.
      await new Promise((r) => setTimeout(r, 5000));
      const later = await getSnapshot(client, ns, "retried");
      assert.equal(later!.status!.state, "FAILED");
      assert.equal(later!.status!.failures, 3);
    } finally {
      await op.stop();
    }
  },
);

integrationTest(
  "FlinkStateSnapshot: a checkpoint of a Flink 1.16 job fails with a clear error",
  async ({ client, ns }) => {
    const op = await startOperator(client, ns);
    try {
      await client.create(
        FlinkDeployments,
        ns,
        application(ns, "old", { extra: { image: "flink:1.16", flinkVersion: "v1_16" } }),
      );
      await waitForFd(client, ns, "old", "running", isRunningStable);
      await client.create(
        FlinkStateSnapshots,
        ns,
        snapshotResource(ns, "old-checkpoint", {
          jobReference: { kind: "FlinkDeployment", name: "old" },
          checkpoint: {},
          backoffLimit: 0,
        }),
      );
      const s = await waitForSnapshot(
        client,
        ns,
        "old-checkpoint",
        "FAILED",
        (s) => s.status?.state === "FAILED",
      );
      assert.match(JSON.parse(s.status!.error!).message, /Flink 1\.17 or newer.*v1_16/);
      const events = await snapshotEvents(client, ns, "old-checkpoint");
      assert.ok(events.some((e) => e.reason === "CheckpointError"), JSON.stringify(events));
    } finally {
      await op.stop();
    }
  },
);
