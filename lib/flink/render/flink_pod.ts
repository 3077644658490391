import { ConfigError } from "../../config/config_error.ts";
import { MAIN_CONTAINER_NAME } from "./cluster_names.ts";
import { decodeFlinkList, decodeFlinkMap } from "./flink_structured_value.ts";
import { formatJavaDouble } from "./flink_value_text.ts";
import { ensureMainContainer, mainContainerOf, type PodTemplate } from "./pod_template.ts";
import { errorMessage } from "../../error_message.ts";

/**
 * Turns a role's pod template into the pod template of its Deployment the way Flink's
 * decorators do (InitJobManagerDecorator / InitStandaloneTaskManagerDecorator and friends):
 * Flink's labels, annotations, image and resources are laid over the template, ports, env,
 * volumes and pull secrets are appended, and the main container ends up last, after the
 * user's sidecars.
 */
export interface FlinkPodParams {
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  /** Explicitly configured service account; the template's, then `default`, otherwise. */
  readonly serviceAccount?: string;
  readonly image?: string;
  readonly imagePullPolicy?: string;
  readonly imagePullSecrets: readonly string[];
  readonly nodeSelector: Record<string, string>;
  readonly tolerations: readonly Record<string, unknown>[];
  readonly schedulerName?: string;
  readonly hostNetwork: boolean;
  readonly resources: ContainerSizing;
  readonly ports: readonly { name: string; containerPort: number }[];
  /** Appended after the template's env, in order. */
  readonly env: readonly Record<string, unknown>[];
  readonly command: readonly string[];
  /** `replace`: these are the args; `append`: added after the template's args. */
  readonly args: { readonly mode: "replace" | "append"; readonly values: readonly string[] };
  readonly volumes: readonly Record<string, unknown>[];
  readonly volumeMounts: readonly Record<string, unknown>[];
}

export interface ContainerSizing {
  readonly cpu: number;
  readonly cpuLimitFactor: number;
  /** Unknown when the memory configuration is too fine-grained to total up here. */
  readonly memoryMiB?: number;
  readonly memoryLimitFactor: number;
}

/** Returns `{metadata, spec}` for a Deployment's `spec.template`. */
export function buildFlinkPod(
  template: PodTemplate | undefined,
  params: FlinkPodParams,
): PodTemplate {
  const pod = ensureMainContainer(template);
  const userMain = mainContainerOf(pod);
  const metadata = { ...(pod.metadata as Record<string, unknown> | undefined) };
  const spec = { ...(pod.spec as Record<string, unknown>) };

  metadata.labels = { ...(metadata.labels as object | undefined), ...params.labels };
  const annotations = { ...(metadata.annotations as object | undefined), ...params.annotations };
  if (Object.keys(annotations).length > 0) metadata.annotations = annotations;

  const serviceAccount = params.serviceAccount ??
    (spec.serviceAccountName as string | undefined) ??
    (spec.serviceAccount as string | undefined) ??
    "default";
  spec.serviceAccount = serviceAccount;
  spec.serviceAccountName = serviceAccount;
  if (params.hostNetwork) spec.hostNetwork = true;
  spec.dnsPolicy ??= params.hostNetwork ? "ClusterFirstWithHostNet" : "ClusterFirst";
  // Deployments only accept Always; Flink overrides whatever the template says.
  spec.restartPolicy = "Always";
  if (params.imagePullSecrets.length > 0) {
    spec.imagePullSecrets = [
      ...asArray(spec.imagePullSecrets),
      ...params.imagePullSecrets.map((name) => ({ name })),
    ];
  }
  if (Object.keys(params.nodeSelector).length > 0) {
    spec.nodeSelector = { ...(spec.nodeSelector as object | undefined), ...params.nodeSelector };
  }
  if (params.tolerations.length > 0) {
    spec.tolerations = [...asArray(spec.tolerations), ...params.tolerations];
  }
  if (params.schedulerName !== undefined) spec.schedulerName = params.schedulerName;
  if (params.volumes.length > 0) spec.volumes = [...asArray(spec.volumes), ...params.volumes];

  const main: Record<string, unknown> = { ...userMain, name: MAIN_CONTAINER_NAME };
  const image = params.image ?? (userMain.image as string | undefined);
  if (image !== undefined) main.image = image;
  main.imagePullPolicy = params.imagePullPolicy ?? userMain.imagePullPolicy ?? "IfNotPresent";
  main.resources = sizedResources(userMain.resources, params.resources);
  if (!params.hostNetwork) main.ports = [...asArray(userMain.ports), ...params.ports];
  const env = [...asArray(userMain.env), ...params.env];
  if (env.length > 0) main.env = env;
  main.command = [...params.command];
  main.args = params.args.mode === "replace"
    ? [...params.args.values]
    : [...asArray(userMain.args), ...params.args.values];
  const mounts = [...asArray(userMain.volumeMounts), ...params.volumeMounts];
  if (mounts.length > 0) main.volumeMounts = mounts;

  const sidecars = asArray(spec.containers).filter((c) => c !== userMain);
  spec.containers = [...sidecars, main];
  return { metadata, spec };
}

/** Template requests/limits with cpu and memory replaced by Flink's sizing. */
function sizedResources(current: unknown, sizing: ContainerSizing): Record<string, unknown> {
  const resources = { ...(current as Record<string, unknown> | undefined) };
  const requests: Record<string, unknown> = { ...(resources.requests as object | undefined) };
  const limits: Record<string, unknown> = { ...(resources.limits as object | undefined) };
  requests.cpu = formatJavaDouble(sizing.cpu);
  limits.cpu = formatJavaDouble(sizing.cpu * sizing.cpuLimitFactor);
  if (sizing.memoryMiB !== undefined) {
    requests.memory = `${sizing.memoryMiB}Mi`;
    limits.memory = `${Math.floor(sizing.memoryMiB * sizing.memoryLimitFactor)}Mi`;
  }
  resources.requests = requests;
  resources.limits = limits;
  return resources;
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/**
 * Readers of the Flink options that shape pods, with Flink's defaults. Invalid values raise a
 * {@link ConfigError} naming the key.
 */
export class PodOptionReader {
  constructor(private readonly conf: Readonly<Record<string, string>>) {}

  string(...keys: string[]): string | undefined {
    for (const key of keys) {
      const value = this.conf[key]?.trim();
      if (value) return value;
    }
    return undefined;
  }

  number(...keys: string[]): number | undefined {
    for (const key of keys) {
      const text = this.conf[key]?.trim();
      if (!text) continue;
      const value = Number(text);
      if (!Number.isFinite(value)) {
        throw new ConfigError({ key, message: `"${text}" is not a number` });
      }
      return value;
    }
    return undefined;
  }

  bool(key: string): boolean {
    return this.conf[key]?.trim().toLowerCase() === "true";
  }

  map(key: string): Record<string, string> {
    const text = this.conf[key];
    if (text === undefined || text.trim() === "") return {};
    return this.decode(key, () => decodeFlinkMap(text));
  }

  list(key: string): string[] {
    const text = this.conf[key];
    if (text === undefined || text.trim() === "") return [];
    return this.decode(key, () => decodeFlinkList(text));
  }

  /** List of maps, e.g. tolerations `key:k,operator:Equal,effect:NoSchedule;key:...`. */
  mapList(key: string): Record<string, string>[] {
    return this.list(key).map((item) => this.decode(key, () => decodeFlinkMap(item)));
  }

  /** Env vars from `<prefix><NAME>` keys, e.g. `containerized.master.env.FOO`. */
  prefixed(prefix: string): Record<string, string> {
    return Object.fromEntries(
      Object.entries(this.conf)
        .filter(([key]) => key.startsWith(prefix) && key.length > prefix.length)
        .map(([key, value]) => [key.slice(prefix.length), value]),
    );
  }

  private decode<T>(key: string, read: () => T): T {
    try {
      return read();
    } catch (error) {
      throw new ConfigError({ key, message: errorMessage(error) });
    }
  }
}
