import assert from "node:assert/strict";
import { FlinkDeployments, FlinkStateSnapshots } from "../../lib/flink/resources.ts";
import { integrationTest } from "../support/integration.ts";
import { startOperator } from "../support/operator.ts";
import { application, isRunningStable, patchSpec, waitForFd } from "../support/flink.ts";
import { snapshotEvents, snapshotResource, waitForSnapshot } from "./snapshot_helpers.ts";

integrationTest(
  "FlinkStateSnapshot: ABANDONED when its job is suspended or deleted mid-flight",
  async ({ client, ns }) => {
    // Triggered snapshots are polled once per reconcile interval; 10 s leaves a window in which
    // the savepoint is still IN_PROGRESS as far as the operator knows.
    const op = await startOperator(client, ns, {
      "kubernetes.operator.reconcile.interval": "10 s",
    });
    try {
      await client.create(FlinkDeployments, ns, application(ns, "app"));
      await waitForFd(client, ns, "app", "running", isRunningStable);

      // Suspended while the savepoint is in flight.
      await client.create(
        FlinkStateSnapshots,
        ns,
        snapshotResource(ns, "suspended", {
          jobReference: { kind: "FlinkDeployment", name: "app" },
          savepoint: {},
        }),
      );
      await waitForSnapshot(
        client,
        ns,
        "suspended",
        "IN_PROGRESS",
        (s) => s.status?.state === "IN_PROGRESS",
      );
      await patchSpec(client, ns, "app", { job: { state: "suspended" } });
      const abandoned = await waitForSnapshot(
        client,
        ns,
        "suspended",
        "ABANDONED",
        (s) => s.status?.state !== "IN_PROGRESS",
      );
      assert.equal(abandoned.status!.state, "ABANDONED");
      assert.match(abandoned.status!.error!, /app referenced by snapshot suspended is not running/);
      assert.equal(abandoned.status!.path ?? undefined, undefined);
      assert.ok(abandoned.status!.resultTimestamp);
      const events = await snapshotEvents(client, ns, "suspended");
      assert.ok(
        events.some((e) => e.reason === "SnapshotAbandoned" && e.type === "Warning"),
        JSON.stringify(events),
      );

      // Resumed, then deleted while the next savepoint is in flight.
      await patchSpec(client, ns, "app", { job: { state: "running" } });
      await waitForFd(client, ns, "app", "running again", isRunningStable);
      await client.create(
        FlinkStateSnapshots,
        ns,
        snapshotResource(ns, "deleted", {
          jobReference: { kind: "FlinkDeployment", name: "app" },
          savepoint: {},
        }),
      );
      await waitForSnapshot(
        client,
        ns,
        "deleted",
        "IN_PROGRESS",
        (s) => s.status?.state === "IN_PROGRESS",
      );
      await client.delete(FlinkDeployments, ns, "app");
      const gone = await waitForSnapshot(
        client,
        ns,
        "deleted",
        "ABANDONED",
        (s) => s.status?.state !== "IN_PROGRESS",
      );
      assert.equal(gone.status!.state, "ABANDONED");
      assert.match(
        gone.status!.error!,
        /app referenced by snapshot deleted (is not running|was not found)/,
      );
    } finally {
      await op.stop();
    }
  },
);
