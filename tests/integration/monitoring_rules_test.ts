/**
 * deploy/monitoring/ checked with real Prometheus tools (Debian's prometheus package): the alert
 * rules pass `promtool check rules` and the recorded-series tests of `promtool test rules`; the
 * PrometheusRule carries the same groups; every series the rules and the Grafana dashboard read
 * is one the operator exports. (tests/integration/helm_chart_test.ts runs the dashboard's queries
 * against a real Prometheus scraping the operator.)
 */
import assert from "node:assert/strict";
import { parse as parseYaml } from "yaml";
import { requirePrometheus } from "../../cluster/tools/prometheus.ts";
import { FkoOperatorMetrics } from "../../lib/metrics/fko_operator_metrics.ts";
import { RuntimeMetrics } from "../../lib/runtime/metrics.ts";

const repoRoot = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
const RULES = `${repoRoot}/deploy/monitoring/flinkop-rules.yaml`;

async function promtool(args: string[], cwd = repoRoot): Promise<{ ok: boolean; out: string }> {
  const { promtool } = await requirePrometheus();
  const out = await new Deno.Command(promtool, { args, cwd, stdout: "piped", stderr: "piped" })
    .output();
  const dec = new TextDecoder();
  return { ok: out.success, out: dec.decode(out.stdout) + dec.decode(out.stderr) };
}

Deno.test("deploy/monitoring: promtool check rules accepts the alert rules", async () => {
  const { ok, out } = await promtool(["check", "rules", RULES]);
  assert.ok(ok, out);
  assert.match(out, /SUCCESS: 9 rules found/);
});

Deno.test("deploy/monitoring: promtool test rules on recorded series (fires, and stays quiet)", async () => {
  const { ok, out } = await promtool(
    ["test", "rules", "flinkop-rules.test.yaml"],
    `${repoRoot}/tests/monitoring`,
  );
  assert.ok(ok, out);
  assert.match(out, /SUCCESS/);
});

Deno.test("deploy/monitoring: a broken expectation makes promtool test rules fail", async () => {
  // The rule tests can fail: the same series with the FAILED alert expected one minute too early.
  const text = await Deno.readTextFile(`${repoRoot}/tests/monitoring/flinkop-rules.test.yaml`);
  const dir = await Deno.makeTempDir();
  try {
    const broken = text
      .replace("../../deploy/monitoring/flinkop-rules.yaml", RULES)
      .replace(
        "- eval_time: 4m\n        alertname: FlinkJobFailed\n        exp_alerts: []",
        "- eval_time: 4m\n        alertname: FlinkJobFailed\n        exp_alerts:\n          - exp_labels: {severity: critical, resourcens: team-a, resourcetype: FlinkDeployment}",
      );
    assert.notEqual(broken, text);
    await Deno.writeTextFile(`${dir}/broken.test.yaml`, broken);
    const { ok, out } = await promtool(["test", "rules", `${dir}/broken.test.yaml`]);
    assert.ok(!ok, out);
    assert.match(out, /FAILED/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deploy/monitoring: the PrometheusRule holds exactly the rule file's groups", async () => {
  const rules = parseYaml(await Deno.readTextFile(RULES));
  const crd = parseYaml(
    await Deno.readTextFile(`${repoRoot}/deploy/monitoring/prometheusrule.yaml`),
  );
  assert.equal(crd.apiVersion, "monitoring.coreos.com/v1");
  assert.equal(crd.kind, "PrometheusRule");
  assert.deepEqual(crd.spec.groups, rules.groups);
});

/** Every metric family name the operator renders, with a resource of each kind seen. */
function exportedNames(): Set<string> {
  const fko = new FkoOperatorMetrics({
    host: "h",
    operatorNamespace: "ns",
    operatorName: "flinkop",
    resourceMetrics: true,
    lifecycleMetrics: true,
    namespaceHistograms: true,
    histogramSampleSize: 10,
  });
  const meta = { namespace: "a", creationTimestamp: new Date().toISOString() };
  fko.applied("FlinkDeployment", { metadata: { ...meta, name: "d" }, status: {} });
  fko.applied("FlinkSessionJob", { metadata: { ...meta, name: "s" }, status: {} });
  fko.applied("FlinkStateSnapshot", {
    metadata: { ...meta, name: "p" },
    spec: { savepoint: {} },
    status: { state: "COMPLETED" },
  } as never);
  const runtime = new RuntimeMetrics();
  runtime.reconciles.inc({ controller: "c", result: "success" });
  runtime.reconcileErrors.inc({ controller: "c" });
  runtime.reconcileDuration.observe({ controller: "c" }, 0.1);
  runtime.watchRestarts.inc({ kind: "k", reason: "r" });
  runtime.leader.set({}, 1);
  runtime.queueDepth.set({ controller: "c" }, 0);
  runtime.queueInFlight.set({ controller: "c" }, 0);
  const text = fko.render() + "\n" + runtime.registry.render();
  const names = new Set<string>();
  for (const line of text.split("\n")) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]/.exec(line);
    if (m) names.add(m[1]);
  }
  return names;
}

Deno.test("deploy/monitoring: the rules and the dashboard read only series the operator exports", async () => {
  const names = exportedNames();
  const dashboard = JSON.parse(
    await Deno.readTextFile(`${repoRoot}/deploy/monitoring/grafana-dashboard.json`),
  );
  const exprs: string[] = [];
  for (const panel of dashboard.panels) {
    for (const target of panel.targets ?? []) exprs.push(target.expr);
  }
  assert.ok(exprs.length > 30, `dashboard has ${exprs.length} queries`);
  const rules = parseYaml(await Deno.readTextFile(RULES));
  for (const group of rules.groups) for (const rule of group.rules) exprs.push(rule.expr);
  exprs.push(
    dashboard.templating.list.find((v: { name: string }) => v.name === "namespace").definition,
  );
  const unknown = new Set<string>();
  for (const expr of exprs) {
    for (const [name] of expr.matchAll(/\b(?:flink_k8soperator|flinkop)_[A-Za-z0-9_]+/g)) {
      if (!names.has(name)) unknown.add(name);
    }
  }
  assert.deepEqual(
    [...unknown],
    [],
    "series read by the dashboard or the rules but never exported",
  );
});
