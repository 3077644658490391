/**
 * Session options at non-default values, on the simulator:
 * `session.deletion.block-on-unmanaged-jobs` (a session cluster running a job no FlinkSessionJob
 * manages is deleted only once that job ended, unless false), `job.submission.timeout` (the jar
 * run of a session job is bounded by it; the upload by `flink.client.timeout`, as in FKO) and
 * `user.artifacts.disallow-restricted-hosts` (its default true refuses a jarURI on a loopback
 * host; tests/integration/sessionjob_lifecycle_test.ts downloads from one with it false).
 */
import assert from "node:assert/strict";
import { FlinkDeployments, FlinkSessionJobs } from "../../lib/flink/resources.ts";
import { integrationTest, waitFor } from "../support/integration.ts";
import { startOperator } from "../support/operator.ts";
import { eventsFor, getFd, jobManagerUrl } from "../support/flink.ts";
import {
  clusterJobs,
  createReadySession,
  errorOf,
  isSjRunningStable,
  localJar,
  sessionJob,
  sessionJobSettings,
  waitForSj,
} from "../support/session_job.ts";

const P = "kubernetes.operator.";

/** Submits a job straight to the cluster's REST API, as the Flink CLI would: no resource has it. */
async function submitUnmanagedJob(url: string): Promise<string> {
  const form = new FormData();
  const jar = new Uint8Array([0x50, 0x4b, 0x05, 0x06, ...new Array(18).fill(0)]);
  form.append("jarfile", new Blob([jar], { type: "application/x-java-archive" }), "cli.jar");
  const upload = await fetch(`${url}/v1/jars/upload`, { method: "POST", body: form });
  const jarId = (await upload.json() as { filename: string }).filename.split("/").pop();
  const run = await fetch(`${url}/v1/jars/${jarId}/run`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ entryClass: "org.example.Cli", parallelism: 1 }),
  });
  const body = await run.json() as { jobid?: string };
  assert.ok(body.jobid, JSON.stringify(body));
  return body.jobid;
}

integrationTest(
  "session.deletion.block-on-unmanaged-jobs: deletion waits for a job no resource manages",
  async ({ client, ns }) => {
    const op = await startOperator(client, ns);
    try {
      await createReadySession(client, ns, "guarded");
      await createReadySession(client, ns, "open", {
        flinkConfiguration: { [`${P}session.deletion.block-on-unmanaged-jobs`]: "false" },
      });
      const guardedUrl = await jobManagerUrl(client, ns, "guarded");
      const cliJob = await submitUnmanagedJob(guardedUrl);
      await submitUnmanagedJob(await jobManagerUrl(client, ns, "open"));

      await client.delete(FlinkDeployments, ns, "guarded");
      await client.delete(FlinkDeployments, ns, "open");
      await waitFor(
        "the unguarded session cluster to be deleted",
        async () => (await getFd(client, ns, "open")) === undefined,
      );
      await waitFor(
        "the guarded one to say why it waits",
        async () =>
          (await eventsFor(client, ns, "guarded")).some((e) =>
            e.reason === "CleanupFailed" &&
            e.message ===
              `The session cluster has non terminated jobs [${cliJob}] that should be cancelled first`
          ),
      );
      assert.ok((await getFd(client, ns, "guarded"))?.metadata.deletionTimestamp);

      const cancel = await fetch(`${guardedUrl}/v1/jobs/${cliJob}?mode=cancel`, {
        method: "PATCH",
      });
      await cancel.body?.cancel();
      await waitFor(
        "the guarded session cluster to be deleted once its job ended",
        async () => (await getFd(client, ns, "guarded")) === undefined,
      );
    } finally {
      await op.stop();
    }
  },
);

integrationTest(
  "job.submission.timeout bounds the jar run; disallow-restricted-hosts refuses loopback jar hosts",
  async ({ client, ns }) => {
    const op = await startOperator(
      client,
      ns,
      await sessionJobSettings({
        [`${P}job.submission.timeout`]: "1 s",
        [`${P}user.artifacts.disallow-restricted-hosts`]: "true",
      }),
    );
    try {
      // Once it runs (its startup probe would not wait so long), every answer of this cluster
      // takes 1.5 s: within flink.client.timeout (10 s), beyond the submission timeout.
      await createReadySession(client, ns, "slow");
      await client.patch(FlinkDeployments, ns, "slow", {
        metadata: { annotations: { "sim.flinkop.dev/rest-delay-ms": "1500" } },
      });
      await new Promise((r) => setTimeout(r, 1_500)); // the simulator reads faults every second
      await client.create(FlinkSessionJobs, ns, sessionJob(ns, "late", "slow", await localJar()));
      // The run times out (the cluster starts the job all the same); the next pass finds the job
      // under the id recorded before the run, and does not submit it again.
      const timedOut = await waitFor(
        "the jar run to time out",
        async () =>
          (await eventsFor(client, ns, "late")).find((e) =>
            /jars\/[^ ]+\/run did not complete within 1000 ms/.test(e.message)
          ),
      );
      assert.equal(timedOut.type, "Warning");
      const sj = await waitForSj(client, ns, "late", "running", isSjRunningStable);
      assert.deepEqual(
        [...(await clusterJobs(client, ns, "slow")).keys()],
        [sj.status!.jobStatus!.jobId],
      );

      await client.create(
        FlinkSessionJobs,
        ns,
        sessionJob(ns, "internal", "slow", "http://127.0.0.1:9/job.jar"),
      );
      await waitForSj(
        client,
        ns,
        "internal",
        "refused",
        (sj) =>
          /host "127\.0\.0\.1" resolves to the restricted address 127\.0\.0\.1/.test(errorOf(sj)),
      );
    } finally {
      await op.stop();
    }
  },
);
