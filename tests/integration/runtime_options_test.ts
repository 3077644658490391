/**
 * The runtime's per-object rate limit and its switching of watched namespaces while running,
 * against the real API server with a test CRD (no Flink logic).
 */
import assert from "node:assert/strict";
import { Action } from "../../lib/runtime/action.ts";
import { Manager } from "../../lib/runtime/manager.ts";
import { installWidgetCrd, type Widget, widget, Widgets } from "../support/test_crd.ts";
import { integrationTest, waitFor } from "../support/integration.ts";
import { freshNamespace } from "../support/cluster.ts";

const FAST = {
  concurrency: 4,
  retry: { initialMs: 50, factor: 2, maxMs: 500 },
  maxAttempts: 5,
  resyncMs: 60_000,
};

integrationTest(
  "rate limit: at most `limit` passes per window per object; a limited pass is delayed, not lost",
  async ({ client, ns }) => {
    await installWidgetCrd(client);
    const PERIOD = 1_000;
    const manager = new Manager({
      client,
      namespaces: [ns],
      ...FAST,
      rateLimit: { limit: 2, periodMs: PERIOD },
    });
    const passes: Record<string, number[]> = {};
    const sizes: Record<string, number> = {};
    manager.add<Widget>({
      name: "widgets",
      type: Widgets,
      reconcile(obj) {
        const name = obj.metadata.name!;
        (passes[name] ??= []).push(Date.now());
        sizes[name] = obj.spec?.size ?? 0;
        // Asks for another pass at once: without a limit this would run about every 20 ms.
        return Promise.resolve(Action.requeue(20));
      },
    });
    const stop = new AbortController();
    const running = manager.run(stop.signal);
    try {
      await client.create(Widgets, ns, widget(ns, "eager", 0));
      await client.create(Widgets, ns, widget(ns, "other", 0));
      await waitFor("several windows of passes", () => (passes.eager?.length ?? 0) >= 7, {
        timeoutMs: 20_000,
      });
      // A change made while the object waits for its window is reconciled, only later.
      await client.patch(Widgets, ns, "eager", { spec: { size: 7 } });
      await waitFor("the change to be reconciled", () => sizes.eager === 7, { timeoutMs: 10_000 });

      for (const name of ["eager", "other"]) {
        const times = passes[name];
        assert.ok(times.length >= 2, `${name} was reconciled`);
        // The windows as the limiter opens them (JOSDK's LinearRateLimiter): with the first pass
        // after the previous window ended. Not a sliding window: the second pass of one window
        // and the second of the next may be less than a period apart. The limiter counts a pass
        // when it is dispatched, a few ms before reconcile runs.
        let windowStart = times[0];
        let inWindow = 0;
        for (const t of times) {
          if (t - windowStart >= PERIOD - 25) {
            windowStart = t;
            inWindow = 0;
          }
          inWindow++;
          assert.ok(inWindow <= 2, `${name}: ${inWindow} passes in one window: ${times.join(",")}`);
        }
      }
    } finally {
      stop.abort();
      await running;
    }
  },
);

integrationTest(
  "watched namespaces change while running: new ones are reconciled, dropped ones forgotten",
  async ({ client, ns }) => {
    await installWidgetCrd(client);
    await using second = await freshNamespace("runtime-ns-second", { client });
    const manager = new Manager({ client, namespaces: [ns], ...FAST });
    const seen: Record<string, number> = {};
    const forgotten: string[] = [];
    manager.add<Widget>({
      name: "widgets",
      type: Widgets,
      reconcile(obj) {
        seen[`${obj.metadata.namespace}/${obj.metadata.name}`] = obj.spec?.size ?? 0;
        return Promise.resolve(Action.done());
      },
      forget(obj) {
        forgotten.push(`${obj.metadata.namespace}/${obj.metadata.name}`);
      },
    });
    const stop = new AbortController();
    const running = manager.run(stop.signal);
    try {
      await client.create(Widgets, ns, widget(ns, "a", 1));
      await client.create(Widgets, second.name, widget(second.name, "b", 1));
      await waitFor("a in the first namespace", () => seen[`${ns}/a`] === 1);

      manager.setNamespaces([ns, second.name]);
      await waitFor("b, once its namespace is watched", () => seen[`${second.name}/b`] === 1);
      assert.deepEqual(manager.namespaces, [ns, second.name]);

      manager.setNamespaces([second.name]);
      assert.deepEqual(forgotten, [`${ns}/a`], "objects of a dropped namespace are forgotten");
      assert.equal(manager.controllers[0].store.get(`${ns}/a`), undefined);
      // Changes in both: only the still-watched namespace's reaches reconcile.
      await client.patch(Widgets, ns, "a", { spec: { size: 2 } });
      await client.patch(Widgets, second.name, "b", { spec: { size: 2 } });
      await waitFor("b's change", () => seen[`${second.name}/b`] === 2);
      assert.equal(seen[`${ns}/a`], 1, "a's namespace is no longer watched");

      // All namespaces: a is back, with its change.
      manager.setNamespaces(undefined);
      await waitFor("a's change, once all namespaces are watched", () => seen[`${ns}/a`] === 2);
      assert.equal(manager.controllers[0].watchers.filter((w) => w.kind === "Widget").length, 1);
      assert.ok(manager.ready);
    } finally {
      stop.abort();
      await running;
    }
  },
);
