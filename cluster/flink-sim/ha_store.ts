import type { KubeClient } from "../../lib/kube/client.ts";
import { isAlreadyExists, isConflict } from "../../lib/kube/errors.ts";
import { type KubeObject, Resources } from "../../lib/kube/resource.ts";

/** The part of an HA ConfigMap Flink reads and writes. */
export interface HaConfigMap {
  data: Record<string, string>;
  annotations: Record<string, string>;
}

/**
 * Storage for Flink's Kubernetes HA ConfigMaps of one cluster. `update` is a read-modify-write:
 * the change function sees the current map (undefined if absent) and returns the new content, or
 * undefined to leave it alone; implementations retry it on concurrent modification, because the
 * operator edits the same ConfigMaps (it removes job-graph keys before submitting).
 */
export interface HaConfigMapStore {
  get(name: string): Promise<HaConfigMap | undefined>;
  update(
    name: string,
    change: (current: HaConfigMap | undefined) => HaConfigMap | undefined,
  ): Promise<void>;
  delete(name: string): Promise<void>;
}

/** Labels Flink puts on every HA ConfigMap; the operator finds HA metadata by them. */
export function haLabels(clusterId: string): Record<string, string> {
  return {
    "type": "flink-native-kubernetes",
    "app": clusterId,
    "configmap-type": "high-availability",
  };
}

interface ConfigMapObject extends KubeObject {
  data?: Record<string, string>;
}

/** The ConfigMap object Flink would create: labels, no owner (HA data must outlive the JM). */
export function haConfigMapObject(
  namespace: string,
  clusterId: string,
  name: string,
  content: HaConfigMap,
): ConfigMapObject {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: {
      name,
      namespace,
      labels: haLabels(clusterId),
      ...(Object.keys(content.annotations).length ? { annotations: content.annotations } : {}),
    },
    data: content.data,
  };
}

const MAX_UPDATE_ATTEMPTS = 8;

/** HA ConfigMaps in the API server, as the real JobManager keeps them. */
export function kubeHaStore(
  kube: KubeClient,
  namespace: string,
  clusterId: string,
): HaConfigMapStore {
  const read = async (name: string) => {
    const cm = await kube.get<ConfigMapObject>(Resources.configMaps, namespace, name);
    return cm?.metadata.deletionTimestamp ? undefined : cm;
  };
  return {
    async get(name) {
      const cm = await read(name);
      return cm ? { data: { ...cm.data }, annotations: { ...cm.metadata.annotations } } : undefined;
    },
    async update(name, change) {
      for (let attempt = 1;; attempt++) {
        const cm = await read(name);
        const current = cm
          ? { data: { ...cm.data }, annotations: { ...cm.metadata.annotations } }
          : undefined;
        const next = change(current);
        if (!next) return;
        try {
          if (!cm) {
            await kube.create(
              Resources.configMaps,
              namespace,
              haConfigMapObject(namespace, clusterId, name, next),
            );
          } else {
            await kube.replace<ConfigMapObject>(Resources.configMaps, namespace, {
              ...cm,
              metadata: { ...cm.metadata, annotations: next.annotations },
              data: next.data,
            });
          }
          return;
        } catch (err) {
          const raced = isConflict(err) || isAlreadyExists(err);
          if (!raced || attempt >= MAX_UPDATE_ATTEMPTS) throw err;
        }
      }
    },
    async delete(name) {
      await kube.delete(Resources.configMaps, namespace, name);
    },
  };
}

/** An in-memory store for tests; `maps` is the live content, for assertions. */
export class MemoryHaStore implements HaConfigMapStore {
  readonly maps = new Map<string, HaConfigMap>();

  get(name: string): Promise<HaConfigMap | undefined> {
    const cm = this.maps.get(name);
    return Promise.resolve(cm ? structuredClone(cm) : undefined);
  }

  update(
    name: string,
    change: (current: HaConfigMap | undefined) => HaConfigMap | undefined,
  ): Promise<void> {
    const current = this.maps.get(name);
    const next = change(current ? structuredClone(current) : undefined);
    if (next) this.maps.set(name, structuredClone(next));
    return Promise.resolve();
  }

  delete(name: string): Promise<void> {
    this.maps.delete(name);
    return Promise.resolve();
  }
}
