/**
 * A FlinkSessionJob deleted while its HA session cluster's JobManager is down must not be
 * released before its job is stopped: with HA the job comes back with the JobManager, and a
 * resource released past `resource.cleanup.timeout` left it running with no one to own it (the
 * chaos run, seed 2 cycle 70: a JobManager in crash back-off longer than the timeout). As FKO,
 * the deletion waits, says why past the timeout, and cancels the job once the cluster is back.
 */
import assert from "node:assert/strict";
import { FlinkDeployments, FlinkSessionJobs } from "../../lib/flink/resources.ts";
import { integrationTest, waitFor } from "../support/integration.ts";
import { startOperator } from "../support/operator.ts";
import { eventsFor, waitForFd } from "../support/flink.ts";
import {
  clusterJobs,
  createReadySession,
  errorOf,
  getSj,
  localJar,
  sessionJob,
  sessionJobSettings,
  sjRunningWithState,
} from "../support/session_job.ts";

const CRASH = "sim.flinkop.dev/jobmanager-crash";

integrationTest(
  "session job: deleted while its HA session cluster is down, it waits for the cluster and cancels the job",
  async ({ client, ns }) => {
    const op = await startOperator(client, ns, {
      ...await sessionJobSettings(),
      "kubernetes.operator.resource.cleanup.timeout": "2 s",
    });
    try {
      await createReadySession(client, ns, "session", { ha: true });
      await client.create(FlinkSessionJobs, ns, sessionJob(ns, "job", "session", await localJar()));
      const { jobId } = await sjRunningWithState(client, ns, "job", 1);

      // The JobManager crash-loops until the annotation goes.
      await client.patch(FlinkDeployments, ns, "session", {
        metadata: { annotations: { [CRASH]: "true" } },
      });
      await waitForFd(
        client,
        ns,
        "session",
        "its JobManager down",
        (f) => f.status?.jobManagerDeploymentStatus !== "READY",
      );
      await client.delete(FlinkSessionJobs, ns, "job");
      await waitFor(
        "a CleanupFailed event saying what the deletion waits for",
        async () =>
          (await eventsFor(client, ns, "job")).some((e) =>
            e.reason === "CleanupFailed" && e.message.includes("is not READY") &&
            e.message.includes(jobId)
          ),
      );
      const waiting = await getSj(client, ns, "job");
      assert.ok(waiting?.metadata.deletionTimestamp, "still there, being deleted");
      assert.match(errorOf(waiting), /Deletion waits to stop job/);

      await client.patch(FlinkDeployments, ns, "session", {
        metadata: { annotations: { [CRASH]: null } },
      });
      await waitFor(
        "the session job to be gone once its job is cancelled",
        async () => !(await getSj(client, ns, "job")),
        { timeoutMs: 240_000 },
      );
      const jobs = await clusterJobs(client, ns, "session");
      assert.equal(jobs.get(jobId), "CANCELED", JSON.stringify([...jobs]));
    } finally {
      await op.stop();
    }
  },
);
