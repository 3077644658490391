/**
 * `deno task bench [name...]`: runs the benchmarks (all, or the named ones) and prints what they
 * measured. A benchmark reports; it is not a test: a missed target is printed as MISS and the run
 * still exits 0. Only a bad command line exits non-zero.
 *
 * The order is chosen so that one benchmark's leftovers do not skew the next: the pure queue
 * benchmark first, then the cluster start, the single-upgrade timing on a quiet cluster, the 500
 * JobManagers (which wait for their own teardown), and the 10,000 objects last, because deleting
 * them takes the namespace controller a long while and the bench cluster is stopped right after.
 */
import { BenchCluster } from "./bench_cluster.ts";
import type { Benchmark } from "./benchmark.ts";
import { clusterBuild } from "./cluster_build.ts";
import { clusterWarmStart } from "./cluster_warm_start.ts";
import { jobManagers500 } from "./jobmanagers_500.ts";
import { listWatch10k } from "./list_watch_10k.ts";
import { operatorScale } from "./operator_scale.ts";
import { queueThroughput } from "./queue_throughput.ts";
import { type BenchResult, resultLine, seconds, summaryTable } from "./result.ts";
import { savepointUpgrade, savepointUpgradeReal } from "./savepoint_upgrade.ts";
import { sessionJobUpgrade } from "./sessionjob_upgrade.ts";

export const BENCHMARKS: Benchmark[] = [
  queueThroughput,
  clusterBuild,
  clusterWarmStart,
  savepointUpgrade,
  savepointUpgradeReal,
  sessionJobUpgrade,
  jobManagers500,
  operatorScale,
  listWatch10k,
];

/** Benchmarks that never touch the bench cluster (running only these starts nothing). */
const CLUSTER_FREE = new Set([queueThroughput.name, clusterBuild.name]);

async function main(args: string[]): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    console.log(usage());
    return 0;
  }
  const parsed = parseArgs(args);
  if (typeof parsed === "string") {
    console.error(`${parsed}\n\n${usage()}`);
    return 2;
  }
  const { names, options } = parsed;
  const unknown = names.filter((a) => !BENCHMARKS.some((b) => b.name === a));
  if (unknown.length) {
    console.error(`unknown benchmark(s): ${unknown.join(", ")}\n\n${usage()}`);
    return 2;
  }
  const selected = names.length ? BENCHMARKS.filter((b) => names.includes(b.name)) : BENCHMARKS;
  const cluster = new BenchCluster();
  const usesCluster = selected.some((b) => !CLUSTER_FREE.has(b.name));
  console.error(`machine: ${navigator.hardwareConcurrency} cores, Deno ${Deno.version.deno}`);
  if (usesCluster) console.error(`bench cluster: ${cluster.stateDir}`);

  const results: BenchResult[] = [];
  try {
    for (const bench of selected) {
      console.log(`\n== ${bench.name}: ${bench.description}`);
      console.log(`   load average before: ${loadAverage()}`);
      const started = performance.now();
      let produced: BenchResult[];
      try {
        const out = await bench.run({ cluster, options });
        produced = Array.isArray(out) ? out : [out];
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        console.log(`   failed: ${message.replaceAll("\n", "\n   ")}`);
        // The result line and the summary keep it to one line.
        const line = message.split("\n")[0];
        produced = [{
          name: bench.name,
          figures: [],
          targets: [],
          notes: [],
          error: line.length > 160 ? `${line.slice(0, 160)}…` : line,
        }];
      }
      console.log(`   (took ${seconds(performance.now() - started)})`);
      for (const result of produced) {
        results.push(result);
        for (const note of result.notes) console.log(`   ${note}`);
        console.log(resultLine(result));
      }
    }
  } finally {
    if (usesCluster) {
      console.error("\nstopping the bench cluster");
      await cluster.stop().catch((err) => console.error(`could not stop it: ${err}`));
    }
  }
  console.log(
    `\nsummary (${navigator.hardwareConcurrency} cores, load average now ${loadAverage()})\n` +
      summaryTable(results),
  );
  return 0;
}

/**
 * The 1/5/15-minute load averages: the machine is shared, and figures taken while others run
 * tests are slower; printing the load lets a reader tell a regression from a busy machine.
 */
function loadAverage(): string {
  try {
    return Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
  } catch {
    return "unknown";
  }
}

function usage(): string {
  return [
    "usage: deno task bench [benchmark...] [--option value...]",
    "",
    "Runs all benchmarks, or the named ones:",
    ...BENCHMARKS.flatMap((b) => [
      `  ${b.name.padEnd(38)} ${b.description}`,
      ...(b.options ?? []).map((o) => `  ${"".padEnd(38)}   ${o}`),
    ]),
  ].join("\n");
}

/** Benchmark names, and `--name value` (or `--name=value`) options, in any order. */
function parseArgs(
  args: string[],
): { names: string[]; options: Map<string, string> } | string {
  const names: string[] = [];
  const options = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith("--")) {
      names.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const value = eq < 0 ? args[++i] : arg.slice(eq + 1);
    if (value === undefined || value.startsWith("--")) return `option --${name} needs a value`;
    options.set(name, value);
  }
  const known = new Set(BENCHMARKS.flatMap((b) => b.options ?? []).map((o) => o.split(" ")[0]));
  for (const name of options.keys()) {
    if (!known.has(`--${name}`)) return `unknown option --${name}`;
  }
  return { names, options };
}

if (import.meta.main) {
  // Exit explicitly: watch connections and unref'd timers of the benchmarks may still be open.
  Deno.exit(await main(Deno.args));
}
