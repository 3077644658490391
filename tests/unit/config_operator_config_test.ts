import assert from "node:assert/strict";
import { ConfigError } from "../../lib/config/config_error.ts";
import { loadOperatorConfig } from "../../lib/config/operator_config.ts";
import { OPTIONS } from "../../lib/config/options.ts";

/** An in-memory file system; missing files throw NotFound like Deno.readTextFileSync. */
function files(contents: Record<string, string>) {
  return (path: string): string => {
    if (Object.hasOwn(contents, path)) return contents[path];
    throw new Deno.errors.NotFound(path);
  };
}

const NO_FILES = files({});

Deno.test("loadOperatorConfig: FKO defaults with no sources", () => {
  const config = loadOperatorConfig({ args: [], env: {}, readFile: NO_FILES });
  assert.deepEqual(config.raw, {});
  assert.equal(config.watchNamespaces, "all");
  assert.equal(config.labelSelector, undefined);
  assert.equal(config.reconcileIntervalMs, 60_000);
  assert.equal(config.reconcileParallelism, 50);
  assert.equal(config.progressCheckIntervalMs, 10_000);
  // Not FKO's 10 s: READY once the REST API answers (options.ts restReadyDelay).
  assert.equal(config.restReadyDelayMs, undefined);
  assert.equal(config.flinkClientTimeoutMs, 10_000);
  assert.equal(config.cancelTimeoutMs, 60_000);
  assert.equal(config.cleanupTimeoutMs, 300_000);
  assert.equal(config.terminationTimeoutMs, 10_000);
  assert.deepEqual(config.retry, {
    initialMs: 5_000,
    multiplier: 1.5,
    maxMs: undefined,
    maxAttempts: 15,
  });
  assert.deepEqual(config.rateLimiter, { periodMs: 15_000, limit: 5 });
  assert.equal(config.leaderElection.enabled, false);
  assert.equal(config.leaderElection.leaseDurationMs, 15_000);
  assert.equal(config.leaderElection.renewDeadlineMs, 10_000);
  assert.equal(config.leaderElection.retryPeriodMs, 2_000);
  assert.deepEqual(config.health, { enabled: true, port: 8085, canaryResourceTimeoutMs: 60_000 });
  assert.equal(config.snapshotResourceEnabled, true);
  assert.equal(config.inCluster, false);
  assert.deepEqual(config.logging, { format: "auto", level: "info" });
  assert.deepEqual(config.warnings, []);
});

Deno.test("loadOperatorConfig: config dir layering, env and flags in precedence order", () => {
  const readFile = files({
    "/opt/flink/conf/config.yaml": [
      "kubernetes.operator:",
      "  reconcile.interval: 30 s",
      "  reconcile.parallelism: 10",
      "  rate-limiter.limit: 7",
      "taskmanager.numberOfTaskSlots: 1",
      "env.java.opts.all: [--add-opens=a, --add-opens=b]",
    ].join("\n"),
    "/override/flink-conf.yaml": [
      "# override dir, legacy syntax",
      "kubernetes.operator.reconcile.parallelism: 20 # comment",
      "kubernetes.operator.label.selector: shard=a",
    ].join("\n"),
    "/etc/flinkop.yaml": "kubernetes.operator.retry.max.attempts: 3\n",
  });
  const config = loadOperatorConfig({
    args: [
      "--config-file",
      "/etc/flinkop.yaml",
      "--set",
      "kubernetes.operator.retry.max.interval=1 min",
      "--label-selector=shard=b",
      "run-extra",
    ],
    env: {
      FLINK_CONF_DIR: "/opt/flink/conf",
      CONF_OVERRIDE_DIR: "/override/",
      FLINK_CONF_KUBERNETES_OPERATOR_RATE__LIMITER_LIMIT: "9",
      FLINK_CONF_KUBERNETES_OPERATOR_HEALTH_CANARY_RESOURCE_TIMEOUT: "2_min",
      WATCH_NAMESPACES: "team-a, team-b",
    },
    readFile,
  });
  assert.equal(config.reconcileIntervalMs, 30_000);
  assert.equal(config.reconcileParallelism, 20);
  assert.equal(config.retry.maxAttempts, 3);
  assert.equal(config.retry.maxMs, 60_000);
  assert.equal(config.rateLimiter.limit, 9);
  assert.equal(config.health.canaryResourceTimeoutMs, 120_000);
  assert.deepEqual(config.watchNamespaces, ["team-a", "team-b"]);
  assert.equal(config.labelSelector, "shard=b");
  assert.equal(config.raw["taskmanager.numberOfTaskSlots"], "1");
  assert.equal(config.raw["env.java.opts.all"], "--add-opens=a;--add-opens=b");
  assert.deepEqual(config.sources, [
    "/opt/flink/conf/config.yaml",
    "/override/flink-conf.yaml",
    "/etc/flinkop.yaml",
  ]);
  assert.equal(config.origins["kubernetes.operator.label.selector"], "--label-selector");
  assert.equal(config.origins["kubernetes.operator.watched.namespaces"], "WATCH_NAMESPACES");
  assert.deepEqual(config.unparsedArgs, ["run-extra"]);
  assert.equal(config.get(OPTIONS.rateLimiterLimit), 9);
});

Deno.test("loadOperatorConfig: flink-conf.yaml wins over config.yaml in one directory", () => {
  const config = loadOperatorConfig({
    args: ["--config-dir", "/conf"],
    env: {},
    readFile: files({
      "/conf/flink-conf.yaml": "kubernetes.operator.reconcile.interval: 2 min\nbroken line\n",
      "/conf/config.yaml": "kubernetes.operator.reconcile.interval: 3 min\n",
    }),
  });
  assert.equal(config.reconcileIntervalMs, 120_000);
  assert.ok(config.warnings.some((w) => w.includes("/conf/config.yaml is ignored")));
  assert.ok(config.warnings.some((w) => w.includes("/conf/flink-conf.yaml:2")));
});

Deno.test("loadOperatorConfig: watched namespaces forms", () => {
  const load = (args: string[], env: Record<string, string> = {}, readFile = NO_FILES) =>
    loadOperatorConfig({ args, env, readFile }).watchNamespaces;
  assert.equal(load(["--watch-namespaces", "JOSDK_ALL_NAMESPACES"]), "all");
  assert.equal(load(["--watch-namespaces", ""]), "all");
  assert.equal(load([], { WATCH_NAMESPACES: " " }), "all");
  assert.deepEqual(load(["--watch-namespaces", "a,b,a"]), ["a", "b"]);
  assert.deepEqual(load(["--watch-namespaces", "x"], { WATCH_NAMESPACES: "y" }), ["x"]);
  assert.deepEqual(load(["--watch-own-namespace"], { OPERATOR_NAMESPACE: "flink-ops" }), [
    "flink-ops",
  ]);
  assert.deepEqual(
    load(
      ["--watch-own-namespace"],
      {},
      files({ "/var/run/secrets/kubernetes.io/serviceaccount/namespace": "from-file\n" }),
    ),
    ["from-file"],
  );
  assert.deepEqual(
    load(["--watch-namespaces", "JOSDK_WATCH_CURRENT,other"], { OPERATOR_NAMESPACE: "ops" }),
    ["ops", "other"],
  );
  assert.throws(
    () => load(["--watch-own-namespace"]),
    /--watch-own-namespace needs OPERATOR_NAMESPACE/,
  );
  assert.throws(
    () => load(["--watch-namespaces", "Bad_NS"]),
    /"Bad_NS" is not a valid namespace name/,
  );
});

Deno.test("loadOperatorConfig: invalid values throw ConfigError naming key and source", () => {
  assert.throws(
    () =>
      loadOperatorConfig({
        args: ["--set", "kubernetes.operator.reconcile.interval=abc"],
        env: {},
        readFile: NO_FILES,
      }),
    (thrown: unknown) => {
      assert.ok(thrown instanceof ConfigError);
      assert.equal(thrown.key, "kubernetes.operator.reconcile.interval");
      assert.equal(
        thrown.message,
        'kubernetes.operator.reconcile.interval: "abc" is not a duration ' +
          "(examples: 60 s, 5 min, 1 h) [from --set]",
      );
      return true;
    },
  );
  assert.throws(
    () =>
      loadOperatorConfig({
        args: ["--set", "kubernetes.operator.leader-election.enabled=true"],
        env: {},
        readFile: NO_FILES,
      }),
    /leader-election\.lease-name: must be set/,
  );
  assert.throws(
    () =>
      loadOperatorConfig({
        args: [],
        env: { CONF_OVERRIDE_DIR: "/nowhere" },
        readFile: NO_FILES,
      }),
    /CONF_OVERRIDE_DIR \/nowhere contains neither/,
  );
  assert.throws(
    () => loadOperatorConfig({ args: ["--config-file", "/x.yaml"], env: {}, readFile: NO_FILES }),
    /--config-file \/x\.yaml does not exist/,
  );
  assert.throws(
    () =>
      loadOperatorConfig({
        args: ["--config-file", "/x.yaml"],
        env: {},
        readFile: files({ "/x.yaml": "a: [unclosed" }),
      }),
    /\/x\.yaml is not valid YAML/,
  );
  assert.throws(
    () => loadOperatorConfig({ args: ["--set", "novalue"], env: {}, readFile: NO_FILES }),
    /--set expects key=value/,
  );
  assert.throws(
    () => loadOperatorConfig({ args: ["--log-level", "loud"], env: {}, readFile: NO_FILES }),
    /log level "loud"/,
  );
  assert.throws(
    () =>
      loadOperatorConfig({
        args: [
          "--set",
          "kubernetes.operator.default-configuration.namespace.a.kubernetes.operator.job.restart.failed=maybe",
        ],
        env: {},
        readFile: NO_FILES,
      }),
    /default-configuration\.namespace\.a\.kubernetes\.operator\.job\.restart\.failed: "maybe" is not a boolean/,
  );
});

Deno.test("loadOperatorConfig: unknown and deprecated keys are warnings", () => {
  const config = loadOperatorConfig({
    args: [
      "--set=kubernetes.operator.frobnicate=1",
      "--set=kubernetes.operator.reconciler.max.parallelism=4",
      "--set=kubernetes.operator.plugins.listeners.audit.class=x.Y",
      "--set=state.backend.type=rocksdb",
    ],
    env: {},
    readFile: NO_FILES,
  });
  assert.equal(config.reconcileParallelism, 4);
  assert.deepEqual(config.warnings, [
    'Unknown operator option "kubernetes.operator.frobnicate" is ignored',
    'Option "kubernetes.operator.reconciler.max.parallelism" is deprecated, use ' +
    '"kubernetes.operator.reconcile.parallelism"',
  ]);
});

Deno.test("loadOperatorConfig: leader election, logging and identity from env", () => {
  const config = loadOperatorConfig({
    args: ["--log-format", "json", "--log-level=WARN"],
    env: {
      FLINK_CONF_KUBERNETES_OPERATOR_LEADER__ELECTION_ENABLED: "true",
      FLINK_CONF_KUBERNETES_OPERATOR_LEADER__ELECTION_LEASE__NAME: "flinkop-lease",
      OPERATOR_NAMESPACE: "ops",
      OPERATOR_NAME: "flinkop",
      HOSTNAME: "flinkop-abc",
      KUBERNETES_SERVICE_HOST: "10.0.0.1",
    },
    readFile: NO_FILES,
  });
  assert.equal(config.leaderElection.enabled, true);
  assert.equal(config.leaderElection.leaseName, "flinkop-lease");
  assert.equal(config.leaderElection.leaseNamespace, "ops");
  assert.equal(config.leaderElection.identity, "flinkop-abc");
  assert.equal(config.operatorName, "flinkop");
  assert.equal(config.inCluster, true);
  assert.deepEqual(config.logging, { format: "json", level: "warning" });
});
