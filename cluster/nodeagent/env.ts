import {
  ConfigError,
  configMapKeys,
  type ConfigSource,
  secretBytes,
  secretKeys,
} from "./config_source.ts";
import { DownwardApiError, fieldRefValue, resourceFieldValue } from "./downward_api.ts";
import type { Container, EnvVar, Pod } from "./pod_types.ts";

const decoder = new TextDecoder();

/**
 * Builds a container's environment as kubelet does: `envFrom` sources in order, then `env` entries
 * (later names win), with `$(NAME)` references in `value` expanded against what is defined so far.
 * A missing non-optional ConfigMap, Secret or key throws ConfigError.
 */
export async function resolveEnv(
  pod: Pod,
  container: Container,
  podIP: string,
  source: ConfigSource,
): Promise<Record<string, string>> {
  const namespace = pod.metadata.namespace ?? "default";
  const env: Record<string, string> = {};

  for (const from of container.envFrom ?? []) {
    const prefix = from.prefix ?? "";
    if (from.configMapRef) {
      const cm = await source.configMap(namespace, from.configMapRef.name);
      if (!cm) {
        if (from.configMapRef.optional) continue;
        throw new ConfigError(`configmap "${from.configMapRef.name}" not found`);
      }
      for (const key of configMapKeys(cm)) {
        if (cm.data?.[key] !== undefined) env[prefix + key] = cm.data[key];
      }
    } else if (from.secretRef) {
      const secret = await source.secret(namespace, from.secretRef.name);
      if (!secret) {
        if (from.secretRef.optional) continue;
        throw new ConfigError(`secret "${from.secretRef.name}" not found`);
      }
      for (const key of secretKeys(secret)) {
        env[prefix + key] = decoder.decode(secretBytes(secret, key));
      }
    }
  }

  for (const entry of container.env ?? []) {
    const value = await envValue(entry, pod, container, podIP, namespace, source, env);
    if (value !== undefined) env[entry.name] = value;
  }
  return env;
}

async function envValue(
  entry: EnvVar,
  pod: Pod,
  container: Container,
  podIP: string,
  namespace: string,
  source: ConfigSource,
  definedSoFar: Record<string, string>,
): Promise<string | undefined> {
  const from = entry.valueFrom;
  if (!from) return expandReferences(entry.value ?? "", definedSoFar);
  try {
    if (from.fieldRef) return fieldRefValue(pod, from.fieldRef.fieldPath, podIP);
    if (from.resourceFieldRef) {
      const target = from.resourceFieldRef.containerName
        ? [...pod.spec.containers, ...(pod.spec.initContainers ?? [])].find((c) =>
          c.name === from.resourceFieldRef!.containerName
        )
        : container;
      return resourceFieldValue(
        target,
        from.resourceFieldRef.resource,
        from.resourceFieldRef.divisor,
      );
    }
  } catch (err) {
    if (err instanceof DownwardApiError) throw new ConfigError(`env ${entry.name}: ${err.message}`);
    throw err;
  }
  if (from.configMapKeyRef) {
    const ref = from.configMapKeyRef;
    const cm = await source.configMap(namespace, ref.name);
    if (!cm) {
      if (ref.optional) return undefined;
      throw new ConfigError(`configmap "${ref.name}" not found`);
    }
    const value = cm.data?.[ref.key];
    if (value === undefined && !ref.optional) {
      throw new ConfigError(`couldn't find key ${ref.key} in ConfigMap ${namespace}/${ref.name}`);
    }
    return value;
  }
  if (from.secretKeyRef) {
    const ref = from.secretKeyRef;
    const secret = await source.secret(namespace, ref.name);
    if (!secret) {
      if (ref.optional) return undefined;
      throw new ConfigError(`secret "${ref.name}" not found`);
    }
    const bytes = secretBytes(secret, ref.key);
    if (bytes === undefined) {
      if (ref.optional) return undefined;
      throw new ConfigError(`couldn't find key ${ref.key} in Secret ${namespace}/${ref.name}`);
    }
    return decoder.decode(bytes);
  }
  return "";
}

/**
 * Kubernetes' `$(NAME)` syntax, used in env values, command and args: a defined NAME is replaced,
 * an undefined one is left as written, and `$$` stands for a literal `$`.
 */
export function expandReferences(text: string, env: Record<string, string>): string {
  if (!text.includes("$")) return text;
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch !== "$" || i + 1 >= text.length) {
      out += ch;
      continue;
    }
    const next = text[i + 1];
    if (next === "$") {
      out += "$";
      i++;
    } else if (next === "(") {
      const close = text.indexOf(")", i + 2);
      if (close < 0) {
        out += text.slice(i);
        break;
      }
      const name = text.slice(i + 2, close);
      out += Object.hasOwn(env, name) ? env[name] : text.slice(i, close + 1);
      i = close;
    } else {
      out += ch;
    }
  }
  return out;
}
