import assert from "node:assert/strict";
import {
  CANARY_CHECK_ANNOTATION,
  CanaryTracker,
  isCanary,
  withCanaries,
} from "../../lib/flink/canary.ts";
import type { KubeClient } from "../../lib/kube/client.ts";
import type { KubeObject } from "../../lib/kube/resource.ts";
import { Action } from "../../lib/runtime/action.ts";
import type { ControllerSpec, ReconcileContext } from "../../lib/runtime/controller.ts";
import { FlinkDeployments } from "../../lib/flink/resources.ts";

const TIMEOUT_MS = 60;

/** A client whose patches are recorded and applied to `objects`. */
function fakeClient(objects: Map<string, KubeObject>) {
  const patches: { name: string; patch: unknown }[] = [];
  const client = {
    patch(_type: unknown, namespace: string, name: string, patch: KubeObject) {
      patches.push({ name, patch });
      const obj = objects.get(`${namespace}/${name}`)!;
      obj.metadata.annotations = {
        ...obj.metadata.annotations,
        ...patch.metadata.annotations,
      };
      return Promise.resolve(structuredClone(obj));
    },
  };
  return { client: client as unknown as KubeClient, patches };
}

function canary(name: string, labels = { "flink.apache.org/canary": "true" }): KubeObject {
  return {
    apiVersion: "flink.apache.org/v1beta1",
    kind: "FlinkDeployment",
    metadata: { name, namespace: "ns", labels, generation: 1 },
  };
}

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits (with a ref'd timer, the tracker's are unref'd) until `done` holds. */
async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !done(); i++) await tick(5);
  assert.ok(done(), "condition not reached");
}

Deno.test("isCanary: FKO's label with the value true in any case", () => {
  assert.equal(isCanary(canary("a")), true);
  assert.equal(isCanary(canary("a", { "flink.apache.org/canary": "TRUE" })), true);
  assert.equal(isCanary(canary("a", { "flink.apache.org/canary": "false" })), false);
  assert.equal(isCanary({ metadata: { name: "a" } }), false);
});

Deno.test("canary: healthy while each change is reconciled in time, unhealthy when not", async () => {
  const objects = new Map([["ns/c", canary("c")]]);
  const { client, patches } = fakeClient(objects);
  const tracker = new CanaryTracker({
    client,
    type: FlinkDeployments,
    timeoutMs: () => TIMEOUT_MS,
  });
  const stop = new AbortController();
  const reconcile = () => tracker.reconciled(structuredClone(objects.get("ns/c")!), stop.signal);
  try {
    await reconcile();
    assert.equal(patches.length, 1, "the first reconcile changes the canary");
    assert.equal(objects.get("ns/c")!.metadata.annotations?.[CANARY_CHECK_ANNOTATION], "1");
    // The change is reconciled before the check: healthy, and changed again.
    await reconcile();
    await until(() => patches.length === 2);
    assert.equal(tracker.healthy, true);
    // The next change is never reconciled: the check after it finds the canary behind.
    await until(() => patches.length === 3);
    assert.equal(tracker.healthy, false);
    // Reconciled again (the latest change): healthy at the following check.
    await reconcile();
    const seen = patches.length;
    await until(() => patches.length === seen + 1);
    assert.equal(tracker.healthy, true);
  } finally {
    stop.abort();
  }
  assert.equal(tracker.size, 0, "stopping the controller drops the canaries and their checks");
});

Deno.test("canary: a deleted canary no longer counts", async () => {
  const objects = new Map([["ns/c", canary("c")]]);
  const { client, patches } = fakeClient(objects);
  const tracker = new CanaryTracker({
    client,
    type: FlinkDeployments,
    timeoutMs: () => TIMEOUT_MS,
  });
  const stop = new AbortController();
  try {
    await tracker.reconciled(structuredClone(objects.get("ns/c")!), stop.signal);
    await until(() => patches.length === 2);
    assert.equal(tracker.healthy, false);
    tracker.forget(objects.get("ns/c")!);
    assert.equal(tracker.healthy, true);
    assert.equal(tracker.size, 0);
    await tick(3 * TIMEOUT_MS);
    assert.equal(patches.length, 2, "no more checks of a forgotten canary");
  } finally {
    stop.abort();
  }
});

Deno.test("withCanaries: canaries never reach the controller; deletion releases them", async () => {
  const objects = new Map([["ns/c", canary("c")]]);
  const { client } = fakeClient(objects);
  const tracker = new CanaryTracker({ client, type: FlinkDeployments, timeoutMs: () => 60_000 });
  const seen: string[] = [];
  const inner: ControllerSpec<KubeObject> = {
    name: "inner",
    type: FlinkDeployments,
    reconcile(obj) {
      seen.push(`reconcile ${obj.metadata.name}`);
      return Promise.resolve(Action.requeue(5));
    },
    cleanup(obj) {
      seen.push(`cleanup ${obj.metadata.name}`);
      return Promise.resolve(Action.requeue(5));
    },
    onError(obj) {
      seen.push(`error ${obj.metadata.name}`);
      return Promise.resolve();
    },
  };
  const wrapped = withCanaries(inner, tracker);
  const stop = new AbortController();
  const ctx = { signal: stop.signal } as ReconcileContext<KubeObject>;
  try {
    assert.deepEqual(await wrapped.reconcile(objects.get("ns/c")!, ctx), Action.done());
    assert.deepEqual(await wrapped.cleanup!(objects.get("ns/c")!, ctx), Action.done());
    await wrapped.onError!(objects.get("ns/c")!, new Error("x"), ctx);
    assert.deepEqual(seen, []);
    const plain = canary("p", { "flink.apache.org/canary": "false" });
    assert.deepEqual(await wrapped.reconcile(plain, ctx), Action.requeue(5));
    assert.deepEqual(await wrapped.cleanup!(plain, ctx), Action.requeue(5));
    await wrapped.onError!(plain, new Error("x"), ctx);
    assert.deepEqual(seen, ["reconcile p", "cleanup p", "error p"]);
  } finally {
    stop.abort();
  }
});
