/**
 * flinkop: a Kubernetes operator for Apache Flink, wire-compatible with the Apache Flink
 * Kubernetes Operator on the job-lifecycle and snapshot surface.
 */
import { allCrds, renderCrdYaml, writeCrds } from "./lib/api/crds.ts";
import { flag, parseArgs } from "./lib/cli/args.ts";
import { errorMessage } from "./lib/error_message.ts";
import { runOperator } from "./lib/operator.ts";
import { isVerb, runVerb, VERBS_HELP } from "./lib/cli/verbs.ts";
import { PLAN_HELP, runPlan } from "./lib/cli/plan.ts";
import { VERSION } from "./lib/version.ts";

const HELP = `flinkop ${VERSION} — Kubernetes operator for Apache Flink

Usage:
  flinkop run [flags]       Run the operator (kubeconfig: --kubeconfig, KUBECONFIG,
                            ~/.kube/config, or the in-cluster service account)
  flinkop crds [--write DIR] Print the CRDs as YAML (or write one file per CRD into DIR)
  flinkop version           Print the version
  flinkop --help            This help

${VERBS_HELP}

${PLAN_HELP}

See README.md and docs/configuration.md for every configuration key.`;

/**
 * Dispatches on the command (the first argument); each command parses the rest of the command
 * line itself, once.
 */
async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (
    ["help", "--help", "-h"].includes(command) || rest.some((a) => a === "--help" || a === "-h")
  ) {
    console.log(HELP);
    return 0;
  }
  switch (command) {
    case "version":
      console.log(VERSION);
      return 0;
    case "crds":
      return await crds(rest);
    case "run":
      return await runOperator(rest, Deno.env.toObject());
    case "plan":
      return await runPlan(rest);
    case undefined:
      console.error(`flinkop: missing command\n\n${HELP}`);
      return 2;
    default:
      if (isVerb(command)) return await runVerb(command, rest);
      console.error(`flinkop: unknown command "${command}" (try --help)`);
      return 2;
  }
}

/** `flinkop crds [--write DIR]`. */
async function crds(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs(argv);
    const unknown = [...args.flags.keys()].find((name) => name !== "write");
    if (unknown) throw new Error(`unknown flag --${unknown} for crds (see --help)`);
    if (args.command !== undefined) throw new Error(`unexpected argument "${args.command}"`);
  } catch (err) {
    console.error(`flinkop: ${errorMessage(err)}`);
    return 2;
  }
  const dir = flag(args, "write");
  if (dir) {
    for (const path of await writeCrds(dir)) console.error(`wrote ${path}`);
  } else {
    console.log(allCrds().map(renderCrdYaml).join("---\n"));
  }
  return 0;
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (err) {
    // E.g. a permission the compiled binary does not hold: one line, not a stack trace.
    console.error(`flinkop: ${errorMessage(err)}`);
    Deno.exit(1);
  }
}
