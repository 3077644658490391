/**
 * Where the local cluster keeps things. Everything lives outside the repository, in the same cache
 * root that cluster/build-binaries.sh and ./dev use, so `git clean` never destroys a running
 * cluster and several checkouts can share one set of built binaries.
 */

/** The repository root (this file lives in <root>/cluster/). */
export const repoRoot: string = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

/** `$FLINKOP_CACHE`, else `$XDG_CACHE_HOME/flinkop`, else `~/.cache/flinkop` (as build-binaries.sh). */
export function cacheRoot(): string {
  const explicit = Deno.env.get("FLINKOP_CACHE");
  if (explicit) return explicit;
  const xdg = Deno.env.get("XDG_CACHE_HOME");
  if (xdg) return `${xdg}/flinkop`;
  const home = Deno.env.get("HOME");
  if (!home) throw new Error("HOME is not set; set FLINKOP_CACHE to choose a cache directory");
  return `${home}/.cache/flinkop`;
}

/**
 * The state directory shared by every caller (cli, demo, tests) unless one is given explicitly:
 * `$FLINKOP_STATE_DIR`, else `<cache root>/cluster`. A second cluster (e.g. one inside its own
 * network namespace) takes its own state directory and still shares the cached binaries.
 */
export function defaultStateDir(): string {
  return Deno.env.get("FLINKOP_STATE_DIR") || `${cacheRoot()}/cluster`;
}
