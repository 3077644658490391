/**
 * A ReconcileContext that can look but not touch, for `flinkop plan`: its caches are filled once
 * by list calls (the types the controller watches, in the resource's namespace, with the same
 * label selectors), and everything that would write refuses with {@link WriteRefused}: the status
 * writer, the event recorder, the work queue, and any API request other than GET (the client is
 * wrapped, so a read-only pass cannot create, patch or delete anything either, also not through
 * the API server's service proxy to a JobManager).
 */
import type { KubeClient } from "../../kube/client.ts";
import { keyOf, type KubeObject, type ResourceType } from "../../kube/resource.ts";
import type { ReconcileContext, SecondaryWatch } from "../../runtime/controller.ts";
import { EventRecorder, type EventSpec } from "../../runtime/events.ts";
import { Store } from "../../runtime/store.ts";
import type { RawResource } from "./resource_pass.ts";

/** Something tried to change the cluster from a read-only pass. */
export class WriteRefused extends Error {
  constructor(what: string) {
    super(`refused to ${what}: a plan only reads`);
    this.name = "WriteRefused";
  }
}

/** `client` for GET requests only; any other method throws WriteRefused before it is sent. */
export function readOnlyClient(client: KubeClient): KubeClient {
  const readOnly = Object.create(client) as KubeClient;
  const fetch: KubeClient["fetch"] = (method, path, init) => {
    if (method.toUpperCase() !== "GET") throw new WriteRefused(`${method} ${path}`);
    return client.fetch(method, path, init);
  };
  Object.defineProperty(readOnly, "fetch", { value: fetch });
  return readOnly;
}

class RefusingEventRecorder extends EventRecorder {
  override record(target: KubeObject, spec: EventSpec): Promise<boolean> {
    return Promise.reject(
      new WriteRefused(`record event ${spec.reason} on ${target.metadata.name}`),
    );
  }
}

/**
 * The context of a read-only pass over `raw`: `watches` (a controller's secondary watches) are
 * listed once in the resource's namespace; a cache of any other type throws, so a driver that
 * starts reading one is noticed instead of seeing it empty.
 */
export async function readOnlyContext(
  client: KubeClient,
  raw: RawResource,
  watches: readonly SecondaryWatch[],
  signal: AbortSignal,
): Promise<ReconcileContext<RawResource>> {
  const ro = readOnlyClient(client);
  const namespace = raw.metadata.namespace!;
  const caches = new Map<string, Store<KubeObject>>();
  for (const watch of watches) {
    const store = new Store<KubeObject>();
    const list = await ro.list<KubeObject>(watch.type, namespace, {
      labelSelector: watch.labelSelector,
    });
    store.replace(list.items, namespace);
    caches.set(cacheKey(watch.type), store);
  }
  const store = new Store<RawResource>();
  store.apply(raw);
  return {
    client: ro,
    key: keyOf(raw.metadata),
    attempt: 0,
    signal,
    writeStatus: () => Promise.reject(new WriteRefused(`write the status of ${raw.metadata.name}`)),
    events: new RefusingEventRecorder(ro),
    store,
    cache<S extends KubeObject>(type: ResourceType): Store<S> {
      const cache = caches.get(cacheKey(type));
      if (!cache) throw new Error(`a read-only pass has no cache of ${type.plural}`);
      return cache as unknown as Store<S>;
    },
    enqueue: () => {
      throw new WriteRefused("enqueue a reconcile");
    },
  };
}

function cacheKey(type: ResourceType): string {
  return `${type.group}/${type.plural}`;
}
