/**
 * A session job whose job fails while starting (here: its restore savepoint does not exist).
 * Flink answers the jar run with 400 "Could not execute application." — the reason deep in the
 * error chain — and keeps the job id as a FAILED job (measured on Flink 1.20 and 2.2; the
 * simulator does the same, tests/integration/sim_fidelity_test.ts).
 */
import assert from "node:assert/strict";
import { FlinkSessionJobs } from "../../lib/flink/resources.ts";
import { integrationTest, waitFor } from "../support/integration.ts";
import { startOperator } from "../support/operator.ts";
import { eventsFor } from "../support/flink.ts";
import {
  clusterJobs,
  createReadySession,
  errorOf,
  getSj,
  localJar,
  sessionJob,
  sessionJobSettings,
  waitForSj,
} from "../support/session_job.ts";

const ROOT_CAUSE = /Cannot find checkpoint or savepoint file\/directory/;
/** FAST_OPERATOR_CONFIG's kubernetes.operator.reconcile.interval. */
const RECONCILE_INTERVAL_MS = 2000;

integrationTest(
  "session job: a start that fails in Flink shows the root cause, and the job is not started twice",
  async ({ client, ns }) => {
    const op = await startOperator(client, ns, await sessionJobSettings());
    try {
      await createReadySession(client, ns, "session");
      const missing = `file:///flink-data/${ns}/savepoints/savepoint-does-not-exist`;
      await client.create(
        FlinkSessionJobs,
        ns,
        sessionJob(ns, "job", "session", await localJar(), {
          upgradeMode: "savepoint",
          job: { initialSavepointPath: missing },
        }),
      );
      // The refused submission itself says why (before the observer finds the FAILED job).
      const submitError = await waitFor(
        "an Error event for the refused submission",
        async () =>
          (await eventsFor(client, ns, "job")).find((e) =>
            e.reason === "Error" && e.message.includes("Could not execute application")
          ),
      );
      assert.match(submitError.message, ROOT_CAUSE, "the event names the root cause");
      assert.equal(submitError.type, "Warning");

      // The job id stays on the cluster as a FAILED job: recorded as deployed, its failure shown.
      const failed = await waitForSj(
        client,
        ns,
        "job",
        "the failed job recorded",
        (sj) =>
          sj.status?.jobStatus?.state === "FAILED" &&
          sj.status.reconciliationStatus?.state === "DEPLOYED",
      );
      const jobId = failed.status!.jobStatus!.jobId;
      assert.match(errorOf(failed), ROOT_CAUSE);
      assert.equal(failed.status!.lifecycleState, "FAILED");

      // A few more passes: nothing is submitted again.
      await new Promise((r) => setTimeout(r, 3 * RECONCILE_INTERVAL_MS));
      assert.deepEqual([...(await clusterJobs(client, ns, "session")).entries()], [[
        jobId,
        "FAILED",
      ]]);
      const events = await eventsFor(client, ns, "job");
      const submits = events.filter((e) => e.reason === "Submit");
      assert.deepEqual(submits.map((e) => e.count ?? 1), [1], "one submission");
      const after = await getSj(client, ns, "job");
      assert.equal(after?.status?.jobStatus?.jobId, jobId);
      assert.equal(after?.status?.jobStatus?.state, "FAILED");
      assert.match(errorOf(after), ROOT_CAUSE);
    } finally {
      await op.stop();
    }
  },
);
