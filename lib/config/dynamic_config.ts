/**
 * Dynamic operator configuration (FKO's FlinkConfigManager): with
 * `kubernetes.operator.dynamic.config.enabled` the configuration is loaded again from the same
 * sources every `kubernetes.operator.dynamic.config.check.interval` (both read once, at start). A
 * changed configuration replaces the current one, so each resource's next reconcile uses it; an
 * invalid one is reported and the current one kept.
 */
import { isSecretKey, REDACTED } from "../log/redact_secrets.ts";
import type { OperatorConfig } from "./operator_config.ts";
import type { FlatConfig } from "./options.ts";

export type ReloadResult =
  | { readonly kind: "unchanged" }
  | {
    readonly kind: "changed";
    readonly previous: OperatorConfig;
    readonly next: OperatorConfig;
    /** Keys added, removed or given another value, sorted. */
    readonly changedKeys: readonly string[];
  }
  | { readonly kind: "invalid"; readonly error: unknown };

/** The current operator configuration, replaced by {@link reload} when its sources change. */
export class DynamicConfig {
  #current: OperatorConfig;

  constructor(initial: OperatorConfig, private readonly load: () => OperatorConfig) {
    this.#current = initial;
  }

  get current(): OperatorConfig {
    return this.#current;
  }

  /** Loads the configuration again; never throws (an invalid one is returned as such). */
  reload(): ReloadResult {
    let next: OperatorConfig;
    try {
      next = this.load();
    } catch (error) {
      return { kind: "invalid", error };
    }
    const previous = this.#current;
    const changedKeys = changedConfigKeys(previous.raw, next.raw);
    if (changedKeys.length === 0) return { kind: "unchanged" };
    this.#current = next;
    return { kind: "changed", previous, next, changedKeys };
  }

  /**
   * Reloads every `intervalMs` until `signal` aborts, handing each result to `onResult` (which
   * must not throw). The first check comes one interval after the start, as in FKO.
   */
  async run(
    intervalMs: number,
    signal: AbortSignal,
    onResult: (result: ReloadResult) => void,
  ): Promise<void> {
    while (!signal.aborted) {
      await sleep(intervalMs, signal);
      if (signal.aborted) return;
      onResult(this.reload());
    }
  }
}

/** Keys whose value differs between two flat configurations, sorted. */
export function changedConfigKeys(a: FlatConfig, b: FlatConfig): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].filter((key) => a[key] !== b[key]).sort();
}

/**
 * A flat configuration as FKO logs it (`{key=value, ...}`, keys sorted), secret values hidden.
 */
export function describeConfig(config: FlatConfig): string {
  const entries = Object.keys(config).sort()
    .map((key) => `${key}=${isSecretKey(key) ? REDACTED : config[key]}`);
  return `{${entries.join(", ")}}`;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
