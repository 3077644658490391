import assert from "node:assert/strict";
import { ConfigError } from "../../lib/config/config_error.ts";
import { REFERENCE_BEGIN, REFERENCE_END } from "../../lib/config/config_reference_doc.ts";
import {
  ALL_OPTIONS,
  getOption,
  optionForKey,
  OPTIONS,
  patternForKey,
  renderConfigReference,
} from "../../lib/config/options.ts";

Deno.test("options: keys are unique, prefixed and every default parses", () => {
  const keys = ALL_OPTIONS.flatMap((option) => [option.key, ...option.deprecatedKeys]);
  assert.equal(new Set(keys).size, keys.length);
  for (const option of ALL_OPTIONS) {
    assert.match(option.key, /^kubernetes\.operator\./);
    if (option.defaultText !== undefined) option.parse(option.defaultText);
    assert.ok(option.description.length > 0, option.key);
  }
});

Deno.test("options: FKO defaults as typed values", () => {
  const none = {};
  assert.equal(getOption(none, OPTIONS.reconcileInterval), 60_000);
  assert.equal(getOption(none, OPTIONS.reconcileParallelism), 50);
  assert.equal(getOption(none, OPTIONS.retryIntervalMultiplier), 1.5);
  assert.equal(getOption(none, OPTIONS.retryMaxAttempts), 15);
  assert.equal(getOption(none, OPTIONS.retryMaxInterval), undefined);
  assert.equal(getOption(none, OPTIONS.resourceCleanupTimeout), 300_000);
  assert.equal(getOption(none, OPTIONS.jmDeploymentShutdownTtl), 86_400_000);
  assert.equal(getOption(none, OPTIONS.savepointFormatType), "CANONICAL");
  assert.equal(getOption(none, OPTIONS.resourceDeletionPropagation), "Foreground");
  assert.equal(getOption(none, OPTIONS.clusterResourceViewRefreshInterval), -60_000);
  assert.deepEqual(getOption(none, OPTIONS.watchedNamespaces), ["JOSDK_ALL_NAMESPACES"]);
  assert.deepEqual(getOption(none, OPTIONS.exceptionLabelMapper), {});
  assert.deepEqual(getOption(none, OPTIONS.periodicSavepointInterval), { kind: "disabled" });
  assert.equal(getOption(none, OPTIONS.healthProbePort), 8085);
  // Compile-time check: options with a default are not optional.
  const interval: number = getOption(none, OPTIONS.reconcileInterval);
  assert.ok(interval > 0);
});

Deno.test("options: deprecated keys are read when the new key is absent", () => {
  const old = { "kubernetes.operator.reconciler.reschedule.interval": "30 s" };
  assert.equal(getOption(old, OPTIONS.reconcileInterval), 30_000);
  const both = { ...old, "kubernetes.operator.reconcile.interval": "2 min" };
  assert.equal(getOption(both, OPTIONS.reconcileInterval), 120_000);
});

Deno.test("options: conversions and errors name the key", () => {
  const config = {
    "kubernetes.operator.savepoint.format.type": "native",
    "kubernetes.operator.exception.label.mapper": "timed out:timeout,'a:b':\"x,y\"",
    "kubernetes.operator.user.artifacts.allowed-schemes": "https, s3;file",
    "kubernetes.operator.job.restart.failed": "TRUE",
  };
  assert.equal(getOption(config, OPTIONS.savepointFormatType), "NATIVE");
  assert.deepEqual(getOption(config, OPTIONS.exceptionLabelMapper), {
    "timed out": "timeout",
    "a:b": "x,y",
  });
  assert.deepEqual(getOption(config, OPTIONS.userArtifactsAllowedSchemes), ["https", "s3", "file"]);
  assert.equal(getOption(config, OPTIONS.jobRestartFailed), true);

  const bad = (key: string, value: string) => {
    const option = optionForKey(key);
    assert.ok(option);
    try {
      getOption({ [key]: value }, option);
    } catch (error) {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.key, key);
      return error.message;
    }
    assert.fail(`${key}=${value} should be rejected`);
  };
  assert.equal(
    bad("kubernetes.operator.reconcile.interval", "abc"),
    'kubernetes.operator.reconcile.interval: "abc" is not a duration (examples: 60 s, 5 min, 1 h)',
  );
  assert.match(
    bad("kubernetes.operator.reconciler.reschedule.interval", "x"),
    /^kubernetes\.operator\.reconciler\.reschedule\.interval: /,
  );
  assert.match(bad("kubernetes.operator.rate-limiter.limit", "5.5"), /is not an integer/);
  assert.match(
    bad("kubernetes.operator.job.restart.failed", "yes"),
    /is not a boolean \(true or false\)/,
  );
  assert.match(
    bad("kubernetes.operator.checkpoint.type", "DELTA"),
    /is not one of FULL, INCREMENTAL/,
  );
  assert.match(bad("kubernetes.operator.retry.interval.multiplier", "fast"), /is not a number/);
  assert.match(bad("kubernetes.operator.user.artifacts.http.header", "novalue"), /is not a map/);
});

Deno.test("options: key patterns", () => {
  assert.ok(patternForKey("kubernetes.operator.plugins.listeners.audit.class"));
  assert.ok(patternForKey("kubernetes.operator.metrics.reporter.prom.factory.class"));
  assert.ok(patternForKey("kubernetes.operator.default-configuration.namespace.team-a.x"));
  assert.ok(patternForKey("kubernetes.operator.default-configuration.flink-version.v1_19+.x"));
  assert.ok(patternForKey("job.autoscaler.enabled"));
  assert.equal(patternForKey("kubernetes.operator.nonsense"), undefined);
});

Deno.test("docs/configuration.md contains the current generated reference", () => {
  const doc = Deno.readTextFileSync(new URL("../../docs/configuration.md", import.meta.url));
  const generated = doc.slice(
    doc.indexOf(REFERENCE_BEGIN) + REFERENCE_BEGIN.length,
    doc.indexOf(REFERENCE_END),
  );
  assert.equal(
    generated.trim(),
    renderConfigReference().trim(),
    "docs/configuration.md is stale: deno run --allow-read --allow-write lib/config/config_reference_doc.ts",
  );
  assert.ok(doc.includes(renderConfigReference()));
  for (const option of ALL_OPTIONS) assert.ok(doc.includes(`\`${option.key}\``), option.key);
});
