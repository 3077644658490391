/**
 * Snapshots of session jobs: FlinkStateSnapshots referencing a FlinkSessionJob (through its
 * session cluster's REST API), periodic ones, the legacy status fields, manual recovery from a
 * savepoint, a start from a snapshot, restarts of failed jobs, and the savepoint on deletion.
 */
import assert from "node:assert/strict";
import {
  FlinkDeployments,
  FlinkSessionJobs,
  FlinkStateSnapshots,
} from "../../lib/flink/resources.ts";
import { integrationTest, waitFor } from "../support/integration.ts";
import { startOperator } from "../support/operator.ts";
import { eventsFor } from "../support/flink.ts";
import {
  exists,
  hostPath,
  listSnapshots,
  snapshotResource,
  waitForSnapshot,
} from "./snapshot_helpers.ts";
import {
  createReadySession,
  errorOf,
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
  "session job snapshots: savepoint and checkpoint resources, disposal, periodic savepoints",
  async ({ client, ns }) => {
    const op = await startOperator(client, ns, await sessionJobSettings());
    try {
      await createReadySession(client, ns, "session");
      await client.create(FlinkSessionJobs, ns, sessionJob(ns, "job", "session", await localJar()));
      await sjRunningWithState(client, ns, "job", 3);
      const jobReference = { kind: "FlinkSessionJob", name: "job" };
      await client.create(
        FlinkStateSnapshots,
        ns,
        snapshotResource(ns, "sp", { jobReference, savepoint: { disposeOnDelete: true } }),
      );
      await client.create(
        FlinkStateSnapshots,
        ns,
        snapshotResource(ns, "cp", { jobReference, checkpoint: {} }),
      );
      const sp = await waitForSnapshot(
        client,
        ns,
        "sp",
        "COMPLETED",
        (s) => s.status?.state === "COMPLETED",
      );
      const cp = await waitForSnapshot(
        client,
        ns,
        "cp",
        "COMPLETED",
        (s) => s.status?.state === "COMPLETED",
      );
      assert.match(sp.status!.path!, /savepoint-/);
      assert.match(cp.status!.path!, /chk-\d+/);
      assert.equal(sp.metadata.labels?.["job-reference.kind"], "FlinkSessionJob");
      const file = hostPath(sp.status!.path!);
      assert.ok(await exists(file), `savepoint data at ${file}`);
      await client.delete(FlinkStateSnapshots, ns, "sp");
      await waitFor("the savepoint to be disposed of", async () => !(await exists(file)));

      // Periodic savepoints (an operator option, per resource).
      await patchSjSpec(client, ns, "job", {
        flinkConfiguration: { "kubernetes.operator.periodic.savepoint.interval": "2 s" },
      });
      await waitFor(
        "a completed periodic savepoint",
        async () =>
          (await listSnapshots(client, ns, "job-reference.name=job,snapshot.trigger-type=PERIODIC"))
            .some((s) => s.status?.state === "COMPLETED"),
      );
    } finally {
      await op.stop();
    }
  },
);

integrationTest(
  "session job snapshots in the legacy status fields (snapshot.resource.enabled: false)",
  async ({ client, ns }) => {
    const op = await startOperator(
      client,
      ns,
      await sessionJobSettings({ "kubernetes.operator.snapshot.resource.enabled": "false" }),
    );
    try {
      await createReadySession(client, ns, "session");
      await client.create(
        FlinkSessionJobs,
        ns,
        sessionJob(ns, "job", "session", await localJar(), { upgradeMode: "savepoint" }),
      );
      const before = await sjRunningWithState(client, ns, "job", 3);
      await patchSjSpec(client, ns, "job", { job: { savepointTriggerNonce: 5 } });
      const sj = await waitForSj(
        client,
        ns,
        "job",
        "a manual savepoint recorded",
        (sj) => sj.status?.jobStatus?.savepointInfo?.lastSavepoint?.triggerNonce === 5,
      );
      const info = sj.status!.jobStatus!.savepointInfo!;
      assert.match(info.lastSavepoint!.location ?? "", /savepoint-/);
      assert.equal(info.lastSavepoint!.triggerType, "MANUAL");
      assert.equal(info.triggerId ?? undefined, undefined);
      assert.equal(
        (await listSnapshots(client, ns, "job-reference.name=job")).length,
        0,
        "no FlinkStateSnapshot in legacy mode",
      );
      await patchSjSpec(client, ns, "job", { job: { args: ["--v2"] } });
      const upgraded = await sjUpgraded(client, ns, "job", before.generation + 2);
      const history = upgraded.status!.jobStatus!.savepointInfo!.savepointHistory ?? [];
      assert.equal(history.at(-1)?.triggerType, "UPGRADE");
      assert.equal(history.at(-1)?.location, upgraded.status!.jobStatus!.upgradeSavepointPath);
    } finally {
      await op.stop();
    }
  },
);

integrationTest(
  "session job manual recovery: savepointRedeployNonce and a start from a snapshot",
  async ({ client, ns }) => {
    const op = await startOperator(client, ns, await sessionJobSettings());
    try {
      await createReadySession(client, ns, "session");
      const jar = await localJar();
      await client.create(
        FlinkSessionJobs,
        ns,
        sessionJob(ns, "job", "session", jar, { upgradeMode: "savepoint" }),
      );
      const first = await sjRunningWithState(client, ns, "job", 20);
      // The savepoint holds at least this much state.
      const savedAt = await sessionJobCounter(client, ns, "session", first.jobId);
      await client.create(
        FlinkStateSnapshots,
        ns,
        snapshotResource(ns, "keep", {
          jobReference: { kind: "FlinkSessionJob", name: "job" },
          savepoint: {},
        }),
      );
      const keep = await waitForSnapshot(
        client,
        ns,
        "keep",
        "COMPLETED",
        (s) => s.status?.state === "COMPLETED",
      );

      // A second job that starts from the snapshot resource.
      await client.create(
        FlinkSessionJobs,
        ns,
        sessionJob(ns, "copy", "session", jar, {
          upgradeMode: "savepoint",
          job: { flinkStateSnapshotReference: { name: "keep" } },
        }),
      );
      const copy = await waitForSj(client, ns, "copy", "running", isSjRunningStable);
      assert.equal(copy.status!.jobStatus!.upgradeSavepointPath, keep.status!.path);
      const copyCounter = await sessionJobCounter(
        client,
        ns,
        "session",
        copy.status!.jobStatus!.jobId!,
      );
      assert.ok(
        copyCounter >= savedAt,
        `started from the snapshot (${copyCounter} vs ${savedAt})`,
      );

      // Redeploy the first job from the savepoint, discarding its current state.
      await patchSjSpec(client, ns, "job", {
        job: { initialSavepointPath: keep.status!.path, savepointRedeployNonce: 1 },
      });
      const redeployed = await sjUpgraded(client, ns, "job", first.generation + 1);
      assert.notEqual(redeployed.status!.jobStatus!.jobId, first.jobId);
      assert.equal(redeployed.status!.jobStatus!.upgradeSavepointPath, keep.status!.path);
      assert.equal(
        redeployed.status!.reconciliationStatus!.lastStableSpec,
        redeployed.status!.reconciliationStatus!.lastReconciledSpec,
      );
    } finally {
      await op.stop();
    }
  },
);

integrationTest(
  "session job: a failed job restarts from its last checkpoint with job.restart.failed",
  async ({ client, ns }) => {
    const op = await startOperator(client, ns, await sessionJobSettings());
    try {
      await createReadySession(client, ns, "session");
      await client.create(
        FlinkSessionJobs,
        ns,
        sessionJob(ns, "job", "session", await localJar(), { upgradeMode: "savepoint" }),
      );
      const first = await sjRunningWithState(client, ns, "job", 10);
      await new Promise((r) => setTimeout(r, 1500)); // a checkpoint to restart from
      await client.patch(FlinkDeployments, ns, "session", {
        metadata: { annotations: { "sim.flinkop.dev/job-fail": "disk full" } },
      });
      const failed = await waitForSj(
        client,
        ns,
        "job",
        "FAILED with the cause",
        (sj) => sj.status?.jobStatus?.state === "FAILED" && /disk full/.test(errorOf(sj)),
      );
      assert.equal(failed.status?.lifecycleState, "FAILED");
      const failedAt = await sessionJobCounter(client, ns, "session", first.jobId);
      await client.patch(FlinkDeployments, ns, "session", {
        metadata: { annotations: { "sim.flinkop.dev/job-fail": null } },
      });
      await patchSjSpec(client, ns, "job", {
        flinkConfiguration: { "kubernetes.operator.job.restart.failed": "true" },
      });
      const restarted = await waitForSj(
        client,
        ns,
        "job",
        "restarted",
        (sj) => isSjRunningStable(sj) && sj.status?.jobStatus?.jobId !== first.jobId,
      );
      const jobId = restarted.status!.jobStatus!.jobId!;
      assert.match(restarted.status!.jobStatus!.upgradeSavepointPath ?? "", /chk-\d+/);
      assert.ok(
        (await sessionJobCounter(client, ns, "session", jobId)) >= failedAt - 60,
        "restored from the checkpoint, not empty",
      );
      const reasons = (await eventsFor(client, ns, "job")).map((e) => e.reason);
      assert.ok(reasons.includes("RestartFailedJob"), `${reasons}`);
    } finally {
      await op.stop();
    }
  },
);

integrationTest(
  "session job deletion with job.savepoint-on-deletion takes a savepoint first",
  async ({ client, ns }) => {
    const op = await startOperator(client, ns, await sessionJobSettings());
    try {
      await createReadySession(client, ns, "session");
      await client.create(
        FlinkSessionJobs,
        ns,
        sessionJob(ns, "job", "session", await localJar(), {
          upgradeMode: "savepoint",
          flinkConfiguration: { "kubernetes.operator.job.savepoint-on-deletion": "true" },
        }),
      );
      await sjRunningWithState(client, ns, "job", 3);
      await client.delete(FlinkSessionJobs, ns, "job");
      await waitFor("the job to be deleted", async () => !(await getSj(client, ns, "job")));
      const events = await eventsFor(client, ns, "job");
      const taken = events.find((e) => e.message.startsWith("Savepoint taken on deletion"));
      assert.ok(taken, JSON.stringify(events));
      const upgrade = await listSnapshots(
        client,
        ns,
        "job-reference.name=job,snapshot.trigger-type=UPGRADE",
      );
      assert.equal(upgrade.length, 1, "the deletion savepoint is recorded and outlives the job");
    } finally {
      await op.stop();
    }
  },
);
