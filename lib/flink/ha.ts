import type { KubeClient } from "../kube/client.ts";
import { type KubeObject, Resources } from "../kube/resource.ts";

/**
 * Flink's Kubernetes HA metadata, read and removed the way FKO does (reference §3.8, §5.1): plain
 * ConfigMaps labelled `app=<cluster-id>,type=flink-native-kubernetes` without owner references,
 * so they survive JobManager deletion on purpose.
 */
export interface ConfigMapLike extends KubeObject {
  data?: Record<string, string>;
}

export function haLabelSelector(clusterId: string): string {
  return `app=${clusterId},type=flink-native-kubernetes`;
}

/** A per-job HA ConfigMap (Flink ≥ 1.15) or a legacy `-jobmanager-leader` one. */
export function isJobHaConfigMap(cm: ConfigMapLike): boolean {
  if (cm.metadata.deletionTimestamp) return false;
  if (cm.metadata.labels?.component === "autoscaler") return false;
  const name = cm.metadata.name ?? "";
  return (name.endsWith("-config-map") && !name.endsWith("-cluster-config-map")) ||
    name.endsWith("-jobmanager-leader");
}

export function hasCheckpoint(cm: ConfigMapLike): boolean {
  return Object.keys(cm.data ?? {}).some((k) => k.startsWith("checkpointID-"));
}

export interface HaMetadata {
  /** HA metadata exists: the job can be recovered by Flink itself (last-state). */
  available: boolean;
  /** At least one checkpoint is recorded in HA. */
  hasCheckpoint: boolean;
  configMaps: ConfigMapLike[];
}

export async function readHaMetadata(
  client: KubeClient,
  namespace: string,
  clusterId: string,
): Promise<HaMetadata> {
  const list = await client.list<ConfigMapLike>(Resources.configMaps, namespace, {
    labelSelector: haLabelSelector(clusterId),
  });
  const jobMaps = list.items.filter(isJobHaConfigMap);
  return {
    available: jobMaps.length > 0,
    hasCheckpoint: jobMaps.some(hasCheckpoint),
    configMaps: list.items,
  };
}

/**
 * Removes job graphs (`jobGraph-*`, and `executionPlan-*` on Flink 2.x) from the HA ConfigMaps so
 * a resubmitted application uses its new job graph and config while keeping checkpoints.
 */
export async function removeJobGraphs(
  client: KubeClient,
  namespace: string,
  clusterId: string,
): Promise<void> {
  const { configMaps } = await readHaMetadata(client, namespace, clusterId);
  for (const cm of configMaps) {
    const keys = Object.keys(cm.data ?? {}).filter((k) =>
      k.startsWith("jobGraph-") || k.startsWith("executionPlan-")
    );
    if (!keys.length) continue;
    const patch = Object.fromEntries(keys.map((k) => [k, null]));
    await client.patch(Resources.configMaps, namespace, cm.metadata.name!, { data: patch });
  }
}

/** Deletes all HA ConfigMaps of a cluster except the autoscaler's. */
export async function deleteHaMetadata(
  client: KubeClient,
  namespace: string,
  clusterId: string,
): Promise<number> {
  const { configMaps } = await readHaMetadata(client, namespace, clusterId);
  let deleted = 0;
  for (const cm of configMaps) {
    if (cm.metadata.labels?.component === "autoscaler") continue;
    if (await client.delete(Resources.configMaps, namespace, cm.metadata.name!)) deleted++;
  }
  return deleted;
}

/** Whether a flat Flink configuration enables Kubernetes (or ZooKeeper) HA. */
export function isHaEnabled(conf: Record<string, string>): boolean {
  const mode = (conf["high-availability.type"] ?? conf["high-availability"] ?? "NONE").trim();
  return mode !== "" && mode.toUpperCase() !== "NONE";
}

export function isKubernetesHa(conf: Record<string, string>): boolean {
  const mode = (conf["high-availability.type"] ?? conf["high-availability"] ?? "").trim();
  return mode.toLowerCase() === "kubernetes" || mode.endsWith("KubernetesHaServicesFactory");
}
