/**
 * `deno task fuzz [--count N] [--seed S] [--batch B]`: applies N generated resources (mutations of
 * FKO's examples) to the local cluster with the operator running, checks the invariants of
 * tests/support/fuzz/run.ts and prints the counts. Exit code 1 when there is a violation.
 *
 * The cluster is the tests' one (FLINKOP_TEST_KUBECONFIG, else `deno task cluster up`);
 * FLINKOP_FKO_EXAMPLES=<checkout>/examples adds FKO's own files to the seeds.
 */
import { formatReport, runFuzz } from "./support/fuzz/run.ts";
import { parseSeed } from "./support/fuzz/rng.ts";
import { withTestClient } from "./support/cluster.ts";

const USAGE =
  "usage: deno task fuzz [--count N] [--seed S] [--batch B] [--bound-ms MS] [--dump FILE.jsonl]" +
  " [--operator-log FILE]";

async function main(args: string[]): Promise<number> {
  const flags: Record<string, string> = { count: "1000", seed: String(Date.now() % 1_000_000) };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--help" || arg === "-h") {
      console.log(USAGE);
      return 0;
    }
    const match = /^--(count|seed|batch|bound-ms|dump|operator-log)(?:=(.*))?$/.exec(arg);
    const value = match?.[2] ?? args[++i];
    if (!match || value === undefined) {
      console.error(`unknown or incomplete argument ${arg}\n${USAGE}`);
      return 2;
    }
    flags[match[1]] = value;
  }
  const count = Number(flags.count);
  if (!Number.isInteger(count) || count < 1) {
    console.error(`--count must be a positive integer\n${USAGE}`);
    return 2;
  }
  const seed = parseSeed(String(flags.seed));
  const dump = flags.dump
    ? await Deno.open(flags.dump, { write: true, create: true, truncate: true })
    : undefined;
  const encoder = new TextEncoder();
  const report = await withTestClient((client) =>
    runFuzz(client, {
      count,
      seed,
      batchSize: flags.batch ? Number(flags.batch) : undefined,
      outcomeBoundMs: flags["bound-ms"] ? Number(flags["bound-ms"]) : undefined,
      fkoExamples: Deno.env.get("FLINKOP_FKO_EXAMPLES") || undefined,
      log: (line) => console.error(line),
      operatorLog: flags["operator-log"],
      onCase: dump && ((record) => dump.writeSync(encoder.encode(JSON.stringify(record) + "\n"))),
    })
  );
  dump?.close();
  console.log(formatReport(report));
  return report.violations.length === 0 && !report.harnessError ? 0 : 1;
}

Deno.exit(await main(Deno.args));
