/**
 * The metrics options as the operator applies them: its configuration (loaded from `--set` flags)
 * turned into FKO's metrics by `fkoMetricsFor`, the function `flinkop run` registers on /metrics.
 * FKO MetricManager: no resource metrics registered at all without `resource.metrics.enabled`,
 * no lifecycle metrics without `resource.lifecycle.metrics.enabled`, no per-namespace lifecycle
 * histograms without `resource.lifecycle.namespace.histograms.enabled`, and histograms over the
 * last `metrics.histogram.sample.size` values.
 */
import assert from "node:assert/strict";
import { loadOperatorConfig } from "../../lib/config/operator_config.ts";
import { fkoMetricsFor } from "../../lib/metrics/fko_operator_metrics.ts";

const P = "kubernetes.operator.";
const NS = { resourcens: "team-a", resourcetype: "FlinkDeployment" };

/** Metrics of an operator started with these options, fed one deployment's lifecycle. */
function metricsAfterLifecycle(settings: Record<string, string> = {}): string {
  const config = loadOperatorConfig({
    args: Object.entries(settings).flatMap(([k, v]) => ["--set", `${P}${k}=${v}`]),
    env: {},
    readFile: () => null,
  });
  const t0 = Date.parse("2026-01-01T00:00:00Z");
  const now = { t: t0 };
  const m = fkoMetricsFor(config, { HOSTNAME: "op-host" }, { now: () => now.t });
  const at = (seconds: number, lifecycleState: string) => {
    now.t = t0 + seconds * 1000;
    m.applied("FlinkDeployment", {
      apiVersion: "flink.apache.org/v1beta1",
      kind: "FlinkDeployment",
      metadata: { name: "job", namespace: "team-a", creationTimestamp: "2026-01-01T00:00:00Z" },
      status: { lifecycleState },
    } as never);
  };
  // Three submissions (UPGRADING -> DEPLOYED) taking 3 s, 10 s and 2 s.
  at(0, "CREATED");
  at(2, "UPGRADING");
  at(5, "DEPLOYED");
  at(20, "STABLE");
  at(30, "UPGRADING");
  at(40, "DEPLOYED");
  at(50, "STABLE");
  at(60, "UPGRADING");
  at(62, "DEPLOYED");
  return m.render();
}

function sample(text: string, name: string, labels: Record<string, string> = {}) {
  for (const line of text.split("\n")) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\{(.*)\} (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    if (Object.entries(labels).every(([k, v]) => m[2].includes(`${k}="${v}"`))) return Number(m[3]);
  }
  return undefined;
}

const SUBMISSION = "flink_k8soperator_FlinkDeployment_Lifecycle_Transition_Submission_TimeSeconds";
const NS_SUBMISSION = "flink_k8soperator_namespace_Lifecycle_Transition_Submission_TimeSeconds";

Deno.test("metrics options: by default counts, lifecycle states and histograms of 1000 samples", () => {
  const text = metricsAfterLifecycle();
  assert.equal(sample(text, "flink_k8soperator_namespace_Count", NS), 1);
  assert.equal(sample(text, "flink_k8soperator_namespace_Lifecycle_State_DEPLOYED_Count", NS), 1);
  assert.equal(sample(text, `${SUBMISSION}_count`), 3);
  assert.equal(sample(text, SUBMISSION, { quantile: "0.5" }), 3, "the median of 3, 10 and 2");
  assert.equal(sample(text, `${NS_SUBMISSION}_count`, NS), 3);
});

Deno.test("metrics.histogram.sample.size: histograms summarise the last that many values", () => {
  const text = metricsAfterLifecycle({ "metrics.histogram.sample.size": "1" });
  assert.equal(sample(text, `${SUBMISSION}_count`), 3, "the count is of all values");
  assert.equal(sample(text, SUBMISSION, { quantile: "0.5" }), 2, "only the last one");
  assert.equal(sample(text, NS_SUBMISSION, { ...NS, quantile: "0.5" }), 2);
});

Deno.test("resource.lifecycle.namespace.histograms.enabled: false keeps only the operator-wide histograms", () => {
  const text = metricsAfterLifecycle({
    "resource.lifecycle.namespace.histograms.enabled": "false",
  });
  assert.equal(sample(text, `${SUBMISSION}_count`), 3);
  assert.doesNotMatch(text, /flink_k8soperator_namespace_Lifecycle_\w+_TimeSeconds/);
  assert.equal(sample(text, "flink_k8soperator_namespace_Lifecycle_State_DEPLOYED_Count", NS), 1);
});

Deno.test("resource.lifecycle.metrics.enabled: false reports no lifecycle metrics", () => {
  const text = metricsAfterLifecycle({ "resource.lifecycle.metrics.enabled": "false" });
  assert.equal(sample(text, "flink_k8soperator_namespace_Count", NS), 1);
  assert.doesNotMatch(text, /Lifecycle/);
});

Deno.test("resource.metrics.enabled: false reports no resource metrics at all", () => {
  assert.equal(metricsAfterLifecycle({ "resource.metrics.enabled": "false" }), "");
});
