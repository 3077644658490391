import type { KubeClient } from "../../lib/kube/client.ts";
import { isConflict, isNotFound } from "../../lib/kube/errors.ts";
import { objectPath, Resources } from "../../lib/kube/resource.ts";
import { exponentialDelay } from "./backoff.ts";
import type { EventSink } from "./event_recorder.ts";
import { describeError, type Logger } from "./log.ts";
import { isTerminalPhase, type Pod, podRef } from "./pod_types.ts";

/**
 * Plays kube-scheduler for a one-node cluster: every pending pod meant for the default scheduler
 * is bound to this node through the `pods/binding` subresource, which also sets the PodScheduled
 * condition. Only nodeSelector is checked (against the node's labels); affinity, taints and
 * resource fit are not, since there is no other node to choose.
 */
export class PodBinder {
  readonly #inFlight = new Set<string>();
  /** Failed attempts so far, for pods whose binding is being retried. */
  readonly #attempts = new Map<string, number>();
  readonly #retryTimers = new Map<string, ReturnType<typeof setTimeout>>();
  readonly #rejected = new Set<string>();

  constructor(
    private readonly kube: KubeClient,
    private readonly nodeName: string,
    private readonly nodeLabels: Record<string, string>,
    private readonly events: EventSink,
    private readonly log: Logger,
  ) {}

  /** Binds the pod if it is one this node should take; called on every pod change. */
  consider(pod: Pod): void {
    const uid = pod.metadata.uid!;
    if (!needsBinding(pod) || this.#inFlight.has(uid) || this.#retryTimers.has(uid)) return;
    const mismatch = nodeSelectorMismatch(pod, this.nodeLabels);
    if (mismatch) {
      if (!this.#rejected.has(uid)) {
        this.#rejected.add(uid);
        this.log.warn(`${podRef(pod)}: not scheduled: ${mismatch}`);
        this.events.record(pod, {
          type: "Warning",
          reason: "FailedScheduling",
          message:
            `0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector (${mismatch}).`,
          component: "default-scheduler",
        });
      }
      return;
    }
    void this.#bind(pod);
  }

  forget(uid: string): void {
    clearTimeout(this.#retryTimers.get(uid));
    this.#retryTimers.delete(uid);
    this.#attempts.delete(uid);
    this.#rejected.delete(uid);
  }

  stop(): void {
    for (const uid of [...this.#retryTimers.keys()]) this.forget(uid);
  }

  async #bind(pod: Pod): Promise<void> {
    const uid = pod.metadata.uid!;
    const namespace = pod.metadata.namespace!;
    const name = pod.metadata.name!;
    this.#inFlight.add(uid);
    try {
      await this.kube.request("POST", objectPath(Resources.pods, namespace, name) + "/binding", {
        body: {
          apiVersion: "v1",
          kind: "Binding",
          metadata: { name, namespace, uid },
          target: { apiVersion: "v1", kind: "Node", name: this.nodeName },
        },
      });
      this.#attempts.delete(uid);
      this.log.info(`${namespace}/${name}: bound to ${this.nodeName}`);
      this.events.record(pod, {
        type: "Normal",
        reason: "Scheduled",
        message: `Successfully assigned ${namespace}/${name} to ${this.nodeName}`,
        component: "default-scheduler",
      });
    } catch (err) {
      // 409: already bound (or recreated under the same name); 404: deleted. Either way done.
      if (isConflict(err) || isNotFound(err)) return;
      const attempt = this.#attempts.get(uid) ?? 0;
      this.#attempts.set(uid, attempt + 1);
      const delay = exponentialDelay(attempt, 500, 30_000);
      this.log.warn(
        `${namespace}/${name}: binding failed (${describeError(err)}); retrying in ${delay} ms`,
      );
      this.#retryTimers.set(
        uid,
        setTimeout(() => {
          this.#retryTimers.delete(uid);
          void this.#bind(pod);
        }, delay),
      );
    } finally {
      this.#inFlight.delete(uid);
    }
  }
}

/** Pending, unassigned, for the default scheduler, not gated and not being deleted. */
export function needsBinding(pod: Pod): boolean {
  const scheduler = pod.spec.schedulerName;
  return !pod.spec.nodeName &&
    !pod.metadata.deletionTimestamp &&
    !isTerminalPhase(pod.status?.phase) &&
    (!scheduler || scheduler === "default-scheduler") &&
    !(pod.spec.schedulingGates?.length);
}

/** Why the pod's nodeSelector rules this node out, or undefined when it fits. */
export function nodeSelectorMismatch(
  pod: Pod,
  nodeLabels: Record<string, string>,
): string | undefined {
  for (const [key, value] of Object.entries(pod.spec.nodeSelector ?? {})) {
    if (nodeLabels[key] !== value) return `nodeSelector ${key}=${value}`;
  }
  return undefined;
}
