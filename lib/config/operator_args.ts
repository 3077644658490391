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

/** Usage text for the flags understood by {@link parseOperatorArgs}. */
export const OPERATOR_FLAGS_HELP = `Configuration flags:
  --config-file <path>      Flink-style config file (config.yaml: YAML; flink-conf.yaml: flat)
  --config-dir <dir>        Config directory (ConfigMap mount) with config.yaml or flink-conf.yaml
                            (default: $FLINK_CONF_DIR; $CONF_OVERRIDE_DIR is layered on top)
  --set <key>=<value>       Set any option, e.g. --set kubernetes.operator.reconcile.interval=30s
  --watch-namespaces <a,b>  Namespaces to watch (default: all; env WATCH_NAMESPACES)
  --watch-own-namespace     Watch only the operator's own namespace (sidecar mode)
  --label-selector <sel>    Only reconcile resources matching this label selector
  --log-format <f>          json | text | auto (default auto: text on a terminal, else json)
  --log-level <level>       trace | debug | info | warning | error | fatal (default info)`;

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
