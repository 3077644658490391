import assert from "node:assert/strict";
import { Watcher } from "../../lib/runtime/watcher.ts";
import { Store } from "../../lib/runtime/store.ts";
import { RuntimeMetrics } from "../../lib/runtime/metrics.ts";
import { installWidgetCrd, type Widget, widget, Widgets } from "../support/test_crd.ts";
import { integrationTest, restartApiServer, waitFor } from "../support/integration.ts";

function recordingWatcher(client: Parameters<typeof installWidgetCrd>[0], ns: string) {
  const store = new Store<Widget>();
  const applied = new Set<string>();
  const deleted = new Set<string>();
  const metrics = new RuntimeMetrics();
  const watcher = new Watcher<Widget>({
    client,
    type: Widgets,
    namespace: ns,
    store,
    metrics,
    backoff: { initialMs: 100, factor: 2, maxMs: 1000 },
    onApply: (o) => applied.add(o.metadata.name!),
    onDelete: (o) => deleted.add(o.metadata.name!),
  });
  return { store, applied, deleted, metrics, watcher };
}

integrationTest("watch: a 410 Gone relists without missing an event", async ({ client, ns }) => {
  await installWidgetCrd(client);
  const w = recordingWatcher(client, ns);
  const stop = new AbortController();
  const running = w.watcher.run(stop.signal);
  try {
    await w.watcher.synced;
    await client.create(Widgets, ns, widget(ns, "before"));
    await waitFor("the watch to deliver 'before'", () => w.applied.has("before"));

    // Resume from a resourceVersion the server has long compacted: it must answer 410.
    await client.create(Widgets, ns, widget(ns, "during"));
    await client.delete(Widgets, ns, "before");
    w.watcher.reconnect("1");

    await waitFor(
      "a relist after 410",
      () => w.metrics.watchRestarts.get({ kind: "Widget", reason: "gone" }) > 0,
    );
    await waitFor(
      "'during' to be applied and 'before' deleted",
      () => w.applied.has("during") && w.deleted.has("before"),
    );
    assert.ok(w.store.get(`${ns}/during`));
    assert.equal(w.store.get(`${ns}/before`), undefined);
  } finally {
    stop.abort();
    await running;
  }
});

integrationTest(
  "watch: survives an API server restart without missing an event",
  async ({ client, ns }) => {
    await installWidgetCrd(client);
    const w = recordingWatcher(client, ns);
    const stop = new AbortController();
    const running = w.watcher.run(stop.signal);
    try {
      await w.watcher.synced;
      await client.create(Widgets, ns, widget(ns, "old"));
      await waitFor("the watch to deliver 'old'", () => w.applied.has("old"));

      await restartApiServer();
      // Changes made right after the restart, before the watcher has reconnected.
      await client.create(Widgets, ns, widget(ns, "new"));
      await client.delete(Widgets, ns, "old");

      await waitFor(
        "the watcher to see the changes made across the restart",
        () => w.applied.has("new") && w.deleted.has("old"),
        { timeoutMs: 60_000 },
      );
      assert.ok(
        w.metrics.watchRestarts.get({ kind: "Widget", reason: "error" }) +
            w.metrics.watchRestarts.get({ kind: "Widget", reason: "timeout" }) > 0,
      );
    } finally {
      stop.abort();
      await running;
    }
  },
);
