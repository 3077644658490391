/**
 * Maps the paths a Flink process sees (container paths and file system URIs such as
 * `file:///flink/sp`, `file:/flink/sp` or `s3://bucket/x`) to host paths. A container path
 * covered by a mount resolves into the mount's host directory; everything else lives under the
 * shared file system root that stands in for the distributed storage all pods share.
 */
export class ContainerFs {
  readonly #mounts: [string, string][];

  constructor(
    mounts: Record<string, string>,
    readonly sharedFsRoot: string,
    /** Relative paths resolve against the process's working directory, like Java's File. */
    readonly workingDir = "/opt/flink",
  ) {
    // Longest container path first so nested mounts win over their parents.
    this.#mounts = Object.entries(mounts)
      .map(([c, h]): [string, string] => [normalizePath(c), h.replace(/\/+$/, "") || "/"])
      .sort((a, b) => b[0].length - a[0].length);
  }

  /** Host path for a Flink path or URI. */
  hostPath(pathOrUri: string): string {
    const p = parseFlinkPath(pathOrUri, this.workingDir);
    if (p.scheme === "file") return this.mountedHostPath(p.path) ?? join(this.sharedFsRoot, p.path);
    return join(this.sharedFsRoot, `/_schemes/${p.scheme}/${p.authority}${p.path}`);
  }

  /** Host path of a container path only if a mount covers it (the image's own files do not exist). */
  mountedHostPath(containerPath: string): string | undefined {
    const path = normalizePath(containerPath);
    for (const [mountPath, hostDir] of this.#mounts) {
      if (path === mountPath) return hostDir;
      const prefix = mountPath === "/" ? "/" : mountPath + "/";
      if (path.startsWith(prefix)) return join(hostDir, path.slice(prefix.length - 1));
    }
    return undefined;
  }
}

export interface FlinkPath {
  scheme: string;
  authority: string;
  /** Absolute, normalised, never escaping "/". */
  path: string;
}

/** Parses a Flink path the way org.apache.flink.core.fs.Path would, defaulting to `file`. */
export function parseFlinkPath(text: string, workingDir = "/"): FlinkPath {
  const trimmed = text.trim();
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):(.*)$/.exec(trimmed);
  if (!m || m[1].length === 1) {
    const path = trimmed.startsWith("/") ? trimmed : `${workingDir}/${trimmed}`;
    return { scheme: "file", authority: "", path: normalizePath(path) };
  }
  const scheme = m[1].toLowerCase();
  let rest = m[2];
  let authority = "";
  if (rest.startsWith("//")) {
    const end = rest.indexOf("/", 2);
    authority = end < 0 ? rest.slice(2) : rest.slice(2, end);
    rest = end < 0 ? "/" : rest.slice(end);
  }
  if (scheme === "file" && authority === "localhost") authority = "";
  return { scheme, authority, path: normalizePath(decodeURIComponentSafe(rest) || "/") };
}

/**
 * The text Flink reports for a path (`Path.toString()`): `file:/x/y` for local paths (one slash,
 * no authority), `scheme://authority/x` otherwise.
 */
export function flinkPathText(text: string, workingDir = "/"): string {
  const p = parseFlinkPath(text, workingDir);
  if (p.scheme === "file" && !p.authority) return `file:${p.path}`;
  return `${p.scheme}://${p.authority}${p.path}`;
}

/** Joins two Flink paths/URIs: `child` is relative to `parent`. */
export function childPath(parent: string, child: string): string {
  return `${parent.replace(/\/+$/, "")}/${child.replace(/^\/+/, "")}`;
}

/** Removes `.`/`..`/duplicate slashes; `..` never climbs above the root. */
export function normalizePath(path: string): string {
  const out: string[] = [];
  for (const segment of path.split("/")) {
    if (!segment || segment === ".") continue;
    if (segment === "..") out.pop();
    else out.push(segment);
  }
  return "/" + out.join("/");
}

function join(hostDir: string, absolutePath: string): string {
  const base = hostDir.replace(/\/+$/, "");
  return base + normalizePath(absolutePath);
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
