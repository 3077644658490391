import { ConfigError } from "./config_error.ts";

/** One configuration change requested on the command line, applied in command-line order. */
export type ArgOverride =
  | { readonly kind: "set"; readonly key: string; readonly value: string; readonly flag: string }
  | { readonly kind: "watchOwnNamespace" };

/** The operator's configuration flags, parsed; anything else is left in `unparsed`. */
export interface OperatorArgs {
  readonly configFile?: string;
  readonly configDir?: string;
  readonly logFormat?: string;
  readonly logLevel?: string;
  readonly overrides: readonly ArgOverride[];
  readonly unparsed: readonly string[];
}

const VALUE_FLAGS = new Set([
  "--config-file",
  "--config-dir",
  "--set",
  "--watch-namespaces",
  "--label-selector",
  "--log-format",
  "--log-level",
]);

/** Parses `--flag value` and `--flag=value` forms of the operator's configuration flags. */
export function parseOperatorArgs(args: readonly string[]): OperatorArgs {
  const result: {
    configFile?: string;
    configDir?: string;
    logFormat?: string;
    logLevel?: string;
    overrides: ArgOverride[];
    unparsed: string[];
  } = { overrides: [], unparsed: [] };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--watch-own-namespace") {
      result.overrides.push({ kind: "watchOwnNamespace" });
      continue;
    }
    const equals = arg.indexOf("=");
    const flag = arg.startsWith("--") && equals > 0 ? arg.slice(0, equals) : arg;
    if (!VALUE_FLAGS.has(flag)) {
      result.unparsed.push(arg);
      continue;
    }
    let value: string;
    if (flag !== arg) {
      value = arg.slice(equals + 1);
    } else if (i + 1 < args.length) {
      value = args[++i];
    } else {
      throw new ConfigError({ key: "", message: `${flag} needs a value` });
    }
    switch (flag) {
      case "--config-file":
        result.configFile = value;
        break;
      case "--config-dir":
        result.configDir = value;
        break;
      case "--log-format":
        result.logFormat = value;
        break;
      case "--log-level":
        result.logLevel = value;
        break;
      case "--watch-namespaces":
        result.overrides.push(set("kubernetes.operator.watched.namespaces", value, flag));
        break;
      case "--label-selector":
        result.overrides.push(set("kubernetes.operator.label.selector", value, flag));
        break;
      case "--set": {
        const separator = value.indexOf("=");
        if (separator <= 0) {
          throw new ConfigError({ key: "", message: `--set expects key=value, got "${value}"` });
        }
        result.overrides.push(
          set(value.slice(0, separator).trim(), value.slice(separator + 1), flag),
        );
        break;
      }
    }
  }
  return result;
}

function set(key: string, value: string, flag: string): ArgOverride {
  return { kind: "set", key, value, flag };
}
