/**
 * One JobManager that stops answering (its REST requests hang, the TCP connection stays open)
 * must not hold up the resources of other JobManagers. Every request goes through the operator's
 * JobManager gate (lib/flink/rest/jobmanager_gate.ts): at most
 * `flinkop.rest.jobmanager.max-concurrent-requests` in flight to one JobManager, and once those are
 * overdue past `flinkop.rest.jobmanager.stall-timeout`, further requests to it fail at once as
 * unreachable instead of waiting out the client timeout in a reconcile slot.
 */
import assert from "node:assert/strict";
import { FlinkDeployments, FlinkSessionJobs } from "../../lib/flink/resources.ts";
import type { Manager } from "../../lib/runtime/manager.ts";
import { application, eventsFor, getFd, isRunningStable, waitForFd } from "../support/flink.ts";
import { integrationTest, waitFor } from "../support/integration.ts";
import { startOperator } from "../support/operator.ts";
import {
  createReadySession,
  isSjRunningStable,
  localJar,
  sessionJob,
  sessionJobSettings,
  waitForSj,
} from "../support/session_job.ts";

const HANG = "sim.flinkop.dev/rest-unreachable";

/** The operator's count of REST requests to JobManagers with this outcome (/metrics). */
function restRequests(manager: Manager, outcome: string): number {
  const line = manager.metrics.registry.render().split("\n")
    .find((l) => l.startsWith(`flinkop_flink_rest_requests_total{outcome="${outcome}"} `));
  return Number(line?.split(" ")[1] ?? 0);
}
const SESSION_JOBS = ["sj-0", "sj-1", "sj-2", "sj-3"];

integrationTest(
  "a hanging JobManager holds up no other resource: requests to it stop queueing once it stalls",
  async ({ client, ns }) => {
    const op = await startOperator(
      client,
      ns,
      await sessionJobSettings({
        // Two reconcile slots for six resources, and a client timeout longer than the test's
        // bound: were the hanging JobManager's passes to wait out their requests, they would hold
        // both slots for two minutes at a time and the other cluster's upgrade would wait.
        "kubernetes.operator.reconcile.parallelism": "2",
        "kubernetes.operator.reconcile.interval": "1 s",
        "kubernetes.operator.flink.client.timeout": "120 s",
        "flinkop.rest.jobmanager.max-concurrent-requests": "1",
        "flinkop.rest.jobmanager.stall-timeout": "2 s",
      }),
    );
    try {
      await createReadySession(client, ns, "session");
      const jar = await localJar();
      for (const name of SESSION_JOBS) {
        await client.create(FlinkSessionJobs, ns, sessionJob(ns, name, "session", jar));
      }
      await client.create(FlinkDeployments, ns, application(ns, "free"));
      for (const name of SESSION_JOBS) {
        await waitForSj(client, ns, name, "running and stable", isSjRunningStable);
      }
      const before = await waitForFd(client, ns, "free", "running", isRunningStable);

      await client.patch(FlinkDeployments, ns, "session", {
        metadata: { annotations: { [HANG]: "hang" } },
      });
      // The session jobs' passes (every second) now reach a JobManager that does not answer; once
      // the request in flight is overdue, the gate refuses to queue more behind it.
      await waitFor(
        "requests to the hanging JobManager refused by the gate",
        () => Promise.resolve(restRequests(op.manager, "rejected") > 0),
        { timeoutMs: 60_000 },
      );

      // The other cluster's upgrade goes through while the session cluster still hangs.
      await client.patch(FlinkDeployments, ns, "free", { spec: { restartNonce: 1 } });
      await waitForFd(
        client,
        ns,
        "free",
        "upgraded and running while the other JobManager hangs",
        (fd) =>
          isRunningStable(fd) &&
          fd.status?.observedGeneration === before.metadata.generation! + 1 &&
          fd.status?.jobStatus?.jobId !== before.status?.jobStatus?.jobId,
        60_000,
      );
      const session = await getFd(client, ns, "session");
      assert.equal(session?.metadata.annotations?.[HANG], "hang", "still hanging meanwhile");
      assert.equal((await getFd(client, ns, "free"))?.status?.error, undefined);

      // Once the JobManager answers again, its session jobs recover on their own.
      await client.patch(FlinkDeployments, ns, "session", {
        metadata: { annotations: { [HANG]: null } },
      });
      for (const name of SESSION_JOBS) {
        await waitForSj(
          client,
          ns,
          name,
          "running without error again",
          (sj) => isSjRunningStable(sj) && !sj.status?.error,
          150_000,
        );
      }
      const reasons = (await eventsFor(client, ns, "free")).map((e) => e.reason);
      assert.ok(reasons.includes("SpecChanged"), `${reasons}`);
    } finally {
      await op.stop();
    }
  },
);
