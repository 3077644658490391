import { type FlatConfig, NAMESPACE_DEFAULTS_PREFIX, VERSION_DEFAULTS_PREFIX } from "./options.ts";

/**
 * Namespace and Flink-version defaults (`kubernetes.operator.default-configuration.*`, reference
 * §2.1): keys in the operator configuration that apply another key only to some resources.
 */

/** One `default-configuration` entry, decomposed. */
export type DefaultsKey =
  | { readonly kind: "namespace"; readonly namespace: string; readonly key: string }
  | {
    readonly kind: "flinkVersion";
    readonly version: readonly [number, number];
    readonly andLater: boolean;
    readonly key: string;
  };

const NAMESPACE_KEY = /^([^.]+)\.(.+)$/;
const VERSION_KEY = /^v(\d+)_(\d+)(\+?)\.(.+)$/;

/** Decomposes a `default-configuration` key; undefined for any other key. */
export function parseDefaultsKey(key: string): DefaultsKey | undefined {
  if (key.startsWith(NAMESPACE_DEFAULTS_PREFIX)) {
    const match = NAMESPACE_KEY.exec(key.slice(NAMESPACE_DEFAULTS_PREFIX.length));
    return match ? { kind: "namespace", namespace: match[1], key: match[2] } : undefined;
  }
  if (key.startsWith(VERSION_DEFAULTS_PREFIX)) {
    const match = VERSION_KEY.exec(key.slice(VERSION_DEFAULTS_PREFIX.length));
    if (!match) return undefined;
    const version = [Number(match[1]), Number(match[2])] as const;
    return { kind: "flinkVersion", version, andLater: match[3] === "+", key: match[4] };
  }
  return undefined;
}

/** True for any key under `kubernetes.operator.default-configuration.`. */
export function isDefaultsKey(key: string): boolean {
  return key.startsWith(NAMESPACE_DEFAULTS_PREFIX) || key.startsWith(VERSION_DEFAULTS_PREFIX);
}

/** Parses a `spec.flinkVersion` value such as `v1_20`. */
export function parseFlinkVersion(value: string | undefined): [number, number] | undefined {
  const match = /^v(\d+)_(\d+)$/.exec(value ?? "");
  return match ? [Number(match[1]), Number(match[2])] : undefined;
}

/**
 * The defaults that apply to a resource, in FKO's order: namespace defaults, then `vX_Y+` defaults
 * for versions up to the resource's in ascending order, then the exact-version defaults.
 */
export function applicableDefaults(
  config: FlatConfig,
  namespace: string | undefined,
  flinkVersion: string | undefined,
): Record<string, string> {
  const target = parseFlinkVersion(flinkVersion);
  const namespaced: Record<string, string> = {};
  const andLater: { version: readonly [number, number]; key: string; value: string }[] = [];
  const exact: Record<string, string> = {};
  for (const [rawKey, value] of Object.entries(config)) {
    const parsed = parseDefaultsKey(rawKey);
    if (parsed?.kind === "namespace") {
      if (parsed.namespace === namespace) namespaced[parsed.key] = value;
    } else if (parsed?.kind === "flinkVersion" && target) {
      const order = compareVersions(parsed.version, target);
      if (parsed.andLater && order <= 0) andLater.push({ ...parsed, value });
      else if (!parsed.andLater && order === 0) exact[parsed.key] = value;
    }
  }
  // A stable sort keeps file order among keys of the same version.
  andLater.sort((a, b) => compareVersions(a.version, b.version));
  const versioned = Object.fromEntries(andLater.map(({ key, value }) => [key, value]));
  return { ...namespaced, ...versioned, ...exact };
}

function compareVersions(a: readonly [number, number], b: readonly [number, number]): number {
  return a[0] - b[0] || a[1] - b[1];
}
