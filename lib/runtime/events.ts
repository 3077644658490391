import { getLogger } from "@logtape/logtape";
import type { KubeClient } from "../kube/client.ts";
import { isAlreadyExists, isNotFound } from "../kube/errors.ts";
import { type KubeObject, Resources } from "../kube/resource.ts";
import { redactSecretText } from "../log/redact_text.ts";
import { errorMessage } from "../error_message.ts";

const log = getLogger(["flinkop", "runtime", "events"]);

export type EventType = "Normal" | "Warning";

export interface EventSpec {
  type: EventType;
  reason: string;
  message: string;
  /** FKO's source component: Operator, JobManagerDeployment, Job, Snapshot. */
  component?: string;
  /** Dedupe on this instead of the message, for messages that vary but mean the same thing. */
  messageKey?: string;
  /** Annotations of the Event object (set on creation, updated on repeats), as FKO's. */
  annotations?: Record<string, string>;
}

interface CoreEvent extends KubeObject {
  count?: number;
}

/**
 * Records core/v1 Events on the real Events API. Repeats of the same event (same name) bump
 * `count` and `lastTimestamp` instead of creating new objects, as kubectl and FKO expect. Names
 * follow FKO (`<Component>.<31-bit Java string hash>`) so events written by FKO for the same
 * resource are continued rather than duplicated after a migration. Values of secret-looking keys
 * are masked in messages. Recording never fails a reconcile: errors are logged.
 */
export class EventRecorder {
  readonly #counts = new Map<string, number>();

  constructor(
    private readonly client: KubeClient,
    private readonly reportingComponent = "flinkop",
    private readonly reportingInstance = Deno.hostname?.() ?? "flinkop",
  ) {}

  async record(target: KubeObject, spec: EventSpec): Promise<boolean> {
    try {
      await this.#record(target, spec);
      return true;
    } catch (err) {
      log.warn("cannot record event {reason} on {name}: {error}", {
        reason: spec.reason,
        name: target.metadata.name,
        error: errorMessage(err),
      });
      return false;
    }
  }

  async #record(target: KubeObject, spec: EventSpec): Promise<void> {
    const component = spec.component ?? "Operator";
    const message = redactSecretValues(spec.message);
    const ns = target.metadata.namespace ?? "default";
    const name = eventName(target, { ...spec, component });
    const cacheKey = `${ns}/${name}`;
    const now = new Date().toISOString();
    const seen = this.#counts.get(cacheKey);
    const annotations = spec.annotations ? { metadata: { annotations: spec.annotations } } : {};
    if (seen !== undefined) {
      try {
        await this.client.patch(Resources.events, ns, name, {
          ...annotations,
          count: seen + 1,
          lastTimestamp: now,
          message,
        });
        this.#counts.set(cacheKey, seen + 1);
        return;
      } catch (err) {
        if (!isNotFound(err)) throw err;
        this.#counts.delete(cacheKey); // expired by the server's event TTL: start over
      }
    }
    const event: CoreEvent = {
      apiVersion: "v1",
      kind: "Event",
      metadata: {
        name,
        namespace: ns,
        ...(spec.annotations ? { annotations: spec.annotations } : {}),
      },
      involvedObject: {
        apiVersion: target.apiVersion,
        kind: target.kind,
        name: target.metadata.name,
        namespace: target.metadata.namespace,
        uid: target.metadata.uid,
      },
      reason: spec.reason,
      message,
      type: spec.type,
      source: { component },
      reportingComponent: this.reportingComponent,
      reportingInstance: this.reportingInstance,
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    };
    try {
      await this.client.create(Resources.events, ns, event);
      this.#counts.set(cacheKey, 1);
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      // Written before we (re)started: continue its count.
      const existing = await this.client.get<CoreEvent>(Resources.events, ns, name);
      const count = (existing?.count ?? 1) + 1;
      await this.client.patch(Resources.events, ns, name, {
        ...annotations,
        count,
        lastTimestamp: now,
        message,
      });
      this.#counts.set(cacheKey, count);
    }
  }
}

export function eventName(target: KubeObject, spec: EventSpec & { component: string }): string {
  const key = spec.reason + (spec.messageKey ?? spec.message) + spec.type + (target.kind ?? "") +
    (target.metadata.name ?? "") + (target.metadata.uid ?? "");
  return `${spec.component}.${javaStringHash(key) & 0x7fffffff}`;
}

/** Java's String.hashCode over UTF-16 code units, as FKO uses for event names. */
export function javaStringHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

/**
 * Masks `key=value` / `key: value` pairs whose key looks secret, inside free text, and the
 * masked values wherever else the text repeats them (lib/log/redact_text.ts, as for status).
 */
export function redactSecretValues(text: string): string {
  return redactSecretText(text);
}
