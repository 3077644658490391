/**
 * Reading checkpoint statistics that Flink serves from its cache
 * (`rest.cache.checkpoint-statistics.timeout`): the timeout from the configuration, statistics
 * read only once no view from before a moment can be served, and a completed checkpoint's path
 * asked again while its details may still be cached from before it.
 */
import assert from "node:assert/strict";
import {
  checkpointStatsAfter,
  checkpointStatsCacheMs,
  checkpointStatsFreshInMs,
} from "../../lib/flink/rest/checkpoint_stats_cache.ts";
import { FlinkUnreachableError } from "../../lib/flink/rest/errors.ts";
import { completedCheckpointPath } from "../../lib/flink/snapshot/checkpoint_path.ts";
import { SnapshotError } from "../../lib/flink/snapshot/outcomes.ts";
import { withFakeFlink } from "./flink_rest_fake_server.ts";
import { JOB_ID } from "./flink_rest_fixtures.ts";

Deno.test("the statistics cache timeout: its own key, else web.refresh-interval, else 3 s", () => {
  assert.equal(checkpointStatsCacheMs({}), 3000);
  assert.equal(checkpointStatsCacheMs({ "web.refresh-interval": "1 s" }), 1000);
  // Flink 1.x reads web.refresh-interval as milliseconds.
  assert.equal(checkpointStatsCacheMs({ "web.refresh-interval": "5000" }), 5000);
  assert.equal(
    checkpointStatsCacheMs({
      "rest.cache.checkpoint-statistics.timeout": "10 s",
      "web.refresh-interval": "1 s",
    }),
    10_000,
  );
  assert.equal(checkpointStatsCacheMs({ "web.refresh-interval": "0" }), 0);
  assert.equal(checkpointStatsCacheMs({ "web.refresh-interval": "soon" }), 3000);
});

Deno.test("statistics are fresh a cache timeout (and a margin) after the moment they must show", () => {
  assert.equal(checkpointStatsFreshInMs(1000, 1000, 3000), 3100);
  assert.equal(checkpointStatsFreshInMs(1000, 3000, 3000), 1100);
  assert.equal(checkpointStatsFreshInMs(1000, 4100, 3000), 0);
  assert.equal(checkpointStatsFreshInMs(1000, 1000, 0), 0, "no cache: fresh at once");
});

/** Checkpoint statistics naming checkpoint `id` as the newest completed one. */
function statsWithLatest(id: number) {
  return {
    counts: { restored: 0, total: id, in_progress: 0, completed: id, failed: 0 },
    latest: {
      completed: {
        className: "completed",
        id,
        status: "COMPLETED",
        is_savepoint: false,
        external_path: `file:/flink-data/checkpoints/${JOB_ID}/chk-${id}`,
      },
      savepoint: null,
      failed: null,
      restored: null,
    },
    history: [],
  };
}

Deno.test("statistics after a job ended: what Flink cached before is not what is read", async () => {
  const cacheMs = 300;
  // Flink's cache as it behaves: the view filled just before the job ended (checkpoint 1 the
  // newest) is served for cacheMs; only after that does a request get the final view (2).
  let filledAt = 0;
  await withFakeFlink((f) => {
    f.on("GET", `/jobs/${JOB_ID}/checkpoints`, () => ({
      json: statsWithLatest(Date.now() - filledAt < cacheMs ? 1 : 2),
    }));
  }, async (f) => {
    const client = f.client();
    filledAt = Date.now();
    const endedAt = Date.now();
    const cached = await client.checkpointStats(JOB_ID);
    assert.equal(cached.latestCheckpoint()?.id, 1, "read at once: the cached view");
    const stats = await checkpointStatsAfter(client, JOB_ID, {
      since: endedAt,
      cacheMs,
      now: Date.now,
    });
    assert.equal(stats.latestCheckpoint()?.id, 2);
    assert.match(stats.latestCheckpoint()!.externalPath, /chk-2$/);
  });
});

Deno.test("statistics after a moment: an aborted wait reads nothing", async () => {
  await withFakeFlink((f) => {
    f.on("GET", `/jobs/${JOB_ID}/checkpoints`, { json: statsWithLatest(1) });
  }, async (f) => {
    const abort = new AbortController();
    const read = checkpointStatsAfter(f.client(), JOB_ID, {
      since: Date.now(),
      cacheMs: 60_000,
      now: Date.now,
      signal: abort.signal,
    });
    abort.abort(new Error("operator stopping"));
    await assert.rejects(read, /operator stopping/);
    assert.equal(f.requests.length, 0);
  });
});

const DETAILS_404 = {
  status: 404,
  json: {
    errors: [
      "org.apache.flink.runtime.rest.handler.RestHandlerException: Could not find " +
      "checkpointing statistics for checkpoint 7.\n\tat org.apache.flink.runtime.rest.handler." +
      "job.checkpoints.CheckpointStatisticDetailsHandler.handleCheckpointStatsRequest(" +
      "CheckpointStatisticDetailsHandler.java:81)",
    ],
  },
};

const timing = (sinceCompletedMs: number, cacheMs = 3000) => ({
  completedAt: 1_000_000,
  now: 1_000_000 + sinceCompletedMs,
  cacheMs,
  pollIntervalMs: 60_000,
});

Deno.test("a completed checkpoint's details: a 404 while the cache may predate it is asked again", async () => {
  await withFakeFlink((f) => {
    f.on("GET", `/jobs/${JOB_ID}/checkpoints/details/7`, DETAILS_404);
  }, async (f) => {
    const client = f.client();
    const early = await completedCheckpointPath(client, JOB_ID, 7, timing(1000));
    assert.equal(early.kind, "wait");
    assert.equal(early.kind === "wait" && early.ms, 2100, "until the cache window has passed");
    // Once no cached view can predate the checkpoint, a 404 means it left Flink's history.
    const late = await completedCheckpointPath(client, JOB_ID, 7, timing(3100));
    assert.equal(late.kind, "unreadable");
    // Without a cache there is nothing to wait for.
    const uncached = await completedCheckpointPath(client, JOB_ID, 7, timing(0, 0));
    assert.equal(uncached.kind, "unreadable");
  });
});

Deno.test("a completed checkpoint's details: path, failure, in progress, JobManager away", async () => {
  await withFakeFlink((f) => {
    f.on("GET", `/jobs/${JOB_ID}/checkpoints/details/7`, {
      json: {
        className: "completed",
        id: 7,
        status: "COMPLETED",
        external_path: "file:/flink-data/checkpoints/x/chk-7",
      },
    });
    f.on("GET", `/jobs/${JOB_ID}/checkpoints/details/8`, {
      json: { className: "failed", id: 8, status: "FAILED", failure_message: "declined" },
    });
    f.on("GET", `/jobs/${JOB_ID}/checkpoints/details/9`, {
      json: { className: "in_progress", id: 9, status: "IN_PROGRESS" },
    });
  }, async (f) => {
    const client = f.client();
    assert.deepEqual(await completedCheckpointPath(client, JOB_ID, 7, timing(10)), {
      kind: "path",
      path: "file:/flink-data/checkpoints/x/chk-7",
    });
    await assert.rejects(
      completedCheckpointPath(client, JOB_ID, 8, timing(10)),
      (err: unknown) =>
        err instanceof SnapshotError && /Checkpoint 8 failed: declined/.test(err.message),
    );
    // IN_PROGRESS next to a COMPLETED trigger is a cached view too; later, the normal pace.
    const cached = await completedCheckpointPath(client, JOB_ID, 9, timing(1000));
    assert.equal(cached.kind === "wait" && cached.ms, 2100);
    const later = await completedCheckpointPath(client, JOB_ID, 9, timing(5000));
    assert.equal(later.kind === "wait" && later.ms, 60_000);
  });
  // An unreachable JobManager is no answer about the checkpoint: the caller polls again.
  const closed = await withClosedPort();
  await assert.rejects(
    completedCheckpointPath(closed, JOB_ID, 7, timing(5000)),
    FlinkUnreachableError,
  );
});

/** A client for a port nobody listens on. */
async function withClosedPort() {
  let client;
  await withFakeFlink(() => {}, (f) => {
    client = f.client();
    return Promise.resolve();
  });
  return client!;
}
