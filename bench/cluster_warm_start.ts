/**
 * cluster.warm-start: ensureControlPlane for the bench state directory from nothing running
 * (binaries cached) until the Node is Ready: PKI, etcd, kube-apiserver, RBAC, controller manager,
 * node agent. Any bench cluster left running is stopped first, untimed. The progress messages of
 * the cluster tooling are timestamped to show where the time goes. If a start attempt fails (see
 * BenchCluster.ensure), the figure is the successful attempt's and the failures are listed.
 */
import { type Benchmark, newResult } from "./benchmark.ts";
import { seconds } from "./result.ts";

export const clusterWarmStart: Benchmark = {
  name: "cluster.warm-start",
  description: "ensureControlPlane from nothing running (binaries cached) to Node Ready",
  async run({ cluster }) {
    const result = newResult("cluster.warm-start");
    await cluster.stop();
    const steps: { at: number; message: string }[] = [];
    const originalLog = cluster.log;
    const firstAttempt = cluster.attempts.length;
    cluster.log = (message) => {
      steps.push({ at: performance.now(), message });
      originalLog(message);
    };
    try {
      await cluster.ensure();
    } finally {
      cluster.log = originalLog;
    }
    const attempts = cluster.attempts.slice(firstAttempt);
    const ok = attempts.at(-1)!;
    result.figures.push({ label: "to Node Ready", value: seconds(ok.ms) });
    const end = ok.startedAt + ok.ms;
    const own = steps.filter((s) => s.at >= ok.startedAt);
    // Each step lasts until the next message (the last one until the Node is Ready).
    const phases = own.map((s, i) =>
      `${s.message.replace(/ (on|in|for) .*$/, "")} ${seconds((own[i + 1]?.at ?? end) - s.at)}`
    );
    result.notes.push(`steps: ${phases.join("; ")}`);
    const failed = attempts.filter((a) => a.error);
    if (failed.length) {
      result.notes.push(
        `${failed.length} failed start attempt(s) before this one, not counted: ` +
          failed.map((a) => `${seconds(a.ms)} (${a.error})`).join("; "),
      );
    }
    return result;
  },
};
