/** ZooKeeper node paths: absolute, `/`-separated, no empty, `.` or `..` segments, no trailing `/`. */

/** Joins path parts the way Flink builds its ZooKeeper paths: `("/flink/", "x", "/jobs")` → `/flink/x/jobs`. */
export function joinPath(...parts: string[]): string {
  const segments = parts.flatMap((p) => p.split("/")).filter((s) => s !== "");
  return `/${segments.join("/")}`;
}

/** Throws a RangeError naming the problem when `path` is not a valid node path. */
export function checkPath(path: string): string {
  const problem = pathProblem(path);
  if (problem) throw new RangeError(`invalid ZooKeeper path "${path}": ${problem}`);
  return path;
}

function pathProblem(path: string): string | undefined {
  if (!path.startsWith("/")) return "it must start with /";
  if (path === "/") return undefined;
  if (path.endsWith("/")) return "it must not end with /";
  for (const segment of path.slice(1).split("/")) {
    if (segment === "") return "it has an empty segment (//)";
    if (segment === "." || segment === "..") return `it has a "${segment}" segment`;
  }
  if (path.includes("\u0000")) return "it contains a NUL character";
  return undefined;
}

/** The parent of a node path (`/` for a top-level node). */
export function parentOf(path: string): string {
  const at = path.lastIndexOf("/");
  return at <= 0 ? "/" : path.slice(0, at);
}

/** A client path under a chroot, as the server sees it. */
export function serverPath(chroot: string, path: string): string {
  if (!chroot) return path;
  return path === "/" ? chroot : chroot + path;
}

/** A server path back under the chroot, as the client sees it. */
export function clientPath(chroot: string, path: string): string {
  if (!chroot || !path.startsWith(chroot)) return path;
  const rest = path.slice(chroot.length);
  return rest === "" ? "/" : rest;
}
