import type { KubeClient } from "../kube/client.ts";
import { isAlreadyExists } from "../kube/errors.ts";
import { type KubeObject, Resources, type ResourceType } from "../kube/resource.ts";
import { deleteHaMetadata } from "./ha.ts";
import { FlinkTimeoutError } from "./rest/errors.ts";
import { pollUntilDone } from "./rest/poll.ts";
import { WaitingFor } from "./job/errors.ts";
import type { HaStore } from "./ha_store.ts";

/**
 * Creates an object, or replaces it when it exists (keeping its resourceVersion), so a retried
 * deploy converges instead of failing on AlreadyExists. An object still being deleted (its
 * finalizers or dependents not yet gone, e.g. past `resource.cleanup.timeout`) is not replaced:
 * a replace keeps its deletionTimestamp, and the garbage collector would delete the new object
 * with it. The pass waits for it instead (WaitingFor: retried, recorded in status).
 */
export async function createOrReplace<T extends KubeObject>(
  client: KubeClient,
  type: ResourceType,
  obj: T,
): Promise<T> {
  const ns = obj.metadata.namespace;
  try {
    return await client.create<T>(type, ns, obj);
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
  const existing = await client.get<T>(type, ns, obj.metadata.name!);
  if (!existing) return await client.create<T>(type, ns, obj);
  if (existing.metadata.deletionTimestamp) {
    throw new WaitingFor(
      `${obj.kind} ${ns}/${obj.metadata.name} is still being deleted (since ${existing.metadata.deletionTimestamp}); ` +
        "the deploy goes on once it is gone (a longer resource.cleanup.timeout waits for it in one pass)",
    );
  }
  return await client.replace<T>(type, ns, {
    ...obj,
    metadata: { ...obj.metadata, resourceVersion: existing.metadata.resourceVersion },
  });
}

export interface DeleteClusterOptions {
  namespace: string;
  clusterId: string;
  deleteHaData: boolean;
  /** Where that HA metadata is (ha_store.ts); default the Kubernetes HA ConfigMaps. */
  haStore?: HaStore;
  propagation: "Foreground" | "Background" | "Orphan";
  timeoutMs: number;
  signal?: AbortSignal;
}

/**
 * Deletes a Flink cluster's JobManager (and standalone TaskManager) Deployments, waits until they
 * are gone — and with Foreground propagation their pods too, which the Deployments then outlive —,
 * then optionally removes the HA metadata (ConfigMaps have no owner, and znodes none either: left
 * behind, they would let a later cluster recover old state). As FKO (deleteDeploymentBlocking), the
 * pods of Background and Orphan deletions are not waited for: the garbage collector removes them
 * later, or (Orphan) never. Returns false on timeout; throws when the HA metadata could not be
 * removed.
 */
export async function deleteCluster(
  client: KubeClient,
  opts: DeleteClusterOptions,
): Promise<boolean> {
  const { namespace, clusterId } = opts;
  const deployments = [clusterId, `${clusterId}-taskmanager`];
  for (const name of deployments) {
    await client.delete(Resources.deployments, namespace, name, {
      propagationPolicy: opts.propagation,
    });
  }
  let gone = false;
  try {
    // Soon after the deletion, then less and less often (a stopping JVM takes a moment).
    gone = await pollUntilDone(async () => {
      const remaining = await Promise.all(
        deployments.map((name) => client.get(Resources.deployments, namespace, name)),
      );
      if (opts.propagation !== "Foreground") return remaining.every((d) => !d) || undefined;
      const pods = await client.list(Resources.pods, namespace, {
        labelSelector: `app=${clusterId}`,
      });
      const jmOrTm = pods.items.filter((p) => {
        const component = p.metadata.labels?.component;
        return component === "jobmanager" || component === "taskmanager";
      });
      return remaining.every((d) => !d) && jmOrTm.length === 0 ? true : undefined;
    }, {
      intervalMs: 20,
      maxIntervalMs: 200,
      timeoutMs: opts.timeoutMs,
      signal: opts.signal,
      what: `deletion of cluster ${clusterId}`,
    });
  } catch (err) {
    if (!(err instanceof FlinkTimeoutError) && !opts.signal?.aborted) throw err;
  }
  if (opts.deleteHaData) {
    if (opts.haStore) await opts.haStore.deleteAll();
    else await deleteHaMetadata(client, namespace, clusterId);
  }
  return gone;
}
