import assert from "node:assert/strict";
import {
  FkoOperatorMetrics,
  LifecycleTracker,
  SampleHistogram,
} from "../../lib/metrics/fko_operator_metrics.ts";
import type { KubeObject } from "../../lib/kube/resource.ts";

function deployment(
  name: string,
  status: Record<string, unknown> | undefined,
  namespace = "team-a",
): KubeObject & { status?: unknown } {
  return {
    apiVersion: "flink.apache.org/v1beta1",
    kind: "FlinkDeployment",
    metadata: { name, namespace, creationTimestamp: "2026-01-01T00:00:00Z" },
    status,
  };
}

/** The value of one sample line `name{labels…} value` whose labels include all of `want`. */
function value(text: string, name: string, want: Record<string, string> = {}): number | undefined {
  for (const line of text.split("\n")) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\{(.*)\} (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const labels = Object.fromEntries(
      [...m[2].matchAll(/([a-zA-Z_]+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]),
    );
    if (Object.entries(want).every(([k, v]) => labels[k] === v)) return Number(m[3]);
  }
  return undefined;
}

function metrics(now: { t: number }) {
  return new FkoOperatorMetrics({
    host: "op-host",
    operatorNamespace: "flinkop-system",
    operatorName: "flinkop",
    resourceMetrics: true,
    lifecycleMetrics: true,
    namespaceHistograms: true,
    histogramSampleSize: 1000,
    now: () => now.t,
  });
}

Deno.test("FKO metrics: counts per namespace, lifecycle state and JobManager status, FKO's names", () => {
  const now = { t: Date.parse("2026-01-01T00:01:00Z") };
  const m = metrics(now);
  m.applied("FlinkDeployment", deployment("a", undefined));
  m.applied(
    "FlinkDeployment",
    deployment("b", {
      lifecycleState: "STABLE",
      jobManagerDeploymentStatus: "READY",
      clusterInfo: { "flink-version": "1.20.1", "total-cpu": "1.5", "total-memory": "2147483648" },
    }),
  );
  m.applied("FlinkSessionJob", { ...deployment("s", { lifecycleState: "DEPLOYED" }) });
  m.applied("Pod", deployment("ignored", { lifecycleState: "STABLE" }));
  const text = m.render();
  const ns = { resourcens: "team-a", resourcetype: "FlinkDeployment" };
  assert.equal(value(text, "flink_k8soperator_namespace_Count", ns), 2);
  assert.equal(
    value(text, "flink_k8soperator_namespace_Count", { resourcetype: "FlinkSessionJob" }),
    1,
  );
  assert.equal(value(text, "flink_k8soperator_namespace_Lifecycle_State_STABLE_Count", ns), 1);
  assert.equal(value(text, "flink_k8soperator_namespace_Lifecycle_State_CREATED_Count", ns), 1);
  assert.equal(value(text, "flink_k8soperator_namespace_Lifecycle_State_FAILED_Count", ns), 0);
  assert.equal(value(text, "flink_k8soperator_namespace_JmDeploymentStatus_READY_Count", ns), 1);
  assert.equal(value(text, "flink_k8soperator_namespace_JmDeploymentStatus_MISSING_Count", ns), 1);
  assert.equal(
    value(text, "flink_k8soperator_namespace_FlinkVersion_Count", { FlinkVersion: "1.20.1" }),
    1,
  );
  assert.equal(
    value(text, "flink_k8soperator_namespace_FlinkMinorVersion_Count", {
      FlinkMinorVersion: "1.20",
    }),
    1,
  );
  assert.equal(
    value(text, "flink_k8soperator_namespace_FlinkVersion_Count", { FlinkVersion: "UNKNOWN" }),
    1,
  );
  assert.equal(value(text, "flink_k8soperator_namespace_ResourceUsage_Cpu", ns), 1.5);
  assert.equal(value(text, "flink_k8soperator_namespace_ResourceUsage_Memory", ns), 2147483648);
  // The operator's own identity as labels, as FKO's reporter has them.
  assert.equal(
    value(text, "flink_k8soperator_namespace_Count", {
      ...ns,
      host: "op-host",
      namespace: "flinkop-system",
      name: "flinkop",
    }),
    2,
  );
  // One TYPE line per family, gauges and summaries as Flink's reporter declares them.
  const types = text.split("\n").filter((l) => l.startsWith("# TYPE "));
  assert.equal(new Set(types).size, types.length);
  assert.ok(types.includes("# TYPE flink_k8soperator_namespace_Count gauge"));
  assert.ok(
    types.includes(
      "# TYPE flink_k8soperator_FlinkDeployment_Lifecycle_Transition_Upgrade_TimeSeconds summary",
    ),
  );

  // Deletion: the resource leaves the counts, the namespace's gauges stay (at 0).
  m.deleted("FlinkDeployment", deployment("a", undefined));
  m.deleted("FlinkDeployment", deployment("b", undefined));
  const after = m.render();
  assert.equal(value(after, "flink_k8soperator_namespace_Count", ns), 0);
  assert.equal(value(after, "flink_k8soperator_namespace_Lifecycle_State_STABLE_Count", ns), 0);
});

Deno.test("FKO metrics: transition times as FKO measures them (upgrade stable to stable, submission, stabilization)", () => {
  const t0 = Date.parse("2026-01-01T00:00:00Z");
  const now = { t: t0 };
  const m = metrics(now);
  const at = (seconds: number, state: string) => {
    now.t = t0 + seconds * 1000;
    m.applied("FlinkDeployment", deployment("job", { lifecycleState: state }));
  };
  at(0, "CREATED"); // the tracker starts at creationTimestamp for CREATED
  at(2, "UPGRADING");
  at(5, "DEPLOYED"); // Submission: 3 s since the last UPGRADING update
  at(20, "STABLE"); // Stabilization: 15 s since entering DEPLOYED
  at(100, "STABLE");
  at(110, "UPGRADING"); // the upgrade starts 10 s after the last STABLE update
  at(112, "UPGRADING");
  at(114, "DEPLOYED"); // Submission: 2 s since the last UPGRADING update
  at(130, "STABLE"); // Upgrade: 30 s since the last STABLE update (100 s)
  const text = m.render();
  const sys = { host: "op-host" };
  const count = (t: string) =>
    value(
      text,
      `flink_k8soperator_FlinkDeployment_Lifecycle_Transition_${t}_TimeSeconds_count`,
      sys,
    );
  const median = (t: string) =>
    value(text, `flink_k8soperator_FlinkDeployment_Lifecycle_Transition_${t}_TimeSeconds`, {
      quantile: "0.5",
    });
  assert.equal(count("Submission"), 2);
  assert.equal(count("Stabilization"), 2);
  assert.equal(count("Upgrade"), 1);
  assert.equal(median("Upgrade"), 30);
  assert.equal(count("Resume"), 0);
  assert.equal(median("Resume"), NaN);
  // Per namespace too (lifecycle.namespace.histograms.enabled).
  assert.equal(
    value(text, "flink_k8soperator_namespace_Lifecycle_Transition_Upgrade_TimeSeconds_count", {
      resourcens: "team-a",
      resourcetype: "FlinkDeployment",
    }),
    1,
  );
});

Deno.test("LifecycleTracker: time in a state is recorded when a terminal state closes it", () => {
  const recorded: [string, string, number][] = [];
  const tracker = new LifecycleTracker("CREATED", 0, {
    transition: (name, s) => recorded.push(["transition", name, s]),
    stateTime: (state, s) => recorded.push(["state", state, s]),
  });
  tracker.update("UPGRADING", 1000);
  tracker.update("DEPLOYED", 4000);
  tracker.update("STABLE", 9000);
  assert.deepEqual(recorded.filter((r) => r[0] === "state").sort(), [
    ["state", "CREATED", 0],
    ["state", "DEPLOYED", 0],
    ["state", "UPGRADING", 0],
  ]);
  assert.equal(tracker.current, "STABLE");
  tracker.update("SUSPENDED", 61_000); // Suspend: 52 s after the last STABLE update
  assert.deepEqual(recorded.at(-1), ["state", "STABLE", 0]);
  assert.ok(recorded.some((r) => r[1] === "Suspend" && r[2] === 52));
});

Deno.test("SampleHistogram: a window of the last values, commons-math percentiles", () => {
  const h = new SampleHistogram(4);
  for (const v of [100, 1, 2, 3, 4]) h.update(v);
  assert.equal(h.count, 5);
  assert.equal(h.quantile(0.5), 2.5); // window 1 2 3 4
  assert.equal(h.quantile(0.999), 4);
  assert.equal(new SampleHistogram(3).quantile(0.5), NaN);
});
