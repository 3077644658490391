/**
 * A stateful session job whose job is lost with its session cluster's JobManager (a restarted
 * JobManager without HA knows no jobs; with HA, one whose cancel completed just before the crash)
 * is started neither empty nor from an older checkpoint: as in FKO it waits with "Job Not Found"
 * and a Warning `Missing` event, also when its spec changes meanwhile. A manual restore
 * (`initialSavepointPath` set to its newest checkpoint, `savepointRedeployNonce` bumped) then
 * continues its state on the latest spec. The chaos run met this state and performs the same
 * restore (docs/reliability.md).
 */
import assert from "node:assert/strict";
import { SnapshotIndex } from "../../bench/chaos/snapshot_files.ts";
import { FlinkSessionJobs } from "../../lib/flink/resources.ts";
import { type KubeObject, Resources } from "../../lib/kube/resource.ts";
import { testStateDir } from "../support/cluster.ts";
import { eventsFor } from "../support/flink.ts";
import { integrationTest, waitFor } from "../support/integration.ts";
import { startOperator } from "../support/operator.ts";
import {
  clusterJobs,
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
  waitForSj,
} from "../support/session_job.ts";

const CRASH = "sim.flinkop.dev/jobmanager-crash";

type Pod = KubeObject & {
  status?: {
    containerStatuses?: { restartCount?: number; state?: Record<string, unknown> }[];
  };
};

integrationTest(
  "a stateful session job lost with its JobManager waits with Job Not Found; a manual restore continues its state",
  async ({ client, ns }) => {
    const op = await startOperator(client, ns, await sessionJobSettings());
    try {
      await createReadySession(client, ns, "session");
      await client.create(
        FlinkSessionJobs,
        ns,
        sessionJob(ns, "job", "session", await localJar(), { upgradeMode: "last-state" }),
      );
      const before = await sjRunningWithState(client, ns, "job", 10);
      const index = new SnapshotIndex(`${testStateDir()}/nodeagent/host-fs`, ns);
      await waitFor("a completed checkpoint on disk", async () => {
        await index.scan();
        return index.newestCheckpoint(before.jobId) !== undefined;
      });

      // The session cluster's JobManager process exits; its container restarts without the job.
      const [pod] = (await client.list<Pod>(Resources.pods, ns, {
        labelSelector: "app=session,component=jobmanager",
      })).items;
      const restarts = pod.status?.containerStatuses?.[0]?.restartCount ?? 0;
      await client.patch(Resources.pods, ns, pod.metadata.name!, {
        metadata: { annotations: { [CRASH]: "1" } },
      });
      await waitFor("the JobManager process crashed", async () => {
        const now = await client.get<Pod>(Resources.pods, ns, pod.metadata.name!);
        const c = now?.status?.containerStatuses?.[0];
        return (c?.restartCount ?? 0) > restarts || !!c?.state?.terminated || !!c?.state?.waiting;
      });
      await client.patch(Resources.pods, ns, pod.metadata.name!, {
        metadata: { annotations: { [CRASH]: null } },
      });
      await waitForSj(client, ns, "job", "Job Not Found", (sj) => errorOf(sj) === "Job Not Found");
      const reasons = (await eventsFor(client, ns, "job")).map((e) => `${e.type}/${e.reason}`);
      assert.ok(reasons.includes("Warning/Missing"), `${reasons}`);

      // A spec change meanwhile starts nothing: the newest checkpoint is not the operator's to
      // guess, and an empty start would lose the state.
      await patchSjSpec(client, ns, "job", { job: { args: ["--changed"] } });
      await new Promise((r) => setTimeout(r, 3000));
      assert.deepEqual([...(await clusterJobs(client, ns, "session")).values()], []);
      assert.equal(errorOf(await getSj(client, ns, "job")), "Job Not Found");

      // The manual restore a user does: from the job's newest checkpoint.
      await index.scan();
      const newest = index.newestCheckpoint(before.jobId)!;
      await patchSjSpec(client, ns, "job", {
        job: { initialSavepointPath: `file:${newest.path}`, savepointRedeployNonce: 1 },
      });
      const restored = await waitForSj(
        client,
        ns,
        "job",
        "restored and running",
        (sj) =>
          isSjRunningStable(sj) && sj.status?.observedGeneration === sj.metadata.generation &&
          sj.status?.jobStatus?.jobId !== before.jobId && !sj.status?.error,
      );
      const jobId = restored.status!.jobStatus!.jobId!;
      assert.ok(
        (await sessionJobCounter(client, ns, "session", jobId)) >= newest.counter,
        "the state continues from the newest checkpoint",
      );
      const { spec } = JSON.parse(restored.status!.reconciliationStatus!.lastReconciledSpec!) as {
        spec: { job: { args?: string[] } };
      };
      assert.deepEqual(spec.job.args, ["--changed"], "on the latest spec");
      const running = [...(await clusterJobs(client, ns, "session")).values()]
        .filter((s) => s === "RUNNING");
      assert.equal(running.length, 1, "one job runs");
    } finally {
      await op.stop();
    }
  },
);
