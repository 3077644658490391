/**
 * The operator options FKO hands to JOSDK — `retry.*`, `reconcile.parallelism`,
 * `termination.timeout`, `health.probe.enabled`, `leader-election.*` — as `flinkop run` applies
 * them (the configuration loaded from `--set` flags, turned into runtime settings by
 * lib/manager_options.ts), on the runtime with a test CRD so the timing is the runtime's alone;
 * and `label.selector` on the Flink controllers of the in-process operator.
 */
import assert from "node:assert/strict";
import { loadOperatorConfig } from "../../lib/config/operator_config.ts";
import { FlinkDeployments } from "../../lib/flink/resources.ts";
import type { KubeClient } from "../../lib/kube/client.ts";
import { type KubeObject, Resources } from "../../lib/kube/resource.ts";
import { managerOptionsFor } from "../../lib/manager_options.ts";
import { Action } from "../../lib/runtime/action.ts";
import { Manager } from "../../lib/runtime/manager.ts";
import { freeLoopbackPort } from "../../cluster/free_port.ts";
import { application, type Fd, getFd } from "../support/flink.ts";
import { integrationTest, waitFor } from "../support/integration.ts";
import { startOperator } from "../support/operator.ts";
import { installWidgetCrd, type Widget, widget, Widgets } from "../support/test_crd.ts";

/** The runtime `flinkop run` would build from these `--set` options (no probe server unless set). */
function managerFor(
  client: KubeClient,
  ns: string,
  settings: Record<string, string>,
  env: Record<string, string> = {},
): Manager {
  const config = loadOperatorConfig({
    args: Object.entries({
      "kubernetes.operator.health.probe.enabled": "false",
      "kubernetes.operator.reconcile.interval": "60 s",
      "kubernetes.operator.rate-limiter.limit": "0",
      ...settings,
    }).flatMap(([k, v]) => ["--set", `${k}=${v}`]),
    env,
    readFile: () => null,
  });
  return new Manager(managerOptionsFor(config, { client, namespaces: [ns] }));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

integrationTest(
  "retry.*: max.attempts retries, the initial interval twice, then times the multiplier up to max.interval",
  async ({ client, ns }) => {
    await installWidgetCrd(client);
    const manager = managerFor(client, ns, {
      "kubernetes.operator.retry.initial.interval": "200 ms",
      "kubernetes.operator.retry.interval.multiplier": "2",
      "kubernetes.operator.retry.max.interval": "600 ms",
      "kubernetes.operator.retry.max.attempts": "4",
    });
    const passes: number[] = [];
    manager.add<Widget>({
      name: "widgets",
      type: Widgets,
      reconcile() {
        passes.push(Date.now());
        return Promise.reject(new Error("always failing"));
      },
    });
    const stop = new AbortController();
    const running = manager.run(stop.signal);
    try {
      await client.create(Widgets, ns, widget(ns, "broken", 0));
      await waitFor("the first pass and four retries", () => passes.length >= 5);
      await sleep(2_000);
      assert.equal(passes.length, 5, "no retry after the fourth (until the object changes)");
      const gaps = passes.slice(1).map((t, i) => t - passes[i]);
      // JOSDK GenericRetry: 200, 200, 400, then 800 capped at 600.
      [200, 200, 400, 600].forEach((expected, i) => {
        assert.ok(
          gaps[i] >= expected - 20 && gaps[i] < expected + 400,
          `retry ${i + 1} after ${gaps[i]} ms, expected ${expected}: ${gaps.join(", ")}`,
        );
      });
      // A change is a new event: retried again from the start.
      await client.patch(Widgets, ns, "broken", { spec: { size: 1 } });
      await waitFor("the changed object to be retried", () => passes.length >= 7);
    } finally {
      stop.abort();
      await running;
    }
  },
);

integrationTest(
  "reconcile.parallelism: at most that many reconciles at once, across all controllers",
  async ({ client, ns }) => {
    await installWidgetCrd(client);
    const run = async (parallelism: string) => {
      const manager = managerFor(client, ns, {
        "kubernetes.operator.reconcile.parallelism": parallelism,
      });
      let inFlight = 0;
      let most = 0;
      const done = new Set<string>();
      const slow = async (kind: string, obj: KubeObject) => {
        inFlight++;
        most = Math.max(most, inFlight);
        await sleep(150);
        inFlight--;
        done.add(`${kind}/${obj.metadata.name}`);
        return Action.done();
      };
      manager.add<Widget>({ name: "widgets", type: Widgets, reconcile: (o) => slow("w", o) });
      manager.add({
        name: "configmaps",
        type: Resources.configMaps,
        reconcile: (o) => slow("c", o),
      });
      const stop = new AbortController();
      const running = manager.run(stop.signal);
      try {
        await waitFor("every widget and config map reconciled", () => done.size >= 8);
      } finally {
        stop.abort();
        await running;
      }
      return most;
    };
    for (let i = 0; i < 4; i++) {
      await client.create(Widgets, ns, widget(ns, `w${i}`, 0));
      await client.create(Resources.configMaps, ns, {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: `c${i}`, namespace: ns },
      });
    }
    assert.equal(await run("1"), 1, "one pool of one for both controllers");
    const three = await run("3");
    assert.ok(three >= 2 && three <= 3, `${three} at once with 3`);
  },
);

integrationTest(
  "termination.timeout: shutdown waits that long for in-flight reconciles, no longer",
  async ({ client, ns }) => {
    await installWidgetCrd(client);
    const manager = managerFor(client, ns, { "kubernetes.operator.termination.timeout": "1 s" });
    let release = () => {};
    const hanging = new Promise<void>((r) => release = r);
    let started = false;
    manager.add<Widget>({
      name: "widgets",
      type: Widgets,
      async reconcile() {
        started = true;
        await hanging; // ignores the shutdown
        return Action.done();
      },
    });
    const stop = new AbortController();
    const running = manager.run(stop.signal);
    try {
      await client.create(Widgets, ns, widget(ns, "stuck", 0));
      await waitFor("the reconcile to hang", () => started);
      const t0 = Date.now();
      stop.abort();
      await running;
      const waited = Date.now() - t0;
      assert.ok(waited >= 900 && waited < 4_000, `shutdown took ${waited} ms`);
    } finally {
      release();
      stop.abort();
    }
  },
);

integrationTest(
  "health.probe.enabled: false serves no probe endpoint on health.probe.port",
  async ({ client, ns }) => {
    const port = freeLoopbackPort();
    const probe = () =>
      fetch(`http://127.0.0.1:${port}/readyz`).then(async (r) => {
        await r.body?.cancel();
        return r.status;
      }, () => "refused");
    for (const enabled of ["true", "false"]) {
      const manager = managerFor(client, ns, {
        "kubernetes.operator.health.probe.enabled": enabled,
        "kubernetes.operator.health.probe.port": String(port),
      });
      const stop = new AbortController();
      const running = manager.run(stop.signal);
      try {
        await sleep(300);
        assert.equal(await probe(), enabled === "true" ? 200 : "refused", `enabled: ${enabled}`);
      } finally {
        stop.abort();
        await running;
      }
    }
  },
);

/** The client, with every Lease request failing while `broken.on` (an API server it cannot reach). */
function withFlakyLeases(client: KubeClient, broken: { on: boolean }): KubeClient {
  return new Proxy(client, {
    get(target, prop) {
      const value = Reflect.get(target, prop);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        if (broken.on && args[0] === Resources.leases) {
          return Promise.reject(new Error("lease request failed (test)"));
        }
        return value.apply(target, args);
      };
    },
  });
}

interface Lease extends KubeObject {
  spec?: { holderIdentity?: string; leaseDurationSeconds?: number; renewTime?: string };
}

integrationTest(
  "leader-election.*: the lease duration, renewed every retry period, lost after the renew deadline",
  async ({ client, ns }) => {
    const broken = { on: false };
    const config = loadOperatorConfig({
      args: Object.entries({
        "kubernetes.operator.health.probe.enabled": "false",
        "kubernetes.operator.leader-election.enabled": "true",
        "kubernetes.operator.leader-election.lease-name": "flinkop-test-lease",
        "kubernetes.operator.leader-election.lease-duration": "7 s",
        "kubernetes.operator.leader-election.retry-period": "200 ms",
        "kubernetes.operator.leader-election.renew-deadline": "1 s",
      }).flatMap(([k, v]) => ["--set", `${k}=${v}`]),
      env: { OPERATOR_NAMESPACE: ns, HOSTNAME: "op-a" },
      readFile: () => null,
    });
    const manager = new Manager(
      managerOptionsFor(config, { client: withFlakyLeases(client, broken), namespaces: [ns] }),
    );
    const stop = new AbortController();
    const running = manager.run(stop.signal);
    try {
      const lease = await waitFor("the lease", async () => {
        const l = await client.get<Lease>(Resources.leases, ns, "flinkop-test-lease");
        return l?.spec?.holderIdentity === "op-a" ? l : undefined;
      });
      assert.equal(lease.spec!.leaseDurationSeconds, 7);
      const renewals = new Set<string>();
      const until = Date.now() + 1_500;
      while (Date.now() < until) {
        const l = await client.get<Lease>(Resources.leases, ns, "flinkop-test-lease");
        if (l?.spec?.renewTime) renewals.add(l.spec.renewTime);
        await sleep(50);
      }
      assert.ok(renewals.size >= 4, `renewed ${renewals.size} times in 1.5 s`);

      const t0 = Date.now();
      broken.on = true;
      assert.equal(await running, "leadership-lost");
      const after = Date.now() - t0;
      assert.ok(after >= 700 && after < 3_000, `leadership given up after ${after} ms`);
    } finally {
      stop.abort();
      await running;
    }
  },
);

integrationTest(
  "label.selector: only resources with matching labels are reconciled",
  async ({ client, ns }) => {
    const op = await startOperator(client, ns, { "kubernetes.operator.label.selector": "shard=a" });
    try {
      const suspended = (name: string, labels?: Record<string, string>) => {
        const fd = application(ns, name, { state: "suspended" });
        if (labels) fd.metadata.labels = labels;
        return fd;
      };
      await client.create(FlinkDeployments, ns, suspended("other"));
      await client.create(FlinkDeployments, ns, suspended("mine", { shard: "a" }));
      const recorded = (fd: Fd | undefined) => fd?.status?.lifecycleState !== undefined;
      await waitFor(
        "the labelled resource to be reconciled",
        async () => recorded(await getFd(client, ns, "mine")),
      );
      await sleep(1_500);
      assert.equal(recorded(await getFd(client, ns, "other")), false);
      assert.equal((await getFd(client, ns, "other"))!.metadata.finalizers, undefined);
    } finally {
      await op.stop();
    }
  },
);
