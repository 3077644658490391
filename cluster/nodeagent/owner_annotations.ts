import type { KubeClient } from "../../lib/kube/client.ts";
import type { KubeObject, OwnerReference, ResourceType } from "../../lib/kube/resource.ts";
import { sleep } from "../../lib/runtime/backoff.ts";
import { exponentialDelay } from "./backoff.ts";
import { Informer } from "./informer.ts";
import { describeError, type Logger } from "./log.ts";

interface OwnerMeta extends KubeObject {
  metadata: {
    uid?: string;
    name?: string;
    namespace?: string;
    resourceVersion?: string;
    annotations?: Record<string, string>;
    ownerReferences?: OwnerReference[];
  };
}

const MAX_CHAIN = 8;

/**
 * Live annotations of every pod's owner chain (ReplicaSet → Deployment → FlinkDeployment …), so a
 * runtime can read fault-injection annotations set on any level without an API call per read. One
 * informer per owner kind is started the first time a chain mentions that kind; it keeps only the
 * metadata needed to walk the chain. Kinds are resolved to resources through API discovery.
 */
export class OwnerAnnotations {
  readonly #objects = new Map<string, OwnerMeta>();
  readonly #informers = new Map<string, Promise<void>>();
  readonly #discovery = new Map<string, Promise<ResourceType[]>>();

  constructor(
    private readonly kube: KubeClient,
    private readonly log: Logger,
    private readonly signal: AbortSignal,
  ) {}

  /** Makes sure the kinds in this object's owner references are being watched. */
  track(obj: { metadata: { ownerReferences?: OwnerReference[] } }): void {
    for (const ref of obj.metadata.ownerReferences ?? []) {
      this.#ensureInformer(ref.apiVersion, ref.kind);
    }
  }

  /** The merged annotations: farthest owner first, nearer owners override, the pod's own last. */
  annotationsOf(
    pod: { metadata: { annotations?: Record<string, string>; ownerReferences?: OwnerReference[] } },
  ): Record<string, string> {
    const chain: Record<string, string>[] = [pod.metadata.annotations ?? {}];
    let refs = pod.metadata.ownerReferences;
    for (let depth = 0; depth < MAX_CHAIN && refs?.length; depth++) {
      const ref = refs.find((r) => r.controller) ?? refs[0];
      const owner = this.#objects.get(ref.uid);
      if (!owner) break;
      chain.push(owner.metadata.annotations ?? {});
      refs = owner.metadata.ownerReferences;
    }
    return Object.assign({}, ...chain.reverse());
  }

  /**
   * annotationsOf once every owner up the chain is in the cache, or after `timeoutMs` with what is
   * known: a pod can arrive before the first list of its owners' kind has finished.
   */
  async settledAnnotationsOf(
    pod: { metadata: { annotations?: Record<string, string>; ownerReferences?: OwnerReference[] } },
    timeoutMs = 2_000,
  ): Promise<Record<string, string>> {
    this.track(pod);
    const deadline = Date.now() + timeoutMs;
    while (!this.#chainKnown(pod) && Date.now() < deadline && !this.signal.aborted) {
      await sleep(25, this.signal);
    }
    return this.annotationsOf(pod);
  }

  #chainKnown(pod: { metadata: { ownerReferences?: OwnerReference[] } }): boolean {
    let refs = pod.metadata.ownerReferences;
    for (let depth = 0; depth < MAX_CHAIN && refs?.length; depth++) {
      const ref = refs.find((r) => r.controller) ?? refs[0];
      const owner = this.#objects.get(ref.uid);
      if (!owner) return false;
      refs = owner.metadata.ownerReferences;
    }
    return true;
  }

  #ensureInformer(apiVersion: string, kind: string): void {
    const key = `${apiVersion}/${kind}`;
    if (this.#informers.has(key)) return;
    this.#informers.set(key, this.#runInformer(apiVersion, kind));
  }

  async #runInformer(apiVersion: string, kind: string): Promise<void> {
    const type = await this.#resolve(apiVersion, kind);
    if (!type || this.signal.aborted) return;
    const informer = new Informer<OwnerMeta>(this.kube, type, {
      name: `owner ${type.plural}`,
      log: this.log,
      transform: (obj) => ({
        metadata: {
          uid: obj.metadata.uid,
          name: obj.metadata.name,
          namespace: obj.metadata.namespace,
          resourceVersion: obj.metadata.resourceVersion,
          annotations: obj.metadata.annotations,
          ownerReferences: obj.metadata.ownerReferences,
        },
      }),
      onChange: (type, obj) => {
        const uid = obj.metadata.uid!;
        if (type === "DELETED") this.#objects.delete(uid);
        else {
          this.#objects.set(uid, obj);
          this.track(obj);
        }
      },
    });
    await informer.run(this.signal);
  }

  /** Finds the resource for a kind via discovery, retrying while the API server does not know it. */
  async #resolve(apiVersion: string, kind: string): Promise<ResourceType | undefined> {
    for (let attempt = 0; !this.signal.aborted; attempt++) {
      try {
        const types = await this.#discover(apiVersion);
        const found = types.find((t) => t.kind === kind);
        if (found) return found;
      } catch (err) {
        this.#discovery.delete(apiVersion);
        if (attempt === 0) {
          this.log.warn(`discovery of ${apiVersion} failed: ${describeError(err)}`);
        }
      }
      this.#discovery.delete(apiVersion);
      await sleep(exponentialDelay(attempt, 1000, 30_000), this.signal);
    }
    return undefined;
  }

  #discover(apiVersion: string): Promise<ResourceType[]> {
    let pending = this.#discovery.get(apiVersion);
    if (!pending) {
      const [group, version] = apiVersion.includes("/")
        ? apiVersion.split("/", 2)
        : ["", apiVersion];
      const path = group ? `/apis/${group}/${version}` : `/api/${version}`;
      pending = this.kube.request<
        { resources: { name: string; kind: string; namespaced: boolean }[] }
      >("GET", path)
        .then((list) =>
          list.resources
            .filter((r) => !r.name.includes("/"))
            .map((r) => ({
              group,
              version,
              plural: r.name,
              kind: r.kind,
              namespaced: r.namespaced,
            }))
        );
      this.#discovery.set(apiVersion, pending);
    }
    return pending;
  }
}
