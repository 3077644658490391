import assert from "node:assert/strict";
import type { KubeClient } from "../../lib/kube/client.ts";
import { ApiError } from "../../lib/kube/errors.ts";
import type { KubeObject, ResourceType } from "../../lib/kube/resource.ts";
import { kubeHaStore } from "../../cluster/flink-sim/mod.ts";

interface StoredConfigMap extends KubeObject {
  data?: Record<string, string>;
}

/** Just enough of an API server for ConfigMaps: resourceVersion checks and 409s. */
class FakeConfigMaps {
  readonly objects = new Map<string, StoredConfigMap>();
  #version = 1;
  /** Conflicts to inject on the next replace calls (someone else wrote in between). */
  conflicts = 0;

  client(): KubeClient {
    const fake = {
      get: (_t: ResourceType, _ns: string, name: string) =>
        Promise.resolve(structuredClone(this.objects.get(name))),
      create: (_t: ResourceType, ns: string, obj: StoredConfigMap) => {
        const name = obj.metadata.name!;
        if (this.objects.has(name)) {
          return Promise.reject(new ApiError(409, "AlreadyExists", "exists", "POST", name));
        }
        const stored = structuredClone(obj);
        stored.metadata.namespace = ns;
        stored.metadata.resourceVersion = String(this.#version++);
        this.objects.set(name, stored);
        return Promise.resolve(structuredClone(stored));
      },
      replace: (_t: ResourceType, _ns: string, obj: StoredConfigMap) => {
        const name = obj.metadata.name!;
        const current = this.objects.get(name);
        if (this.conflicts > 0) {
          this.conflicts--;
          current!.metadata.resourceVersion = String(this.#version++);
        }
        if (!current || current.metadata.resourceVersion !== obj.metadata.resourceVersion) {
          return Promise.reject(new ApiError(409, "Conflict", "conflict", "PUT", name));
        }
        const stored = structuredClone(obj);
        stored.metadata.resourceVersion = String(this.#version++);
        this.objects.set(name, stored);
        return Promise.resolve(structuredClone(stored));
      },
      delete: (_t: ResourceType, _ns: string, name: string) =>
        Promise.resolve(this.objects.delete(name)),
    };
    return fake as unknown as KubeClient;
  }
}

Deno.test("sim HA store: creates labelled ConfigMaps and retries on conflicts", async () => {
  const api = new FakeConfigMaps();
  const store = kubeHaStore(api.client(), "ns1", "demo");
  await store.update("demo-cluster-config-map", (cur) => {
    assert.equal(cur, undefined);
    return { data: { a: "1" }, annotations: { x: "y" } };
  });
  const created = api.objects.get("demo-cluster-config-map")!;
  assert.deepEqual(created.metadata.labels, {
    "type": "flink-native-kubernetes",
    "app": "demo",
    "configmap-type": "high-availability",
  });
  assert.equal(created.metadata.namespace, "ns1");

  api.conflicts = 2;
  let calls = 0;
  await store.update("demo-cluster-config-map", (cur) => {
    calls++;
    return { data: { ...cur!.data, b: "2" }, annotations: cur!.annotations };
  });
  assert.equal(calls, 3, "re-read and re-applied after each conflict");
  assert.deepEqual(api.objects.get("demo-cluster-config-map")!.data, { a: "1", b: "2" });
  assert.deepEqual((await store.get("demo-cluster-config-map"))?.annotations, { x: "y" });

  await store.update("demo-cluster-config-map", () => undefined); // no write
  await store.delete("demo-cluster-config-map");
  assert.equal(await store.get("demo-cluster-config-map"), undefined);
  await store.delete("demo-cluster-config-map"); // already gone is fine
});
