/**
 * A job's end read from Flink's checkpoint statistics, which Flink serves from a cache kept for
 * `rest.cache.checkpoint-statistics.timeout` after each fetch (default `web.refresh-interval`,
 * 3 s): a job that just ended can still show the checkpoints of before (measured on Flink 1.20
 * and 2.2; the simulator does the same, tests/integration/sim_fidelity_test.ts). Here the cache is
 * 15 s long and filled by the test with a view naming checkpoint A, then checkpoint B subsumes A
 * (one retained checkpoint: A's files are deleted), and the job ends: what the operator restores
 * from must be B — a restore from A fails, and one from nothing starts empty.
 */
import assert from "node:assert/strict";
import type { KubeClient } from "../../lib/kube/client.ts";
import { integrationTest, waitFor } from "../support/integration.ts";
import { startOperator } from "../support/operator.ts";
import { jobManagerUrl } from "../support/flink.ts";
import { FlinkSessionJobs } from "../../lib/flink/resources.ts";
import {
  createReadySession,
  localJar,
  patchSjSpec,
  sessionJob,
  sessionJobSettings,
  sjRunningWithState,
  waitForSj,
} from "../support/session_job.ts";

/** Long enough that the operator's reads right after the test's fetch are served from it. */
const LONG_STATS_CACHE = {
  "rest.cache.checkpoint-statistics.timeout": "15 s",
  // No periodic checkpoints: the test decides which checkpoints exist.
  "execution.checkpointing.interval": "1 h",
};

interface Stats {
  latest?: { completed?: { id: number; external_path?: string } | null };
}

async function checkpointStats(url: string, jobId: string): Promise<Stats> {
  const res = await fetch(`${url}/v1/jobs/${jobId}/checkpoints`);
  assert.equal(res.status, 200, await res.clone().text());
  return await res.json() as Stats;
}

/** Triggers a full checkpoint and waits for it (the trigger status is not cached). */
async function checkpoint(url: string, jobId: string): Promise<{ id: number }> {
  const res = await fetch(`${url}/v1/jobs/${jobId}/checkpoints`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ checkpointType: "FULL" }),
  });
  assert.equal(res.status, 202, await res.clone().text());
  const trigger = (await res.json() as { "request-id": string })["request-id"];
  return await waitFor(`checkpoint ${trigger} of ${jobId}`, async () => {
    const status = await (await fetch(`${url}/v1/jobs/${jobId}/checkpoints/${trigger}`)).json();
    if (status.status?.id !== "COMPLETED") return undefined;
    assert.equal(status.operation?.["failure-cause"], undefined, JSON.stringify(status));
    return { id: status.operation.checkpointId as number };
  });
}

/**
 * Checkpoint A, statistics fetched once they show A (the cache now holds A as the newest), then
 * checkpoint B, which subsumes A (one retained checkpoint: A's files are deleted). Until the cache
 * expires the statistics still name A.
 */
async function staleStatsNamingSubsumedCheckpoint(url: string, jobId: string) {
  const a = await checkpoint(url, jobId);
  await waitFor(
    "the cached statistics to show checkpoint A",
    async () => (await checkpointStats(url, jobId)).latest?.completed?.id === a.id,
    { timeoutMs: 30_000 },
  );
  const b = await checkpoint(url, jobId);
  const cached = await checkpointStats(url, jobId);
  assert.equal(cached.latest?.completed?.id, a.id, "the statistics are cached: still A");
  return { a, b };
}

async function sessionUrl(client: KubeClient, ns: string) {
  return await jobManagerUrl(client, ns, "session");
}

integrationTest(
  "last-state upgrade by cancel: the restore checkpoint comes from statistics fresh after the cancel",
  async ({ client, ns }) => {
    const op = await startOperator(client, ns, await sessionJobSettings());
    try {
      await createReadySession(client, ns, "session", { flinkConfiguration: LONG_STATS_CACHE });
      await client.create(
        FlinkSessionJobs,
        ns,
        sessionJob(ns, "job", "session", await localJar(), { upgradeMode: "last-state" }),
      );
      const first = await sjRunningWithState(client, ns, "job");
      const url = await sessionUrl(client, ns);
      const { a, b } = await staleStatsNamingSubsumedCheckpoint(url, first.jobId);

      await patchSjSpec(client, ns, "job", { job: { parallelism: 1 } });
      const upgraded = await waitForSj(
        client,
        ns,
        "job",
        "the upgrade deployed",
        (sj) =>
          sj.status?.observedGeneration === first.generation + 1 &&
          sj.status?.reconciliationStatus?.state === "DEPLOYED",
      );
      const path = upgraded.status!.jobStatus!.upgradeSavepointPath ?? "";
      assert.match(path, new RegExp(`/chk-${b.id}$`), `restored from B, not A (chk-${a.id})`);
      await waitForSj(
        client,
        ns,
        "job",
        "the restored job running",
        (sj) => sj.status?.jobStatus?.state === "RUNNING",
      );
    } finally {
      await op.stop();
    }
  },
);

integrationTest(
  "a job cancelled outside the operator is resumed from its newest checkpoint, not a cached one",
  async ({ client, ns }) => {
    const op = await startOperator(client, ns, await sessionJobSettings());
    try {
      await createReadySession(client, ns, "session", { flinkConfiguration: LONG_STATS_CACHE });
      await client.create(
        FlinkSessionJobs,
        ns,
        sessionJob(ns, "job", "session", await localJar(), { upgradeMode: "savepoint" }),
      );
      const first = await sjRunningWithState(client, ns, "job");
      const url = await sessionUrl(client, ns);
      const { a, b } = await staleStatsNamingSubsumedCheckpoint(url, first.jobId);

      const cancel = await fetch(`${url}/v1/jobs/${first.jobId}?mode=cancel`, { method: "PATCH" });
      assert.equal(cancel.status, 202, await cancel.text());
      // The operator sees the job CANCELED, records its last checkpoint and resumes from it.
      const resumed = await waitForSj(
        client,
        ns,
        "job",
        "resumed as a new job",
        (sj) =>
          !!sj.status?.jobStatus?.jobId && sj.status.jobStatus.jobId !== first.jobId &&
          sj.status.reconciliationStatus?.state === "DEPLOYED",
      );
      const path = resumed.status!.jobStatus!.upgradeSavepointPath ?? "";
      assert.match(path, new RegExp(`/chk-${b.id}$`), `resumed from B, not A (chk-${a.id})`);
      await waitForSj(
        client,
        ns,
        "job",
        "the resumed job running",
        (sj) => sj.status?.jobStatus?.state === "RUNNING",
      );
    } finally {
      await op.stop();
    }
  },
);
