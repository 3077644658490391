/**
 * Found by the chaos run: a native application without HA suspended with a savepoint kept its
 * JobManager (with the finished job), and when that JobManager's process restarted, Flink ran the
 * application again from the savepoint it had been deployed with — a job running for a suspended
 * resource, with old state. Without HA nothing outside the process records that the job ended.
 */
import assert from "node:assert/strict";
import { FlinkDeployments } from "../../lib/flink/resources.ts";
import { type KubeObject, Resources } from "../../lib/kube/resource.ts";
import { integrationTest, waitFor } from "../support/integration.ts";
import { startOperator } from "../support/operator.ts";
import {
  application,
  isRunningStable,
  jobCounter,
  patchSpec,
  waitForFd,
} from "../support/flink.ts";

type Pod = KubeObject & {
  status?: { podIP?: string; containerStatuses?: { restartCount?: number; ready?: boolean }[] };
};

integrationTest(
  "a suspended application without HA runs no job, also after its JobManager process restarts",
  async ({ client, ns }) => {
    const op = await startOperator(client, ns);
    try {
      await client.create(
        FlinkDeployments,
        ns,
        application(ns, "sus", { upgradeMode: "savepoint" }),
      );
      await waitForFd(client, ns, "sus", "running", isRunningStable);
      await waitFor("some state", async () => (await jobCounter(client, ns, "sus")) >= 10);
      await patchSpec(client, ns, "sus", { job: { state: "suspended" } });
      await waitForFd(
        client,
        ns,
        "sus",
        "suspended",
        (f) => f.status?.lifecycleState === "SUSPENDED",
      );

      // Whatever JobManager is left crashes and is restarted in its pod (as a kubelet would).
      const pods = (await client.list<Pod>(Resources.pods, ns, {
        labelSelector: "app=sus,component=jobmanager",
      })).items.filter((p) => !p.metadata.deletionTimestamp);
      for (const pod of pods) {
        const restarts = pod.status?.containerStatuses?.[0]?.restartCount ?? 0;
        await client.patch(Resources.pods, ns, pod.metadata.name!, {
          metadata: { annotations: { "sim.flinkop.dev/jobmanager-crash": "1" } },
        });
        await waitFor("the JobManager process to crash", async () => {
          const now = await client.get<Pod>(Resources.pods, ns, pod.metadata.name!);
          return !now || (now.status?.containerStatuses?.[0]?.restartCount ?? 0) > restarts;
        });
        await client.patch(Resources.pods, ns, pod.metadata.name!, {
          metadata: { annotations: { "sim.flinkop.dev/jobmanager-crash": null } },
        }).catch(() => {});
        await waitFor("the restarted JobManager to be ready", async () => {
          const now = await client.get<Pod>(Resources.pods, ns, pod.metadata.name!);
          return !now || now.status?.containerStatuses?.[0]?.ready;
        }, { timeoutMs: 60_000 });
      }

      // No JobManager of the resource runs a job.
      const live: string[] = [];
      for (
        const pod of (await client.list<Pod>(Resources.pods, ns, {
          labelSelector: "app=sus,component=jobmanager",
        })).items
      ) {
        if (!pod.status?.podIP) continue;
        const res = await fetch(`http://${pod.status.podIP}:8081/v1/jobs/overview`).catch(() =>
          undefined
        );
        if (!res?.ok) continue;
        for (const job of (await res.json()).jobs as { jid: string; state: string }[]) {
          if (!["FINISHED", "CANCELED", "FAILED"].includes(job.state)) {
            live.push(`${job.jid} ${job.state}`);
          }
        }
      }
      assert.deepEqual(live, [], "jobs running for the suspended resource");
    } finally {
      await op.stop();
    }
  },
);
