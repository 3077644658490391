import type { BenchCluster } from "./bench_cluster.ts";
import type { BenchResult } from "./result.ts";

/** What every benchmark gets: the bench cluster (started lazily, shared across benchmarks). */
export interface BenchContext {
  cluster: BenchCluster;
}

export interface Benchmark {
  /** Selectable on the command line: `deno task bench <name>`. */
  name: string;
  /** One line shown before it runs. */
  description: string;
  run(ctx: BenchContext): Promise<BenchResult>;
}

/** A result skeleton to fill in, so every benchmark reports in the same shape. */
export function newResult(name: string): BenchResult {
  return { name, figures: [], targets: [], notes: [] };
}
