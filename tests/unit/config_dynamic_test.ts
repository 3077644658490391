import assert from "node:assert/strict";
import {
  changedConfigKeys,
  describeConfig,
  DynamicConfig,
  type ReloadResult,
} from "../../lib/config/dynamic_config.ts";
import { noEffectWarnings } from "../../lib/config/no_effect.ts";
import { loadOperatorConfig, type OperatorConfig } from "../../lib/config/operator_config.ts";
import { ALL_OPTIONS, KEY_PATTERNS, OPTIONS } from "../../lib/config/options.ts";
import { applyReload, type NamespaceSwitch } from "../../lib/config_reload.ts";
import type { Logger } from "../../lib/log.ts";

const CONF = "/conf/config.yaml";

/** The operator's configuration from an in-memory config dir holding `yaml`. */
function fromFile(yaml: string, args: string[] = []): OperatorConfig {
  return loadOperatorConfig({
    args: ["--config-dir", "/conf", ...args],
    env: {},
    readFile: (path) => {
      if (path === CONF) return yaml;
      throw new Deno.errors.NotFound(path);
    },
  });
}

/** A DynamicConfig over a file the test rewrites. */
function dynamic(initial: string, args: string[] = []) {
  const file = { text: initial };
  const config = new DynamicConfig(fromFile(file.text, args), () => fromFile(file.text, args));
  return { config, file };
}

Deno.test("dynamic config: an unchanged file changes nothing", () => {
  const { config } = dynamic("kubernetes.operator.reconcile.interval: 30 s\n");
  const before = config.current;
  assert.deepEqual(config.reload(), { kind: "unchanged" });
  assert.equal(config.current, before);
});

Deno.test("dynamic config: a changed file replaces the current configuration", () => {
  const { config, file } = dynamic("kubernetes.operator.reconcile.interval: 30 s\n");
  file.text = "kubernetes.operator.reconcile.interval: 5 s\ntaskmanager.numberOfTaskSlots: 4\n";
  const result = config.reload();
  assert.equal(result.kind, "changed");
  if (result.kind !== "changed") return;
  assert.deepEqual(result.changedKeys, [
    "kubernetes.operator.reconcile.interval",
    "taskmanager.numberOfTaskSlots",
  ]);
  assert.equal(config.current, result.next);
  assert.equal(config.current.reconcileIntervalMs, 5_000);
  assert.equal(result.previous.reconcileIntervalMs, 30_000);
});

Deno.test("dynamic config: an invalid file is reported and the previous configuration kept", () => {
  const { config, file } = dynamic("kubernetes.operator.reconcile.interval: 30 s\n");
  const before = config.current;
  file.text = "kubernetes.operator.reconcile.interval: soon\n";
  const result = config.reload();
  assert.equal(result.kind, "invalid");
  if (result.kind !== "invalid") return;
  assert.match(String(result.error), /kubernetes\.operator\.reconcile\.interval: "soon"/);
  assert.equal(config.current, before);
  file.text = "kubernetes.operator.reconcile.interval: 20 s\n";
  assert.equal(config.reload().kind, "changed", "a valid file afterwards applies");
  assert.equal(config.current.reconcileIntervalMs, 20_000);
});

Deno.test("dynamic config: flags still override the reloaded file", () => {
  const { config, file } = dynamic("kubernetes.operator.watched.namespaces: a\n", [
    "--watch-namespaces",
    "b",
  ]);
  file.text = "kubernetes.operator.watched.namespaces: a,c\n";
  assert.deepEqual(config.reload(), { kind: "unchanged" });
  assert.deepEqual(config.current.watchNamespaces, ["b"]);
});

Deno.test("dynamic config: run checks every interval until aborted", async () => {
  const { config, file } = dynamic("a.b: 1\n");
  const results: ReloadResult["kind"][] = [];
  const stop = new AbortController();
  const running = config.run(10, stop.signal, (result) => {
    results.push(result.kind);
    if (results.length === 1) file.text = "a.b: 2\n";
    if (results.length === 3) stop.abort();
  });
  await running;
  assert.deepEqual(results, ["unchanged", "changed", "unchanged"]);
});

Deno.test("describeConfig: FKO's {key=value} form, sorted, secrets hidden", () => {
  assert.equal(
    describeConfig({ "b.x": "1", "a.y": "two", "s3.secret-key": "hunter2" }),
    "{a.y=two, b.x=1, s3.secret-key=******}",
  );
  assert.deepEqual(changedConfigKeys({ a: "1", b: "2" }, { b: "3", c: "4" }), ["a", "b", "c"]);
});

/** A logger that keeps (level, rendered message) pairs. */
function recordingLogger() {
  const lines: [string, string][] = [];
  const at = (level: string) => (message: string, props?: Record<string, unknown>) => {
    lines.push([level, message.replace(/\{(\w+)\}/g, (_, k) => String(props?.[k]))]);
  };
  const log = { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
  return { log: log as unknown as Logger, lines };
}

function namespaceSwitch(initial: readonly string[] | undefined) {
  const calls: (readonly string[] | undefined)[] = [];
  const manager: NamespaceSwitch & { calls: typeof calls } = {
    namespaces: initial,
    setNamespaces(ns) {
      calls.push(ns);
      this.namespaces = ns;
    },
    calls,
  } as NamespaceSwitch & { calls: typeof calls; namespaces: readonly string[] | undefined };
  return manager;
}

Deno.test("applyReload: a changed namespace list is watched with dynamic.namespaces.enabled", () => {
  const enabled = "kubernetes.operator.dynamic.namespaces.enabled: true\n";
  const { config, file } = dynamic(`${enabled}kubernetes.operator.watched.namespaces: a\n`);
  const manager = namespaceSwitch(["a"]);
  const { log, lines } = recordingLogger();
  file.text = `${enabled}kubernetes.operator.watched.namespaces: a,dynamic\n`;
  applyReload(config.reload(), manager, log);
  assert.deepEqual(manager.calls, [["a", "dynamic"]]);
  // FKO's e2e test looks for this line.
  assert.ok(
    lines.some(([level, text]) =>
      level === "info" && text.startsWith("Setting default configuration to {") &&
      text.includes("kubernetes.operator.watched.namespaces=a,dynamic")
    ),
    JSON.stringify(lines),
  );
  file.text = `${enabled}kubernetes.operator.watched.namespaces: JOSDK_ALL_NAMESPACES\n`;
  applyReload(config.reload(), manager, log);
  assert.deepEqual(manager.calls, [["a", "dynamic"], undefined], "all namespaces");
});

Deno.test("applyReload: without dynamic.namespaces.enabled the list waits for a restart", () => {
  const { config, file } = dynamic("kubernetes.operator.watched.namespaces: a\n");
  const manager = namespaceSwitch(["a"]);
  const { log, lines } = recordingLogger();
  file.text = "kubernetes.operator.watched.namespaces: a,b\n";
  applyReload(config.reload(), manager, log);
  assert.deepEqual(manager.calls, []);
  assert.ok(
    lines.some(([level, text]) =>
      level === "warn" && text.includes("kubernetes.operator.dynamic.namespaces.enabled is false")
    ),
    JSON.stringify(lines),
  );
});

Deno.test("applyReload: an invalid file is logged as an error naming the key", () => {
  const { config, file } = dynamic("kubernetes.operator.reconcile.interval: 30 s\n");
  const { log, lines } = recordingLogger();
  file.text = "kubernetes.operator.reconcile.interval: soon\n";
  applyReload(config.reload(), namespaceSwitch(undefined), log);
  assert.equal(lines.length, 1);
  assert.equal(lines[0][0], "error");
  assert.match(lines[0][1], /keeping the previous one: .*reconcile\.interval: "soon"/);
});

Deno.test("applyReload: options without effect are warned about when a reload sets them", () => {
  const { config, file } = dynamic("kubernetes.operator.reconcile.interval: 30 s\n");
  const { log, lines } = recordingLogger();
  file.text = "kubernetes.operator.reconcile.interval: 30 s\n" +
    "kubernetes.operator.config.cache.size: 5\n";
  applyReload(config.reload(), namespaceSwitch(undefined), log);
  const warnings = lines.filter(([level]) => level === "warn").map(([, text]) => text);
  assert.equal(warnings.length, 1, JSON.stringify(lines));
  assert.match(warnings[0], /"kubernetes\.operator\.config\.cache\.size" is set to "5"/);
  // An unrelated change later does not repeat it.
  file.text += "kubernetes.operator.reconcile.interval: 20 s\n";
  lines.length = 0;
  applyReload(config.reload(), namespaceSwitch(undefined), log);
  assert.deepEqual(lines.filter(([level]) => level === "warn"), []);
});

Deno.test("noEffectWarnings: one per option set to a non-default value, naming the key", () => {
  assert.deepEqual(noEffectWarnings({}), []);
  // Default values and options that work are not warned about.
  assert.deepEqual(
    noEffectWarnings({
      "kubernetes.operator.config.cache.size": "1000",
      "kubernetes.operator.ingress.manage": "TRUE",
      "kubernetes.operator.reconcile.interval": "5 s",
      "kubernetes.operator.jm-deployment.shutdown-ttl": "1 h",
    }),
    [],
  );
  const warnings = noEffectWarnings({
    "kubernetes.operator.ingress.manage": "false",
    "kubernetes.operator.default-configuration.namespace.team.kubernetes.operator.ingress.manage":
      "false",
    "kubernetes.operator.plugins.listeners.audit.class": "org.example.Audit",
    "kubernetes.operator.metrics.reporter.prom.password": "hunter2",
  });
  assert.equal(warnings.length, 3, JSON.stringify(warnings));
  assert.match(
    warnings[0],
    /^"kubernetes\.operator\.ingress\.manage" is set to "false", "kubernetes\.operator\.default-configuration\.namespace\.team\.kubernetes\.operator\.ingress\.manage" is set to "false", which has no effect in this operator: /,
  );
  assert.match(warnings[1], /kubernetes\.operator\.plugins\.listeners\.audit\.class/);
  assert.ok(!warnings.join("\n").includes("hunter2"), "values of secret keys are not shown");
});

Deno.test("every option says which test shows it working, or why it has no effect", async () => {
  const root = new URL("../../", import.meta.url);
  for (const item of [...ALL_OPTIONS, ...KEY_PATTERNS]) {
    const name = "key" in item ? item.key : item.pattern;
    const effect = item.effect;
    if ("shownBy" in effect) {
      assert.ok(effect.shownBy.length > 0, name);
      for (const path of effect.shownBy) {
        assert.match(path, /^tests\/(unit|integration)\/\w+\.ts$/, `${name}: ${path}`);
        await Deno.stat(new URL(path, root)); // throws when the test file does not exist
      }
    } else {
      // Issue 10: every key works (with the test that shows it) or is accepted without effect.
      assert.ok("noEffect" in effect, `${name}: still pending (${JSON.stringify(effect)})`);
      assert.ok(effect.noEffect.trim().length > 0, `${name}: a reason is required`);
    }
  }
  // The options this work made effective, and the one FKO reads only in its autoscaler.
  for (
    const option of [
      OPTIONS.dynamicConfigEnabled,
      OPTIONS.dynamicConfigCheckInterval,
      OPTIONS.dynamicNamespacesEnabled,
      OPTIONS.rateLimiterLimit,
      OPTIONS.rateLimiterRefreshPeriod,
      OPTIONS.healthCanaryResourceTimeout,
      OPTIONS.startupStopOnInformerError,
    ]
  ) {
    assert.ok("shownBy" in option.effect, option.key);
  }
  assert.ok("noEffect" in OPTIONS.clusterResourceViewRefreshInterval.effect);
});
