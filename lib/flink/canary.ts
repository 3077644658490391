/**
 * Canary resources (FKO's CanaryResourceManager): a FlinkDeployment or FlinkSessionJob labelled
 * `flink.apache.org/canary: "true"` is never deployed or validated, only tracked, so that the
 * operator's health probe can tell whether changes still get reconciled in time. On a canary's
 * first reconcile the operator changes it, and every `health.canary.resource.timeout` it checks
 * that a reconcile has seen that change, then changes it again. A canary whose change was not
 * reconciled in time makes `/healthz` fail until a later check finds it reconciled.
 *
 * FKO changes `spec.restartNonce`; here the change is the annotation {@link CANARY_CHECK_ANNOTATION}
 * (a metadata change the runtime reconciles like a spec change), so a canary stays valid under
 * this operator's CRD validation, which checks any spec that is present.
 */
import { getLogger } from "@logtape/logtape";
import type { KubeClient } from "../kube/client.ts";
import { keyOf, type KubeObject, type ObjectKey, type ResourceType } from "../kube/resource.ts";
import { Action } from "../runtime/action.ts";
import type { ControllerSpec } from "../runtime/controller.ts";
import { errorMessage } from "../error_message.ts";

const log = getLogger(["flinkop", "canary"]);

export const CANARY_LABEL = "flink.apache.org/canary";
/** The counter the operator bumps on a canary and expects a reconcile to see. */
export const CANARY_CHECK_ANNOTATION = "flinkop.dev/canary-check";

/** FKO's test: the label's value is "true", in any case. */
export function isCanary(obj: KubeObject): boolean {
  return obj.metadata.labels?.[CANARY_LABEL]?.toLowerCase() === "true";
}

function checkValue(obj: KubeObject): number {
  const value = Number(obj.metadata.annotations?.[CANARY_CHECK_ANNOTATION]);
  return Number.isSafeInteger(value) ? value : 0;
}

interface CanaryState {
  /** The canary as last reconciled. */
  latest: KubeObject;
  /** The check value the last bump wrote; a reconcile must see at least this. */
  expected: number;
  healthy: boolean;
  timer?: ReturnType<typeof setTimeout>;
}

export interface CanaryOptions {
  client: KubeClient;
  type: ResourceType;
  /** `kubernetes.operator.health.canary.resource.timeout`, read at each check (it may change). */
  timeoutMs: () => number;
}

/** The canaries of one kind and their health. */
export class CanaryTracker {
  readonly #canaries = new Map<ObjectKey, CanaryState>();
  #signal?: AbortSignal;

  constructor(private readonly opts: CanaryOptions) {}

  /** False while any canary's last change was not reconciled within the timeout. */
  get healthy(): boolean {
    return [...this.#canaries.values()].every((state) => state.healthy);
  }

  get size(): number {
    return this.#canaries.size;
  }

  /**
   * A reconcile of a canary: remember what it saw; the first one starts the checks, which run
   * until `signal` (the controller's) aborts.
   */
  async reconciled(obj: KubeObject, signal: AbortSignal): Promise<void> {
    if (this.#signal !== signal) {
      this.#signal = signal;
      signal.addEventListener("abort", () => this.#stop(signal), { once: true });
    }
    if (signal.aborted) return;
    const key = keyOf(obj.metadata);
    const known = this.#canaries.get(key);
    if (known) {
      known.latest = obj;
      return;
    }
    log.info("tracking canary resource {key}", { key });
    const state: CanaryState = { latest: obj, expected: checkValue(obj), healthy: true };
    this.#canaries.set(key, state);
    await this.#bumpAndSchedule(key, state);
  }

  /** The canary is gone (deleted or no longer watched): stop checking it. */
  forget(obj: KubeObject): void {
    const key = keyOf(obj.metadata);
    const state = this.#canaries.get(key);
    if (!state) return;
    clearTimeout(state.timer);
    this.#canaries.delete(key);
  }

  /** The controller stopped: drop every canary and its scheduled check. */
  #stop(signal: AbortSignal): void {
    if (this.#signal !== signal) return;
    for (const state of this.#canaries.values()) clearTimeout(state.timer);
    this.#canaries.clear();
  }

  async #bumpAndSchedule(key: ObjectKey, state: CanaryState): Promise<void> {
    const next = Math.max(state.expected, checkValue(state.latest)) + 1;
    const { namespace, name } = state.latest.metadata;
    try {
      await this.opts.client.patch(this.opts.type, namespace, name!, {
        metadata: { annotations: { [CANARY_CHECK_ANNOTATION]: String(next) } },
      });
      state.expected = next;
    } catch (err) {
      // As FKO: the next check then finds the canary not reconciled (unless it is gone).
      log.warn("could not change canary resource {key}, it may have been deleted: {error}", {
        key,
        error: errorMessage(err),
      });
      state.expected = next;
    }
    if (this.#canaries.get(key) !== state) return;
    const timeoutMs = this.opts.timeoutMs();
    state.timer = setTimeout(() => void this.#check(key, state), timeoutMs);
    // Checks alone must not keep a stopping process alive.
    Deno.unrefTimer(state.timer);
  }

  async #check(key: ObjectKey, state: CanaryState): Promise<void> {
    if (this.#canaries.get(key) !== state) return;
    const seen = checkValue(state.latest);
    if (seen >= state.expected) {
      if (!state.healthy) log.info("canary resource {key} is reconciled again", { key });
      state.healthy = true;
    } else {
      log.error(
        "canary resource {key} was not reconciled within {timeoutMs} ms of its last change " +
          "(expected check {expected}, last reconciled {seen}): the operator is unhealthy",
        { key, timeoutMs: this.opts.timeoutMs(), expected: state.expected, seen },
      );
      state.healthy = false;
    }
    await this.#bumpAndSchedule(key, state);
  }
}

/**
 * Wraps a controller so canaries never reach it: their reconcile only feeds `tracker`, their
 * deletion releases them at once (FKO: `DeleteControl.defaultDelete()`).
 */
export function withCanaries<T extends KubeObject & { status?: unknown }>(
  spec: ControllerSpec<T>,
  tracker: CanaryTracker,
): ControllerSpec<T> {
  return {
    ...spec,
    async reconcile(obj, ctx) {
      if (!isCanary(obj)) return await spec.reconcile(obj, ctx);
      await tracker.reconciled(obj, ctx.signal);
      return Action.done();
    },
    ...(spec.cleanup
      ? {
        async cleanup(obj, ctx) {
          if (!isCanary(obj)) return await spec.cleanup!(obj, ctx);
          tracker.forget(obj);
          return Action.done();
        },
      }
      : {}),
    async onError(obj, err, ctx) {
      if (!isCanary(obj)) await spec.onError?.(obj, err, ctx);
    },
    forget(obj) {
      tracker.forget(obj);
      spec.forget?.(obj);
    },
  };
}
