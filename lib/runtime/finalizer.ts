import type { KubeClient } from "../kube/client.ts";
import { isApiError, isConflict, isNotFound } from "../kube/errors.ts";
import type { KubeObject, ResourceType } from "../kube/resource.ts";

/**
 * Finalizer contract (the controller applies it for every controller that declares a finalizer):
 *
 * 1. Before the first reconcile of an object that is not being deleted, the finalizer is added;
 *    reconcile then runs in the same pass on the object as the API server returned it. So
 *    reconcile never runs on an object whose deletion could skip cleanup.
 * 2. Once the object has a deletionTimestamp and still carries our finalizer, `cleanup` runs
 *    instead of `reconcile`. It must be idempotent: it may run many times, also after a crash.
 * 3. Cleanup returning `Action.done()` means finished: the finalizer is removed with a JSON patch
 *    that first tests the list entry, so a concurrent change to the finalizer list makes the patch
 *    fail (and the pass retry) rather than remove somebody else's finalizer. Returning
 *    `Action.requeue(ms)` keeps the finalizer and runs cleanup again later; throwing retries with
 *    backoff. Cleanup is responsible for bounding its own waiting (for example FKO's cleanup
 *    timeout) so an object never stays in Terminating forever.
 * 4. An object being deleted without our finalizer is left alone.
 */
export function hasFinalizer(obj: KubeObject, name: string): boolean {
  return obj.metadata.finalizers?.includes(name) ?? false;
}

export async function addFinalizer<T extends KubeObject>(
  client: KubeClient,
  type: ResourceType,
  obj: T,
  name: string,
): Promise<T> {
  const patch = obj.metadata.finalizers
    ? [
      { op: "test", path: "/metadata/resourceVersion", value: obj.metadata.resourceVersion },
      { op: "add", path: "/metadata/finalizers/-", value: name },
    ]
    : [
      { op: "test", path: "/metadata/resourceVersion", value: obj.metadata.resourceVersion },
      { op: "add", path: "/metadata/finalizers", value: [name] },
    ];
  return await client.patch<T>(type, obj.metadata.namespace, obj.metadata.name!, patch, "json");
}

/** Removes our finalizer; returns undefined when the object is already gone. */
export async function removeFinalizer<T extends KubeObject>(
  client: KubeClient,
  type: ResourceType,
  obj: T,
  name: string,
): Promise<T | undefined> {
  const index = obj.metadata.finalizers?.indexOf(name) ?? -1;
  if (index < 0) return obj;
  try {
    return await client.patch<T>(type, obj.metadata.namespace, obj.metadata.name!, [
      { op: "test", path: `/metadata/finalizers/${index}`, value: name },
      { op: "remove", path: `/metadata/finalizers/${index}` },
    ], "json");
  } catch (err) {
    if (isNotFound(err)) return undefined;
    // A failed JSON-patch test answers 422: the list moved; the retry reads it afresh.
    if (isApiError(err, 422) || isConflict(err)) {
      throw new Error(`finalizer list of ${obj.metadata.name} changed concurrently; retrying`);
    }
    throw err;
  }
}
