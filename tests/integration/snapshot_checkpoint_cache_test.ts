/**
 * A checkpoint FlinkStateSnapshot whose details Flink still answers from its checkpoint-statistics
 * cache. Flink serves `/jobs/:id/checkpoints/details/:cid` from a view computed on the first
 * request and kept for `rest.cache.checkpoint-statistics.timeout` (default `web.refresh-interval`,
 * 3 s): a checkpoint completed after that view answers 404 until it expires (measured on Flink 1.20
 * and 2.2; the simulator does the same, tests/integration/sim_fidelity_test.ts). Here the cache is
 * 15 s long and filled by the test right before the snapshot is taken, so the operator's first
 * read falls inside it for sure.
 */
import assert from "node:assert/strict";
import { FlinkDeployments, FlinkStateSnapshots } from "../../lib/flink/resources.ts";
import { integrationTest } from "../support/integration.ts";
import { startOperator } from "../support/operator.ts";
import { application, isRunningStable, jobManagerUrl, waitForFd } from "../support/flink.ts";
import { snapshotEvents, snapshotResource, waitForSnapshot } from "./snapshot_helpers.ts";

/** Long enough that the operator's reads right after the test's fetch are served from it. */
const LONG_STATS_CACHE = {
  "rest.cache.checkpoint-statistics.timeout": "15 s",
  "execution.checkpointing.interval": "1 h",
};

/** Fills Flink's statistics cache (for this job) with the view of now. */
async function fetchCheckpointStats(url: string, jobId: string): Promise<void> {
  const res = await fetch(`${url}/v1/jobs/${jobId}/checkpoints`);
  assert.equal(res.status, 200, await res.text());
}

integrationTest(
  "checkpoint snapshot: details still cached (404) are asked again later, the path is recorded",
  async ({ client, ns }) => {
    const op = await startOperator(client, ns);
    try {
      await client.create(
        FlinkDeployments,
        ns,
        application(ns, "app", { flinkConfiguration: LONG_STATS_CACHE }),
      );
      const fd = await waitForFd(client, ns, "app", "running", isRunningStable);
      const jobId = fd.status!.jobStatus!.jobId!;
      const url = await jobManagerUrl(client, ns, "app");
      // The statistics are cached from now on: the checkpoint below is not in them.
      await fetchCheckpointStats(url, jobId);
      await client.create(
        FlinkStateSnapshots,
        ns,
        snapshotResource(ns, "chk", {
          jobReference: { kind: "FlinkDeployment", name: "app" },
          checkpoint: {},
        }),
      );
      const done = await waitForSnapshot(
        client,
        ns,
        "chk",
        "COMPLETED",
        (s) => s.status?.state === "COMPLETED",
      );
      assert.match(done.status!.path ?? "", /\/chk-\d+$/, "the checkpoint's path is recorded");
      const warnings = (await snapshotEvents(client, ns, "chk")).filter((e) =>
        e.type === "Warning"
      );
      assert.deepEqual(warnings.map((e) => e.message), [], "no CheckpointError");
    } finally {
      await op.stop();
    }
  },
);
