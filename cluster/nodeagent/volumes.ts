import { dirname, join } from "node:path";
import {
  configMapBytes,
  configMapKeys,
  type ConfigSource,
  secretBytes,
  secretKeys,
} from "./config_source.ts";
import { DownwardApiError, fieldRefValue, resourceFieldValue } from "./downward_api.ts";
import type { Container, DownwardApiItem, KeyToPath, Pod, Volume } from "./pod_types.ts";
import type { StateLayout } from "./state_layout.ts";

/** A volume could not be set up; kubelet reports these as FailedMount events and keeps retrying. */
export class VolumeError extends Error {
  constructor(readonly volume: string, message: string) {
    super(message);
    this.name = "VolumeError";
  }
}

/**
 * Stands in for every service-account token: nothing in this cluster verifies one, and the sim
 * talks to the API server through the node agent's own client.
 */
export const PLACEHOLDER_TOKEN = "node-agent-placeholder-token\n";

const encoder = new TextEncoder();

/** The host directory (or file, for hostPath type File) that holds a volume's contents. */
export function volumeHostPath(pod: Pod, volume: Volume, layout: StateLayout): string {
  if (volume.hostPath) return layout.hostPath(volume.hostPath.path);
  if (volume.persistentVolumeClaim) {
    return layout.claimDir(
      pod.metadata.namespace ?? "default",
      volume.persistentVolumeClaim.claimName,
    );
  }
  return layout.volumeDir(pod.metadata.uid!, volume.name);
}

/** The container's mount path -> host path map, following subPath into the volume. */
export function containerMounts(
  pod: Pod,
  container: Container,
  layout: StateLayout,
): Record<string, string> {
  const volumes = new Map((pod.spec.volumes ?? []).map((v) => [v.name, v]));
  const mounts: Record<string, string> = {};
  for (const mount of container.volumeMounts ?? []) {
    const volume = volumes.get(mount.name);
    if (!volume) continue;
    const base = volumeHostPath(pod, volume, layout);
    mounts[mount.mountPath] = mount.subPath ? join(base, safeRelative(mount.subPath)) : base;
  }
  return mounts;
}

/**
 * Writes one volume's contents to disk. Safe to call again after a failure: files are rewritten,
 * directories kept. Unsupported volume types become empty directories (logged by the caller).
 */
export async function materializeVolume(
  pod: Pod,
  volume: Volume,
  podIP: string,
  layout: StateLayout,
  source: ConfigSource,
): Promise<{ unsupported?: string }> {
  try {
    return await writeVolume(pod, volume, podIP, layout, source);
  } catch (err) {
    if (err instanceof VolumeError && !err.volume) throw new VolumeError(volume.name, err.message);
    throw err;
  }
}

async function writeVolume(
  pod: Pod,
  volume: Volume,
  podIP: string,
  layout: StateLayout,
  source: ConfigSource,
): Promise<{ unsupported?: string }> {
  const target = volumeHostPath(pod, volume, layout);
  const namespace = pod.metadata.namespace ?? "default";

  if (volume.hostPath) {
    const type = volume.hostPath.type ?? "";
    if (["File", "FileOrCreate", "Socket", "CharDevice", "BlockDevice"].includes(type)) {
      await Deno.mkdir(dirname(target), { recursive: true });
      if (type === "FileOrCreate") await Deno.writeFile(target, new Uint8Array(), { append: true });
    } else {
      await Deno.mkdir(target, { recursive: true });
    }
    return {};
  }

  await Deno.mkdir(target, { recursive: true });
  if (volume.configMap) {
    const ref = volume.configMap;
    const files = await configMapFiles(namespace, ref.name, ref.items, ref.optional, source);
    await writeFiles(volume.name, target, files, ref.defaultMode);
  } else if (volume.secret) {
    const ref = volume.secret;
    const files = await secretFiles(namespace, ref.secretName, ref.items, ref.optional, source);
    await writeFiles(volume.name, target, files, ref.defaultMode);
  } else if (volume.downwardAPI) {
    const files = downwardApiFiles(volume.name, pod, podIP, volume.downwardAPI.items ?? []);
    await writeFiles(volume.name, target, files, volume.downwardAPI.defaultMode);
  } else if (volume.projected) {
    const files: VolumeFile[] = [];
    for (const src of volume.projected.sources ?? []) {
      if (src.configMap) {
        const ref = src.configMap;
        files.push(...await configMapFiles(namespace, ref.name, ref.items, ref.optional, source));
      } else if (src.secret) {
        const ref = src.secret;
        files.push(...await secretFiles(namespace, ref.name, ref.items, ref.optional, source));
      } else if (src.downwardAPI) {
        files.push(...downwardApiFiles(volume.name, pod, podIP, src.downwardAPI.items ?? []));
      } else if (src.serviceAccountToken) {
        files.push({ path: src.serviceAccountToken.path, data: encoder.encode(PLACEHOLDER_TOKEN) });
      } else if (src.clusterTrustBundle) {
        files.push({ path: src.clusterTrustBundle.path, data: new Uint8Array() });
      }
    }
    await writeFiles(volume.name, target, files, volume.projected.defaultMode);
  } else if (!volume.emptyDir && !volume.persistentVolumeClaim) {
    const kind = Object.keys(volume).find((k) => k !== "name") ?? "unknown";
    return { unsupported: kind };
  }
  return {};
}

interface VolumeFile {
  path: string;
  data: Uint8Array;
  mode?: number;
}

async function configMapFiles(
  namespace: string,
  name: string,
  items: KeyToPath[] | undefined,
  optional: boolean | undefined,
  source: ConfigSource,
): Promise<VolumeFile[]> {
  const cm = await source.configMap(namespace, name);
  if (!cm) {
    if (optional) return [];
    throw new VolumeError("", `configmap "${name}" not found`);
  }
  return selectFiles(
    configMapKeys(cm),
    (key) => configMapBytes(cm, key),
    items,
    optional,
    "configmap",
  );
}

async function secretFiles(
  namespace: string,
  name: string,
  items: KeyToPath[] | undefined,
  optional: boolean | undefined,
  source: ConfigSource,
): Promise<VolumeFile[]> {
  const secret = await source.secret(namespace, name);
  if (!secret) {
    if (optional) return [];
    throw new VolumeError("", `secret "${name}" not found`);
  }
  return selectFiles(
    secretKeys(secret),
    (key) => secretBytes(secret, key),
    items,
    optional,
    "secret",
  );
}

/** All keys as files named after them, or only `items`, each at its own path. */
function selectFiles(
  keys: string[],
  read: (key: string) => Uint8Array | undefined,
  items: KeyToPath[] | undefined,
  optional: boolean | undefined,
  kind: string,
): VolumeFile[] {
  if (!items?.length) return keys.map((key) => ({ path: key, data: read(key)! }));
  const files: VolumeFile[] = [];
  for (const item of items) {
    const data = read(item.key);
    if (data === undefined) {
      if (optional) continue;
      throw new VolumeError("", `${kind} references non-existent config key: ${item.key}`);
    }
    files.push({ path: item.path, data, mode: item.mode });
  }
  return files;
}

function downwardApiFiles(
  volume: string,
  pod: Pod,
  podIP: string,
  items: DownwardApiItem[],
): VolumeFile[] {
  return items.map((item) => {
    try {
      let value = "";
      if (item.fieldRef) value = fieldRefValue(pod, item.fieldRef.fieldPath, podIP);
      else if (item.resourceFieldRef) {
        const ref = item.resourceFieldRef;
        const container = pod.spec.containers.find((c) => c.name === ref.containerName);
        value = resourceFieldValue(container, ref.resource);
      }
      return { path: item.path, data: encoder.encode(value), mode: item.mode };
    } catch (err) {
      if (err instanceof DownwardApiError) throw new VolumeError(volume, err.message);
      throw err;
    }
  });
}

async function writeFiles(
  volume: string,
  dir: string,
  files: VolumeFile[],
  defaultMode: number | undefined,
): Promise<void> {
  for (const file of files) {
    const rel = safeRelative(file.path);
    if (!rel) throw new VolumeError(volume, `invalid file path "${file.path}"`);
    const path = join(dir, rel);
    await Deno.mkdir(dirname(path), { recursive: true });
    // Kubernetes defaults file modes to 0644; owner-write keeps re-materialising possible.
    await Deno.writeFile(path, file.data, { mode: (file.mode ?? defaultMode ?? 0o644) | 0o200 });
  }
}

/** Drops empty, "." and ".." segments so a key or subPath cannot escape its volume. */
function safeRelative(path: string): string {
  return path.split("/").filter((p) => p && p !== "." && p !== "..").join("/");
}
