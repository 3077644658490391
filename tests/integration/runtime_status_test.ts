import assert from "node:assert/strict";
import { StatusConflictError, StatusWriter } from "../../lib/runtime/status.ts";
import { EventRecorder } from "../../lib/runtime/events.ts";
import { Resources } from "../../lib/kube/resource.ts";
import { installWidgetCrd, type Widget, widget, Widgets } from "../support/test_crd.ts";
import { integrationTest } from "../support/integration.ts";

integrationTest(
  "status writer: a 409 caused by a spec change is retried",
  async ({ client, ns }) => {
    await installWidgetCrd(client);
    const obj = await client.create<Widget>(Widgets, ns, widget(ns, "w1"));
    const writer = new StatusWriter(client);
    await writer.write(Widgets, obj, { seen: 1 });

    // Somebody edits the spec: the resourceVersion moves on, the status does not.
    await client.patch(Widgets, ns, "w1", { spec: { size: 2 } });
    const stale = structuredClone(obj);
    await writer.write(Widgets, stale, { seen: 2 });

    const stored = await client.get<Widget>(Widgets, ns, "w1");
    assert.deepEqual(stored?.status, { seen: 2 });
    assert.equal(stored?.spec?.size, 2, "the spec edit must survive our status write");
    assert.equal(stale.metadata.resourceVersion, stored?.metadata.resourceVersion);
  },
);

integrationTest(
  "status writer: a 409 after earlier writes of the same pass is retried (keys in any order)",
  async ({ client, ns }) => {
    await installWidgetCrd(client);
    const obj = await client.create<Widget>(Widgets, ns, widget(ns, "w5"));
    const writer = new StatusWriter(client);
    // Keys not in sorted order: the API server hands them back sorted.
    await writer.write(Widgets, obj, { seen: 1, note: "write-ahead" });
    await writer.write(Widgets, obj, { seen: 2, note: "write-ahead" });

    // An annotation (kubectl annotate, a GitOps tool) moves the resourceVersion on.
    await client.patch(Widgets, ns, "w5", { metadata: { annotations: { touched: "yes" } } });
    await writer.write(Widgets, obj, { seen: 3, note: "write-ahead" });

    const stored = await client.get<Widget>(Widgets, ns, "w5");
    assert.deepEqual(stored?.status, { seen: 3, note: "write-ahead" });
    assert.equal(stored?.metadata.annotations?.touched, "yes");
  },
);

integrationTest(
  "status writer: a 409 caused by another status writer is not retried",
  async ({ client, ns }) => {
    await installWidgetCrd(client);
    const obj = await client.create<Widget>(Widgets, ns, widget(ns, "w2"));
    const writer = new StatusWriter(client);
    await writer.write(Widgets, obj, { seen: 1 });

    // A second writer (another operator instance, or a human) replaces the status.
    const theirs = (await client.get<Widget>(Widgets, ns, "w2"))!;
    await client.replaceStatus(Widgets, ns, { ...theirs, status: { writer: "someone-else" } });

    await assert.rejects(writer.write(Widgets, obj, { seen: 2 }), StatusConflictError);
    const stored = await client.get<Widget>(Widgets, ns, "w2");
    assert.deepEqual(stored?.status, { writer: "someone-else" });
  },
);

integrationTest("status writer: no-op writes send nothing", async ({ client, ns }) => {
  await installWidgetCrd(client);
  const obj = await client.create<Widget>(Widgets, ns, widget(ns, "w3"));
  const writer = new StatusWriter(client);
  await writer.write(Widgets, obj, { seen: 1, note: "a" });
  const rv = obj.metadata.resourceVersion;
  await writer.write(Widgets, obj, { seen: 1, note: "a" });
  const stored = await client.get<Widget>(Widgets, ns, "w3");
  assert.equal(stored?.metadata.resourceVersion, rv);
});

integrationTest(
  "event recorder: a repeated event bumps count on one Event object",
  async ({ client, ns }) => {
    await installWidgetCrd(client);
    const obj = await client.create<Widget>(Widgets, ns, widget(ns, "w4"));
    const events = new EventRecorder(client);
    const spec = {
      type: "Warning" as const,
      reason: "ValidationError",
      message: "bad value; s3.secret-key=hunter2",
    };
    await events.record(obj, spec);
    await events.record(obj, spec);
    // A fresh recorder (an operator restart) continues the same object.
    await new EventRecorder(client).record(obj, spec);
    const list = await client.list(Resources.events, ns, {
      fieldSelector: `involvedObject.name=w4`,
    });
    assert.equal(list.items.length, 1);
    const ev = list.items[0] as unknown as { count: number; message: string; reason: string };
    assert.equal(ev.count, 3);
    assert.equal(ev.reason, "ValidationError");
    assert.ok(!ev.message.includes("hunter2"), `secret leaked into event: ${ev.message}`);
  },
);
