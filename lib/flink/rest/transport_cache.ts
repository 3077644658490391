/**
 * Reuses a JobManager's resolved transport across passes while the JobManager pods behind it are
 * the same. Resolving costs API requests (EndpointSlices, and on a local cluster the Service and
 * its pods: three per pass); a thousand running clusters polled every minute would spend most of
 * the operator's API traffic on finding endpoints that did not change. The controller's pod watch
 * says whether they did: the transport is reused only while the ready JobManager pods of the
 * cluster (uid and IP) are exactly those seen when it was resolved, so a restarted JobManager, a
 * new IP or a pod going unready resolves again. Without pods in the watch cache (a controller
 * that does not watch them) nothing is reused.
 *
 * One cache per job controller, in its memory (job_memory.ts), by resource: forgotten when the
 * resource is deleted or its cluster removed.
 */
import type { KubeObject } from "../../kube/resource.ts";
import type { Store } from "../../runtime/store.ts";
import type { RestTransport } from "./transport.ts";

interface Entry {
  /** What the transport was resolved for: access mode, cluster, port, TLS settings. */
  target: string;
  pods: string;
  transport: RestTransport;
  at: number;
}

/** Entries older than this resolve again whatever the pods say (a bound on any surprise). */
const MAX_AGE_MS = 10 * 60_000;

interface PodLike extends KubeObject {
  status?: { podIP?: string; conditions?: { type: string; status: string }[] };
}

/**
 * The ready JobManager pods of a cluster in the watch cache, as `uid@ip` in a stable order; ""
 * when there are none (then nothing can be reused).
 */
export function jobManagerPods(pods: Store<KubeObject>, namespace: string, clusterId: string) {
  return (pods.list(namespace) as PodLike[])
    .filter((pod) =>
      pod.metadata.labels?.app === clusterId && pod.metadata.labels?.component === "jobmanager" &&
      !pod.metadata.deletionTimestamp && !!pod.status?.podIP &&
      pod.status.conditions?.some((c) => c.type === "Ready" && c.status === "True")
    )
    .map((pod) => `${pod.metadata.uid}@${pod.status!.podIP}`)
    .sort()
    .join(",");
}

export class TransportCache {
  readonly #entries = new Map<string, Entry>();

  /**
   * The transport cached for resource `uid` if it was resolved for `target` and the JobManager
   * pods are still `pods`, else a freshly resolved one (cached when `pods` is not empty).
   */
  async reuse(
    uid: string,
    want: { target: string; pods: string },
    resolve: () => Promise<RestTransport>,
    now: number = Date.now(),
  ): Promise<RestTransport> {
    const cached = this.#entries.get(uid);
    if (
      cached && want.pods !== "" && cached.target === want.target && cached.pods === want.pods &&
      now - cached.at < MAX_AGE_MS
    ) {
      return cached.transport;
    }
    const transport = await resolve();
    if (want.pods === "") this.#entries.delete(uid);
    else this.#entries.set(uid, { ...want, transport, at: now });
    return transport;
  }

  /** The cluster was removed or redeployed, or the resource deleted: resolve again next time. */
  forget(uid: string): void {
    this.#entries.delete(uid);
  }

  /** How many transports are cached. */
  get size(): number {
    return this.#entries.size;
  }
}
