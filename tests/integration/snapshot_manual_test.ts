import assert from "node:assert/strict";
import { FlinkDeployments, FlinkStateSnapshots } from "../../lib/flink/resources.ts";
import { integrationTest, waitFor } from "../support/integration.ts";
import { startOperator } from "../support/operator.ts";
import { application, isRunningStable, waitForFd } from "../support/flink.ts";
import {
  exists,
  getSnapshot,
  hostPath,
  kubectl,
  snapshotMetadata,
  snapshotResource,
  snapshotStatesUntil,
  waitForSnapshot,
} from "./snapshot_helpers.ts";
import { withoutAdmissionRules } from "../support/admission.ts";

const ISO_SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

integrationTest(
  "FlinkStateSnapshot: savepoints, checkpoints and existing savepoints reach COMPLETED",
  async ({ client, ns }) => {
    const op = await startOperator(client, ns);
    try {
      await client.create(FlinkDeployments, ns, application(ns, "job"));
      // A second job whose savepoint directory is only set under the Flink 1.20 key.
      await client.create(
        FlinkDeployments,
        ns,
        application(ns, "alt", {
          flinkConfiguration: {
            "state.savepoints.dir": "",
            "execution.checkpointing.savepoint-dir": `file:///flink-data/${ns}/alt/sp-120`,
          },
        }),
      );
      await waitForFd(client, ns, "job", "running", isRunningStable);
      const jobId = (await waitForFd(client, ns, "job", "running", isRunningStable)).status!
        .jobStatus!.jobId!;

      // A savepoint without a path goes to the job's state.savepoints.dir.
      await client.create(
        FlinkStateSnapshots,
        ns,
        snapshotResource(ns, "manual", {
          jobReference: { kind: "FlinkDeployment", name: "job" },
          savepoint: {},
        }),
      );
      const { states, snapshot } = await snapshotStatesUntil(client, ns, "manual", [
        "COMPLETED",
        "FAILED",
        "ABANDONED",
      ]);
      assert.deepEqual(states.slice(-2), ["IN_PROGRESS", "COMPLETED"], `states: ${states}`);
      const st = snapshot.status!;
      assert.match(st.path!, new RegExp(`^file:/flink-data/${ns}/job/savepoints/savepoint-`));
      assert.match(st.triggerId!, /^[0-9a-f]{32}$/);
      assert.match(st.triggerTimestamp!, ISO_SECONDS);
      assert.match(st.resultTimestamp!, ISO_SECONDS);
      assert.equal(st.failures, 0);
      assert.equal(st.error ?? undefined, undefined);
      assert.deepEqual(
        {
          type: snapshot.metadata.labels?.["snapshot.type"],
          trigger: snapshot.metadata.labels?.["snapshot.trigger-type"],
          state: snapshot.metadata.labels?.["snapshot.state"],
          kind: snapshot.metadata.labels?.["job-reference.kind"],
          job: snapshot.metadata.labels?.["job-reference.name"],
        },
        {
          type: "SAVEPOINT",
          trigger: "MANUAL",
          state: "COMPLETED",
          kind: "FlinkDeployment",
          job: "job",
        },
      );
      assert.ok(
        snapshot.metadata.finalizers?.includes("flinkstatesnapshots.flink.apache.org/finalizer"),
      );
      const metadata = await snapshotMetadata(st.path!);
      assert.equal(metadata.type, "savepoint");
      assert.equal(metadata.format, "CANONICAL");

      // An explicit path and the NATIVE format are passed through to Flink.
      await client.create(
        FlinkStateSnapshots,
        ns,
        snapshotResource(ns, "native", {
          jobReference: { kind: "FlinkDeployment", name: "job" },
          savepoint: { path: `file:///flink-data/${ns}/elsewhere`, formatType: "NATIVE" },
          backoffLimit: 0,
        }),
      );
      const native = await waitForSnapshot(
        client,
        ns,
        "native",
        "COMPLETED",
        (s) => s.status?.state === "COMPLETED",
      );
      assert.match(
        native.status!.path!,
        new RegExp(`^file:/flink-data/${ns}/elsewhere/savepoint-`),
      );
      assert.equal((await snapshotMetadata(native.status!.path!)).format, "NATIVE");

      // A checkpoint snapshot asks for a full checkpoint and records its external path.
      await client.create(
        FlinkStateSnapshots,
        ns,
        snapshotResource(ns, "checkpoint", {
          jobReference: { kind: "FlinkDeployment", name: "job" },
          checkpoint: {},
        }),
      );
      const checkpoint = await waitForSnapshot(
        client,
        ns,
        "checkpoint",
        "COMPLETED",
        (s) => s.status?.state === "COMPLETED",
      );
      assert.match(
        checkpoint.status!.path!,
        new RegExp(`^file:/flink-data/${ns}/job/checkpoints/${jobId}/chk-\\d+$`),
      );
      assert.equal(checkpoint.metadata.labels?.["snapshot.type"], "CHECKPOINT");

      // The fallback to the Flink 1.20 savepoint directory key.
      await waitForFd(client, ns, "alt", "running", isRunningStable);
      await client.create(
        FlinkStateSnapshots,
        ns,
        snapshotResource(ns, "alt-savepoint", {
          jobReference: { kind: "FlinkDeployment", name: "alt" },
          savepoint: {},
        }),
      );
      const alt = await waitForSnapshot(
        client,
        ns,
        "alt-savepoint",
        "COMPLETED",
        (s) => s.status?.state === "COMPLETED",
      );
      assert.match(alt.status!.path!, new RegExp(`^file:/flink-data/${ns}/alt/sp-120/savepoint-`));
      assert.ok(await exists(hostPath(alt.status!.path!)));

      // alreadyExists registers a savepoint without triggering anything (no job needed).
      await client.create(
        FlinkStateSnapshots,
        ns,
        snapshotResource(ns, "existing", {
          savepoint: { alreadyExists: true, path: "file:/archive/savepoint-0123456789ab" },
        }),
      );
      const existing = await waitForSnapshot(
        client,
        ns,
        "existing",
        "COMPLETED",
        (s) => s.status?.state === "COMPLETED",
      );
      assert.equal(existing.status!.path, "file:/archive/savepoint-0123456789ab");
      assert.equal(existing.status!.triggerId ?? undefined, undefined);
      assert.equal(existing.status!.triggerTimestamp, existing.status!.resultTimestamp);

      // kubectl shows the printer columns Path, Result Timestamp and Snapshot State.
      const table = await kubectl("get", "flinksnp", "-n", ns);
      const [header, ...rows] = table.trim().split("\n");
      assert.match(header, /^NAME\s+PATH\s+RESULT TIMESTAMP\s+SNAPSHOT STATE$/);
      const row = rows.find((r) => r.startsWith("manual "));
      assert.ok(row, table);
      assert.ok(row.includes(st.path!) && row.includes(st.resultTimestamp!), row);
      assert.match(row, /\sCOMPLETED$/);
    } finally {
      await op.stop();
    }
  },
);

integrationTest(
  "FlinkStateSnapshot: an invalid snapshot reports a ValidationError and is not triggered",
  async ({ client, ns }) => {
    const op = await startOperator(client, ns);
    try {
      await client.create(
        FlinkStateSnapshots,
        ns,
        snapshotResource(ns, "orphan", {
          jobReference: { kind: "FlinkDeployment", name: "missing" },
          savepoint: {},
        }),
      );
      const s = await waitForSnapshot(
        client,
        ns,
        "orphan",
        "validation error",
        (s) => (s.status?.error ?? "").includes("does not exist"),
      );
      assert.equal(s.status!.state, "TRIGGER_PENDING");
      assert.equal(JSON.parse(s.status!.error!).type.endsWith("ValidationException"), true);
      // The CRD's rules refuse this at once; the operator refuses it too where they are missing.
      await withoutAdmissionRules(client, () =>
        client.create(
          FlinkStateSnapshots,
          ns,
          snapshotResource(ns, "both", {
            jobReference: { kind: "FlinkDeployment", name: "missing" },
            savepoint: {},
            checkpoint: {},
          }),
        ));
      await waitForSnapshot(
        client,
        ns,
        "both",
        "validation error",
        (s) =>
          (s.status?.error ?? "").includes("exactly one of spec.savepoint and spec.checkpoint"),
      );
      // Deleting an untriggered snapshot is not held up by the finalizer.
      await client.delete(FlinkStateSnapshots, ns, "orphan");
      await waitFor(
        "the deleted snapshot to be gone",
        async () => !(await getSnapshot(client, ns, "orphan")),
      );
    } finally {
      await op.stop();
    }
  },
);
