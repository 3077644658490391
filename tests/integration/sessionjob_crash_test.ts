/**
 * Crash safety of session jobs: the operator process dies right after a write-ahead status
 * write; a new operator finishes the work with exactly one job running and its state kept.
 */
import assert from "node:assert/strict";
import { FlinkSessionJobs } from "../../lib/flink/resources.ts";
import { integrationTest, waitFor } from "../support/integration.ts";
import { prepareNamespace, startOperator } from "../support/operator.ts";
import { spawnOperator } from "../support/operator_process.ts";
import {
  clusterJobs,
  createReadySession,
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
  "session job crash safety: killed after recording the job id, the submission uses that id once",
  async ({ client, ns }) => {
    const settings = await sessionJobSettings();
    const inProcess = await startOperator(client, ns, settings);
    try {
      await createReadySession(client, ns, "session");
    } finally {
      await inProcess.stop();
    }
    let op = await spawnOperator(ns, { settings, crashAt: "job-id-recorded" });
    await client.create(FlinkSessionJobs, ns, sessionJob(ns, "job", "session", await localJar()));
    const status = await op.exited(60_000);
    assert.equal(status.code, 137, op.output);
    const recorded = (await getSj(client, ns, "job"))!.status!.jobStatus!;
    assert.equal(recorded.state, "RECONCILING");
    assert.equal((await clusterJobs(client, ns, "session")).size, 0, "nothing submitted yet");

    op = await spawnOperator(ns, { settings });
    try {
      const sj = await waitForSj(client, ns, "job", "running", isSjRunningStable);
      assert.equal(sj.status!.jobStatus!.jobId, recorded.jobId, "the recorded id was reused");
      assert.deepEqual([...(await clusterJobs(client, ns, "session")).keys()], [recorded.jobId]);
    } finally {
      await op.stop();
    }
  },
);

const UPGRADE_POINTS = [
  "savepoint-triggered",
  "upgrade-suspended",
  "before-restore",
  "job-id-recorded",
];

for (const point of UPGRADE_POINTS) {
  integrationTest(
    `session job crash safety: killed after '${point}' finishes the savepoint upgrade`,
    async ({ client, ns }) => {
      const settings = await sessionJobSettings();
      await prepareNamespace(client, ns);
      let op = await spawnOperator(ns, { settings });
      let before;
      try {
        await createReadySession(client, ns, "session");
        await client.create(
          FlinkSessionJobs,
          ns,
          sessionJob(ns, "job", "session", await localJar(), { upgradeMode: "savepoint" }),
        );
        before = await sjRunningWithState(client, ns, "job");
      } catch (err) {
        throw new Error(`${err}\n${op.output}`);
      } finally {
        await op.kill();
      }
      op = await spawnOperator(ns, { settings, crashAt: point });
      await patchSjSpec(client, ns, "job", { job: { args: ["--upgraded"] } });
      const status = await op.exited(60_000);
      assert.equal(status.code, 137, op.output);
      const stoppedAt = await sessionJobCounter(client, ns, "session", before.jobId);

      op = await spawnOperator(ns, { settings });
      try {
        const sj = await sjUpgraded(client, ns, "job", before.generation + 1);
        const jobId = sj.status!.jobStatus!.jobId!;
        const jobs = await clusterJobs(client, ns, "session");
        const running = [...jobs].filter(([, s]) => s === "RUNNING").map(([id]) => id);
        assert.deepEqual(running, [jobId], "exactly one job runs");
        await waitFor(
          "the state to continue",
          async () => (await sessionJobCounter(client, ns, "session", jobId)) > stoppedAt,
        );
        const savepoints = [...jobs.values()].filter((s) => s === "FINISHED").length;
        assert.equal(savepoints, 1, "one stop-with-savepoint, not two");
      } finally {
        await op.stop();
      }
    },
  );
}
