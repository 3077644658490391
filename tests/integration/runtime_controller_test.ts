import assert from "node:assert/strict";
import { Action } from "../../lib/runtime/action.ts";
import { Manager } from "../../lib/runtime/manager.ts";
import { Resources } from "../../lib/kube/resource.ts";
import { installWidgetCrd, type Widget, widget, Widgets } from "../support/test_crd.ts";
import { integrationTest, waitFor } from "../support/integration.ts";

const FAST = {
  concurrency: 4,
  retry: { initialMs: 50, factor: 2, maxMs: 500 },
  maxAttempts: 5,
  resyncMs: 60_000,
};

integrationTest("controller: a key is never reconciled twice at once", async ({ client, ns }) => {
  await installWidgetCrd(client);
  const manager = new Manager({ client, namespaces: [ns], ...FAST });
  const inFlight = new Map<string, number>();
  let overlap = 0;
  let lastSize = 0;
  manager.add<Widget>({
    name: "widgets",
    type: Widgets,
    async reconcile(obj) {
      const key = obj.metadata.name!;
      const n = (inFlight.get(key) ?? 0) + 1;
      inFlight.set(key, n);
      if (n > 1) overlap++;
      await new Promise((r) => setTimeout(r, 30));
      lastSize = obj.spec?.size ?? 0;
      inFlight.set(key, n - 1);
      return Action.done();
    },
  });
  const stop = new AbortController();
  const running = manager.run(stop.signal);
  try {
    await client.create(Widgets, ns, widget(ns, "busy", 0));
    for (let size = 1; size <= 25; size++) {
      await client.patch(Widgets, ns, "busy", { spec: { size } });
    }
    await waitFor("the last spec to be reconciled", () => lastSize === 25);
    assert.equal(overlap, 0);
  } finally {
    stop.abort();
    await running;
  }
});

integrationTest(
  "controller: status-only changes do not trigger reconciles; errors retry with backoff",
  async ({ client, ns }) => {
    await installWidgetCrd(client);
    const manager = new Manager({ client, namespaces: [ns], ...FAST });
    let passes = 0;
    let failuresLeft = 2;
    const errorsSeen: string[] = [];
    manager.add<Widget>({
      name: "widgets",
      type: Widgets,
      async reconcile(obj, ctx) {
        passes++;
        if (failuresLeft-- > 0) throw new Error("transient");
        await ctx.writeStatus(obj, { seen: obj.metadata.generation ?? 0 });
        return Action.done();
      },
      onError(_obj, err) {
        errorsSeen.push(String(err));
        return Promise.resolve();
      },
    });
    const stop = new AbortController();
    const running = manager.run(stop.signal);
    try {
      await client.create(Widgets, ns, widget(ns, "flaky"));
      await waitFor(
        "status written after two failures",
        async () => (await client.get<Widget>(Widgets, ns, "flaky"))?.status?.seen === 1,
      );
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(passes, 3, "our own status write must not cause another pass");
      assert.equal(errorsSeen.length, 2);
      const text = manager.metrics.registry.render();
      assert.match(text, /flinkop_reconcile_errors_total\{controller="widgets"\} 2/);
    } finally {
      stop.abort();
      await running;
    }
  },
);

integrationTest(
  "controller: finalizer is added first and removed after cleanup completes",
  async ({ client, ns }) => {
    await installWidgetCrd(client);
    const manager = new Manager({ client, namespaces: [ns], ...FAST });
    let cleanups = 0;
    const finalizer = "widgets.test.flinkop.dev/finalizer";
    manager.add<Widget>({
      name: "widgets",
      type: Widgets,
      finalizer,
      reconcile: () => Promise.resolve(Action.done()),
      cleanup() {
        cleanups++;
        // Not finished on the first pass: the finalizer must stay until cleanup says done.
        return Promise.resolve(cleanups < 2 ? Action.requeue(100) : Action.done());
      },
    });
    const stop = new AbortController();
    const running = manager.run(stop.signal);
    try {
      await client.create(Widgets, ns, widget(ns, "fin"));
      await waitFor(
        "the finalizer to be added",
        async () =>
          (await client.get<Widget>(Widgets, ns, "fin"))?.metadata.finalizers?.includes(finalizer),
      );
      await client.delete(Widgets, ns, "fin");
      await waitFor("the object to be gone", async () => !(await client.get(Widgets, ns, "fin")));
      assert.equal(cleanups, 2);
    } finally {
      stop.abort();
      await running;
    }
  },
);

integrationTest(
  "leader election: losing the lease stops reconciling at once",
  async ({ client, ns }) => {
    await installWidgetCrd(client);
    const lease = { namespace: ns, leaseName: "flinkop-test-lease" };
    const manager = new Manager({
      client,
      namespaces: [ns],
      ...FAST,
      leaderElection: {
        ...lease,
        identity: "instance-a",
        leaseDurationMs: 3000,
        renewDeadlineMs: 2000,
        retryPeriodMs: 300,
      },
    });
    let passes = 0;
    manager.add<Widget>({
      name: "widgets",
      type: Widgets,
      reconcile() {
        passes++;
        return Promise.resolve(Action.requeue(50));
      },
    });
    await client.create(Widgets, ns, widget(ns, "ticker"));
    const stop = new AbortController();
    const running = manager.run(stop.signal);
    try {
      await waitFor("reconciles while leading", () => passes > 3);
      // Another instance takes the lease over (as after a network partition).
      const current = await client.get(Resources.leases, ns, lease.leaseName);
      const now = new Date().toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
      await client.replace(Resources.leases, ns, {
        ...current!,
        spec: {
          holderIdentity: "instance-b",
          leaseDurationSeconds: 30,
          renewTime: now,
          acquireTime: now,
        },
      });
      const exit = await Promise.race([
        running,
        new Promise((r) => setTimeout(() => r("still running"), 10_000)),
      ]);
      assert.equal(exit, "leadership-lost");
      const after = passes;
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(passes, after, "no reconcile may run after leadership is lost");
      const held = await client.get<
        { spec?: { holderIdentity?: string } } & import("../../lib/kube/resource.ts").KubeObject
      >(Resources.leases, ns, lease.leaseName);
      assert.equal(held?.spec?.holderIdentity, "instance-b");
    } finally {
      stop.abort();
      await running;
    }
  },
);
