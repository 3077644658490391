/** Parsed command line: the subcommand, `--flag value` / `--flag=value` pairs and positionals. */
export interface ParsedArgs {
  command?: string;
  flags: Map<string, string[]>;
  positionals: string[];
}

/** Flags that never take a value. */
const BOOLEAN_FLAGS = new Set(["help"]);

export function parseArgs(argv: readonly string[], booleans: readonly string[] = []): ParsedArgs {
  const flags = new Map<string, string[]>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "-h") {
      flags.set("help", ["true"]);
    } else if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      const name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
      let value: string;
      if (eq > 0) value = arg.slice(eq + 1);
      else if (BOOLEAN_FLAGS.has(name) || booleans.includes(name)) value = "true";
      else if (i + 1 < argv.length) value = argv[++i];
      else throw new Error(`flag --${name} needs a value`);
      flags.set(name, [...(flags.get(name) ?? []), value]);
    } else {
      positionals.push(arg);
    }
  }
  return { command: positionals.shift(), flags, positionals };
}

export function flag(args: ParsedArgs, name: string): string | undefined {
  return args.flags.get(name)?.at(-1);
}
