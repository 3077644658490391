import assert from "node:assert/strict";
import {
  checkpointProgressWindowMs,
  type ClusterHealthInfo,
  evaluateClusterHealth,
  type HealthPolicy,
  parseClusterHealthInfo,
  serializeClusterHealthInfo,
} from "../../lib/flink/spec/cluster_health.ts";

const MIN = 60_000;
const POLICY: HealthPolicy = {
  restartsWindowMs: 2 * MIN,
  restartsThreshold: 64,
  checkpointProgressEnabled: true,
  checkpointIntervalMs: 10_000,
  checkpointTimeoutMs: 10 * MIN,
  tolerableFailedCheckpoints: 0,
};

function run(
  samples: [number, number, number][],
  policy: Partial<HealthPolicy> = {},
): ClusterHealthInfo {
  let info: ClusterHealthInfo | undefined;
  for (const [t, restarts, checkpoints] of samples) {
    info = evaluateClusterHealth(
      info,
      { timeStamp: t, numRestarts: restarts, numCompletedCheckpoints: checkpoints },
      { ...POLICY, ...policy },
      t,
    );
  }
  return info!;
}

Deno.test("cluster health: the first sample starts the history, healthy with no error yet", () => {
  const info = run([[1000, 3, 7]]);
  assert.deepEqual(info, {
    timeStamp: 1000,
    numRestarts: 3,
    numRestartsEvaluationTimeStamp: 1000,
    numCompletedCheckpoints: 7,
    numCompletedCheckpointsIncreasedTimeStamp: 1000,
    healthResult: { healthy: true, error: null },
  });
});

Deno.test("cluster health: more restarts than the threshold within the window is unhealthy", () => {
  const ok = run([[0, 0, 0], [60_000, 64, 6]], { restartsThreshold: 64 });
  assert.deepEqual(ok.healthResult, { healthy: true, error: "" });
  const bad = run([[0, 0, 0], [60_000, 65, 6]], { restartsThreshold: 64 });
  assert.deepEqual(bad.healthResult, { healthy: false, error: "Restart count hit threshold: 64" });
});

Deno.test("cluster health: restarts over a longer span are scaled down to the window", () => {
  // 100 restarts over 4 min count as 50 in a 2 min window.
  const info = run([[0, 0, 0], [4 * MIN, 100, 24]], { restartsThreshold: 64 });
  assert.equal(info.healthResult.healthy, true);
  // The baseline moved: the window was passed.
  assert.equal(info.numRestarts, 100);
  assert.equal(info.numRestartsEvaluationTimeStamp, 4 * MIN);
});

Deno.test("cluster health: a restart counter that went down starts a new baseline", () => {
  const info = run([[0, 50, 0], [10_000, 2, 1]], { restartsThreshold: 1 });
  assert.equal(info.healthResult.healthy, true);
  assert.equal(info.numRestarts, 2);
});

Deno.test("cluster health: no completed checkpoint within the window is unhealthy", () => {
  // interval 10 s, timeout 10 min, 0 tolerable: the window is max(20 s, 20 min) = 20 min.
  assert.equal(checkpointProgressWindowMs(POLICY), 20 * MIN);
  const stalled = run([[0, 0, 5], [10 * MIN, 0, 5], [21 * MIN, 0, 5]]);
  assert.deepEqual(stalled.healthResult, {
    healthy: false,
    error: "Cluster is not able to complete checkpoints",
  });
  const progressing = run([[0, 0, 5], [10 * MIN, 0, 6], [21 * MIN, 0, 6]]);
  assert.equal(progressing.healthResult.healthy, true);
  assert.equal(progressing.numCompletedCheckpointsIncreasedTimeStamp, 10 * MIN);
});

Deno.test("cluster health: the checkpoint window, configured or derived", () => {
  const base = { ...POLICY, checkpointTimeoutMs: 30_000, checkpointIntervalMs: 5_000 };
  assert.equal(checkpointProgressWindowMs({ ...base, tolerableFailedCheckpoints: 1 }), 90_000);
  // A configured window shorter than the minimum is not used.
  assert.equal(checkpointProgressWindowMs({ ...base, checkpointProgressWindowMs: 1_000 }), 60_000);
  assert.equal(
    checkpointProgressWindowMs({ ...base, checkpointProgressWindowMs: 5 * MIN }),
    5 * MIN,
  );
  // Checkpointing off and no window: nothing is expected.
  assert.equal(checkpointProgressWindowMs({ ...base, checkpointIntervalMs: undefined }), undefined);
  const off = run([[0, 0, 0], [60 * MIN, 0, 0]], { checkpointIntervalMs: undefined });
  assert.equal(off.healthResult.healthy, true);
});

Deno.test("cluster health: both problems are joined as FKO does", () => {
  const info = run([[0, 0, 5], [21 * MIN, 200, 5]], { restartsThreshold: 10 });
  assert.deepEqual(info.healthResult, {
    healthy: false,
    error: "Restart count hit threshold: 10|Cluster is not able to complete checkpoints",
  });
});

Deno.test("cluster health: FKO's JSON round-trips, field for field", () => {
  const text = '{"timeStamp":1700000000000,"numRestarts":2,"numRestartsEvaluationTimeStamp":' +
    '1699999990000,"numCompletedCheckpoints":9,"numCompletedCheckpointsIncreasedTimeStamp":' +
    '1699999995000,"healthResult":{"healthy":true,"error":""}}';
  const info = parseClusterHealthInfo(text)!;
  assert.equal(serializeClusterHealthInfo(info), text);
  assert.equal(parseClusterHealthInfo("not json"), undefined);
  assert.equal(parseClusterHealthInfo('{"timeStamp":0}'), undefined, "FKO: not valid");
});

Deno.test("cluster health: a sample older than the history is refused", () => {
  const info = run([[5000, 0, 0]]);
  assert.throws(
    () =>
      evaluateClusterHealth(
        info,
        { timeStamp: 1000, numRestarts: 0, numCompletedCheckpoints: 0 },
        POLICY,
        1000,
      ),
    /older/,
  );
});
