/**
 * The V8 flags the product runs with, read from deno.json's `compile` task (the container image's
 * binary bakes them in) so the benchmark measures the operator as users run it. They trade a
 * little garbage-collection work for memory: a 1 MB young generation instead of V8's 16 MB
 * semi-spaces, and V8's memory-saving heuristics (docs/benchmarks.md has the figures).
 */
const denoJson = new URL("../../deno.json", import.meta.url);

export function productV8Flags(): string[] {
  const config = JSON.parse(Deno.readTextFileSync(denoJson)) as { tasks?: Record<string, string> };
  return v8FlagsOf(config.tasks?.compile ?? "");
}

/** The `--v8-flags=...` argument of a command line, as a one-element list (or none). */
export function v8FlagsOf(command: string): string[] {
  const match = /(?:^|\s)(--v8-flags=\S+)/.exec(command);
  return match ? [match[1]] : [];
}
