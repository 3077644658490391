import assert from "node:assert/strict";
import { ConfigError } from "../../lib/config/config_error.ts";
import { loadOperatorConfig } from "../../lib/config/operator_config.ts";
import { OPTIONS } from "../../lib/config/options.ts";
import { effectiveResourceConfig } from "../../lib/config/resource_config.ts";

const NS = "kubernetes.operator.default-configuration.namespace.";
const VERSION = "kubernetes.operator.default-configuration.flink-version.";

function operator(settings: Record<string, string>) {
  return loadOperatorConfig({
    args: Object.entries(settings).flatMap(([key, value]) => ["--set", `${key}=${value}`]),
    env: {},
    readFile: () => null,
  });
}

const OPERATOR = operator({
  "taskmanager.numberOfTaskSlots": "1",
  "parallelism.default": "1",
  "kubernetes.operator.savepoint.history.max.count": "5",
  "kubernetes.operator.reconcile.interval": "30 s",
  [`${NS}team-a.taskmanager.numberOfTaskSlots`]: "2",
  [`${NS}team-a.kubernetes.operator.job.restart.failed`]: "true",
  [`${NS}team-a.kubernetes.operator.reconcile.interval`]: "45 s",
  [`${VERSION}v1_18+.env.java.opts.all`]: "--v118plus",
  [`${VERSION}v1_19+.env.java.opts.all`]: "--v119plus",
  [`${VERSION}v1_19.env.java.opts.all`]: "--v119exact",
  [`${VERSION}v1_19+.taskmanager.numberOfTaskSlots`]: "3",
  [`${VERSION}v2_0.pipeline.name`]: "only-2.0",
});

Deno.test("effectiveResourceConfig: operator defaults, namespace, version, spec in order", () => {
  const config = effectiveResourceConfig(OPERATOR, {
    namespace: "team-a",
    flinkVersion: "v1_20",
    flinkConfiguration: { state: { "savepoints.dir": "s3://b/sp" }, "parallelism.default": 4 },
  });
  assert.equal(config.flat["parallelism.default"], "4");
  // Version defaults override namespace defaults; the newest applicable `+` version wins.
  assert.equal(config.flat["taskmanager.numberOfTaskSlots"], "3");
  assert.equal(config.flat["env.java.opts.all"], "--v119plus");
  assert.equal(config.flat["pipeline.name"], undefined);
  assert.equal(config.flat["state.savepoints.dir"], "s3://b/sp");
  assert.equal(config.get(OPTIONS.jobRestartFailed), true);
  assert.equal(config.get(OPTIONS.savepointHistoryMaxCount), 5);
  assert.equal(config.get(OPTIONS.reconcileInterval), 45_000);
  assert.ok(!Object.keys(config.flat).some((key) => key.includes("default-configuration")));
  assert.deepEqual(config.warnings, []);
  assert.deepEqual(config.problems, []);
});

Deno.test("effectiveResourceConfig: exact version beats `+`, other namespaces unaffected", () => {
  const config = effectiveResourceConfig(OPERATOR, { namespace: "team-b", flinkVersion: "v1_19" });
  assert.equal(config.flat["env.java.opts.all"], "--v119exact");
  assert.equal(config.flat["taskmanager.numberOfTaskSlots"], "3");
  assert.equal(config.get(OPTIONS.jobRestartFailed), false);
  assert.equal(config.get(OPTIONS.reconcileInterval), 30_000);
  const old = effectiveResourceConfig(OPERATOR, { namespace: "team-b", flinkVersion: "v1_17" });
  assert.equal(old.flat["env.java.opts.all"], undefined);
  assert.equal(old.flat["taskmanager.numberOfTaskSlots"], "1");
});

Deno.test("effectiveResourceConfig: system options in the spec are ignored with a warning", () => {
  const config = effectiveResourceConfig(OPERATOR, {
    namespace: "default",
    flinkVersion: "v1_20",
    flinkConfiguration: {
      "kubernetes.operator.reconcile.interval": "1 s",
      "kubernetes.operator.job.restart.failed": "true",
      "kubernetes.operator.unknown.thing": "x",
    },
  });
  assert.equal(config.get(OPTIONS.reconcileInterval), 30_000);
  assert.equal(config.flat["kubernetes.operator.reconcile.interval"], "30 s");
  assert.equal(config.get(OPTIONS.jobRestartFailed), true);
  assert.deepEqual(config.warnings, [
    '"kubernetes.operator.reconcile.interval" is an operator-wide option and is ignored in ' +
    "spec.flinkConfiguration",
    'Unknown operator option "kubernetes.operator.unknown.thing" is ignored',
  ]);
});

Deno.test("effectiveResourceConfig: invalid resource values are reported with their key", () => {
  const config = effectiveResourceConfig(OPERATOR, {
    flinkConfiguration: {
      kubernetes: {
        operator: {
          "periodic.savepoint.interval": "sometimes",
          "savepoint.history.max.count": "ten",
        },
      },
    },
  });
  assert.deepEqual(config.problems.map((problem) => problem.key), [
    "kubernetes.operator.periodic.savepoint.interval",
    "kubernetes.operator.savepoint.history.max.count",
  ]);
  assert.throws(() => config.assertValid(), (error: unknown) => {
    assert.ok(error instanceof ConfigError);
    assert.match(
      error.message,
      /^kubernetes\.operator\.periodic\.savepoint\.interval: "sometimes" is not a duration .*; kubernetes\.operator\.savepoint\.history\.max\.count: "ten" is not an integer/,
    );
    return true;
  });
  assert.throws(() => config.get(OPTIONS.savepointHistoryMaxCount), ConfigError);
});

Deno.test("effectiveResourceConfig: session job config layers on the session cluster's", () => {
  const config = effectiveResourceConfig(OPERATOR, {
    flinkConfiguration: { "kubernetes.operator.job.restart.failed": "true", "a.b": "cluster" },
    sessionJobFlinkConfiguration: { "a.b": "job", "job.autoscaler.enabled": "true" },
  });
  assert.equal(config.flat["a.b"], "job");
  assert.equal(config.get(OPTIONS.jobRestartFailed), true);
  assert.equal(config.flinkOptions["a.b"], "job");
  assert.equal(config.flinkOptions["job.autoscaler.enabled"], undefined);
  assert.ok(
    !Object.keys(config.flinkOptions).some((key) => key.startsWith("kubernetes.operator.")),
  );
});

Deno.test("effectiveResourceConfig: deprecated key in spec shadowed by operator's new key", () => {
  const op = operator({ "kubernetes.operator.savepoint.trigger.grace-period": "2 min" });
  const config = effectiveResourceConfig(op, {
    flinkConfiguration: { "kubernetes.operator.observer.savepoint.trigger.grace-period": "5 min" },
  });
  // Flink semantics: the new key wins wherever it is set.
  assert.equal(config.get(OPTIONS.savepointTriggerGracePeriod), 120_000);
  assert.match(config.warnings[0], /is deprecated, use .* \(ignored: .* is set\)/);
});
