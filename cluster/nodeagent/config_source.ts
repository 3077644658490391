import type { KubeClient } from "../../lib/kube/client.ts";
import { Resources } from "../../lib/kube/resource.ts";
import type { ConfigMap, Secret } from "./pod_types.ts";

/** Where env vars and volumes read ConfigMaps and Secrets from; undefined means "not found". */
export interface ConfigSource {
  configMap(namespace: string, name: string): Promise<ConfigMap | undefined>;
  secret(namespace: string, name: string): Promise<Secret | undefined>;
}

/**
 * Reads straight from the API server (pods only start now and then, so no cache or watch), at most
 * `concurrency` requests at a time: hundreds of pods starting together (an agent restart) would
 * otherwise trip the API server's max-in-flight limit with 429s.
 */
export function apiConfigSource(kube: KubeClient, concurrency = 16): ConfigSource {
  const limit = concurrencyLimit(concurrency);
  return {
    configMap: (ns, name) => limit(() => kube.get<ConfigMap>(Resources.configMaps, ns, name)),
    secret: (ns, name) => limit(() => kube.get<Secret>(Resources.secrets, ns, name)),
  };
}

/** Runs the given tasks with at most `max` of them pending at once, in arrival order. */
export function concurrencyLimit(max: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (active >= max) await new Promise<void>((resolve) => waiting.push(resolve));
    active++;
    try {
      return await task();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

/**
 * Remembers each lookup, so one container start that names the same ConfigMap in several env vars
 * and volumes reads it once. Make a new one per start: it never refreshes.
 */
export function memoizedConfigSource(inner: ConfigSource): ConfigSource {
  const configMaps = new Map<string, Promise<ConfigMap | undefined>>();
  const secrets = new Map<string, Promise<Secret | undefined>>();
  const once = <T>(cache: Map<string, Promise<T>>, key: string, load: () => Promise<T>) => {
    let hit = cache.get(key);
    if (!hit) {
      hit = load();
      cache.set(key, hit);
    }
    return hit;
  };
  return {
    configMap: (ns, name) => once(configMaps, `${ns}/${name}`, () => inner.configMap(ns, name)),
    secret: (ns, name) => once(secrets, `${ns}/${name}`, () => inner.secret(ns, name)),
  };
}

/** A referenced ConfigMap, Secret or key is missing: kubelet's CreateContainerConfigError. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

/** Returns a Secret's value for key decoded to bytes (data is base64, stringData is plain). */
export function secretBytes(secret: Secret, key: string): Uint8Array | undefined {
  const encoded = secret.data?.[key];
  if (encoded !== undefined) return decodeBase64(encoded);
  const plain = secret.stringData?.[key];
  return plain === undefined ? undefined : new TextEncoder().encode(plain);
}

export function secretKeys(secret: Secret): string[] {
  return [...new Set([...Object.keys(secret.data ?? {}), ...Object.keys(secret.stringData ?? {})])];
}

/** Returns a ConfigMap's value for key as bytes (data is text, binaryData is base64). */
export function configMapBytes(cm: ConfigMap, key: string): Uint8Array | undefined {
  const text = cm.data?.[key];
  if (text !== undefined) return new TextEncoder().encode(text);
  const binary = cm.binaryData?.[key];
  return binary === undefined ? undefined : decodeBase64(binary);
}

export function configMapKeys(cm: ConfigMap): string[] {
  return [...Object.keys(cm.data ?? {}), ...Object.keys(cm.binaryData ?? {})];
}

export function decodeBase64(encoded: string): Uint8Array {
  const binary = atob(encoded);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
