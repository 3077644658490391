/**
 * Session jobs and their session clusters: FKO's e2e `test_sessionjob_kubernetes_ha` (the session
 * JobManager is killed and the job continues from HA) and `test_multi_sessionjob` (session jobs
 * in two namespaces under one operator).
 */
import assert from "node:assert/strict";
import { FlinkSessionJobs } from "../../lib/flink/resources.ts";
import { type KubeObject, Resources } from "../../lib/kube/resource.ts";
import { freshNamespace } from "../support/cluster.ts";
import { integrationTest, waitFor } from "../support/integration.ts";
import { startOperator } from "../support/operator.ts";
import {
  clusterJobs,
  createReadySession,
  isSjRunningStable,
  localJar,
  sessionJob,
  sessionJobCounter,
  sessionJobSettings,
  sjRunningWithState,
  waitForSj,
} from "../support/session_job.ts";

integrationTest(
  "session job HA: the session JobManager is killed, the job continues from HA",
  async ({ client, ns }) => {
    const op = await startOperator(client, ns, await sessionJobSettings());
    try {
      await createReadySession(client, ns, "session", { ha: true });
      await client.create(
        FlinkSessionJobs,
        ns,
        sessionJob(ns, "job", "session", await localJar(), { upgradeMode: "last-state" }),
      );
      const { jobId } = await sjRunningWithState(client, ns, "job", 10);
      await new Promise((r) => setTimeout(r, 1500)); // a checkpoint lands in HA
      const before = await sessionJobCounter(client, ns, "session", jobId);
      const pods = await client.list<KubeObject>(Resources.pods, ns, {
        labelSelector: "app=session,component=jobmanager",
      });
      assert.equal(pods.items.length, 1);
      const killed = pods.items[0].metadata.name!;
      await client.delete(Resources.pods, ns, killed, { gracePeriodSeconds: 0 });
      await waitFor("a new session JobManager with the job recovered", async () => {
        const jobs = await clusterJobs(client, ns, "session").catch(() => new Map());
        return jobs.get(jobId) === "RUNNING";
      }, { timeoutMs: 90_000 });
      const sj = await waitForSj(client, ns, "job", "running again", isSjRunningStable);
      assert.equal(sj.status!.jobStatus!.jobId, jobId, "the same job, recovered by Flink");
      const after = await sessionJobCounter(client, ns, "session", jobId);
      assert.ok(after >= before - 60, `restored from HA (${after} vs ${before})`);
    } finally {
      await op.stop();
    }
  },
);

integrationTest(
  "multiple session jobs in two namespaces under one operator",
  async ({ client, ns }) => {
    await using other = await freshNamespace("multi-sessionjob", { client });
    const op = await startOperator(client, [ns, other.name], await sessionJobSettings());
    try {
      const jar = await localJar();
      for (const namespace of [ns, other.name]) {
        await createReadySession(client, namespace, "session");
        for (const name of ["job-a", "job-b"]) {
          await client.create(
            FlinkSessionJobs,
            namespace,
            sessionJob(namespace, name, "session", jar, { job: { parallelism: 1 } }),
          );
        }
      }
      for (const namespace of [ns, other.name]) {
        const ids = [];
        for (const name of ["job-a", "job-b"]) {
          const sj = await waitForSj(client, namespace, name, "running", isSjRunningStable);
          ids.push(sj.status!.jobStatus!.jobId!);
        }
        const jobs = await clusterJobs(client, namespace, "session");
        assert.deepEqual([...jobs.keys()].sort(), [...ids].sort(), `two jobs in ${namespace}`);
      }
    } finally {
      await op.stop();
    }
  },
);
