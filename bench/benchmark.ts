import type { BenchCluster } from "./bench_cluster.ts";
import type { BenchResult } from "./result.ts";

/** What every benchmark gets: the bench cluster (started lazily, shared across benchmarks). */
export interface BenchContext {
  cluster: BenchCluster;
  /** `--name value` options from the command line (e.g. `--deployments 300`), by name. */
  options: ReadonlyMap<string, string>;
}

export interface Benchmark {
  /** Selectable on the command line: `deno task bench <name>`. */
  name: string;
  /** One line shown before it runs. */
  description: string;
  /** Options it reads from the command line, for --help: `--name value  what it does`. */
  options?: string[];
  /** One result, or one per measured configuration (each printed as its own result line). */
  run(ctx: BenchContext): Promise<BenchResult | BenchResult[]>;
}

/** A result skeleton to fill in, so every benchmark reports in the same shape. */
export function newResult(name: string): BenchResult {
  return { name, figures: [], targets: [], notes: [] };
}
