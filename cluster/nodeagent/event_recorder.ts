import type { KubeClient } from "../../lib/kube/client.ts";
import { isForbidden, isNotFound } from "../../lib/kube/errors.ts";
import { Resources } from "../../lib/kube/resource.ts";
import { describeError, type Logger } from "./log.ts";
import type { Pod } from "./pod_types.ts";

export interface PodEvent {
  type: "Normal" | "Warning";
  reason: string;
  message: string;
  /** Set for container-level events; becomes involvedObject.fieldPath. */
  container?: string;
  /** "kubelet" unless the agent acts as another component (the scheduler when binding). */
  component?: "kubelet" | "default-scheduler";
}

export interface EventSink {
  record(pod: Pod, event: PodEvent): void;
  /** Drops the dedupe memory of a pod that is gone. */
  forget(podUid: string): void;
}

const DEDUPE_MS = 5 * 60_000;
const MAX_QUEUE = 1000;
const CONCURRENCY = 4;

/**
 * Posts core/v1 Events for pods, cheaply: an identical event (same pod, reason and message) within
 * five minutes is dropped instead of counted, at most four requests are in flight, and when the
 * API server falls behind the queue is capped and the oldest events are dropped. Events are a
 * diagnostic aid (and the FailedMount / BackOff signals the operator looks for), never a
 * reason to slow pods down.
 */
export class EventRecorder implements EventSink {
  readonly #lastSent = new Map<string, Map<string, number>>();
  readonly #queue: Record<string, unknown>[] = [];
  #inFlight = 0;
  #sequence = 0;

  constructor(
    private readonly kube: KubeClient,
    private readonly nodeName: string,
    private readonly log: Logger,
  ) {}

  record(pod: Pod, event: PodEvent): void {
    const uid = pod.metadata.uid ?? "";
    const key = `${event.reason}\u0000${event.container ?? ""}\u0000${event.message}`;
    let sent = this.#lastSent.get(uid);
    if (!sent) this.#lastSent.set(uid, sent = new Map());
    const now = Date.now();
    const last = sent.get(key);
    if (last !== undefined && now - last < DEDUPE_MS) return;
    sent.set(key, now);

    const time = new Date(now).toISOString();
    const component = event.component ?? "kubelet";
    const uniqueSuffix = (BigInt(now) * 1_000_000n + BigInt(this.#sequence++ % 1_000_000)).toString(
      16,
    );
    this.#queue.push({
      apiVersion: "v1",
      kind: "Event",
      metadata: { name: `${pod.metadata.name}.${uniqueSuffix}`, namespace: pod.metadata.namespace },
      involvedObject: {
        apiVersion: "v1",
        kind: "Pod",
        namespace: pod.metadata.namespace,
        name: pod.metadata.name,
        uid,
        fieldPath: event.container ? `spec.containers{${event.container}}` : undefined,
      },
      reason: event.reason,
      message: event.message,
      type: event.type,
      source: component === "kubelet" ? { component, host: this.nodeName } : { component },
      firstTimestamp: time,
      lastTimestamp: time,
      count: 1,
      reportingComponent: component,
      reportingInstance: component === "kubelet" ? this.nodeName : "",
    });
    if (this.#queue.length > MAX_QUEUE) this.#queue.shift();
    this.#pump();
  }

  forget(podUid: string): void {
    this.#lastSent.delete(podUid);
  }

  #pump(): void {
    while (this.#inFlight < CONCURRENCY && this.#queue.length > 0) {
      const body = this.#queue.shift()!;
      const namespace = (body.metadata as { namespace: string }).namespace;
      this.#inFlight++;
      this.kube.create(Resources.events, namespace, body as never)
        .catch((err) => {
          // Pods of a namespace being deleted get their Killing events refused; that is expected.
          if (isForbidden(err) && /being terminated/.test(describeError(err))) return;
          if (isNotFound(err)) return;
          const name = (body.metadata as { name: string }).name;
          this.log.warn(`event ${name} not recorded: ${describeError(err)}`);
        })
        .finally(() => {
          this.#inFlight--;
          this.#pump();
        });
    }
  }
}
