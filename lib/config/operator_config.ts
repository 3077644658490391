import { checkOptions } from "./check_options.ts";
import { ConfigError, type ConfigProblem } from "./config_error.ts";
import {
  loadConfigDir,
  type LoadedConfigFile,
  parseConfigFile,
  readOptionalFile,
  type ReadTextFile,
  readTextFileSync,
} from "./config_file.ts";
import { type ArgOverride, parseOperatorArgs } from "./operator_args.ts";
import { type ConfigOption, type FlatConfig, getOption, OPTIONS } from "./options.ts";

export type LogFormat = "json" | "text" | "auto";
/** LogTape's level names; "warn" is accepted as input and normalised to "warning". */
export type LogLevelName = "trace" | "debug" | "info" | "warning" | "error" | "fatal";

/** The operator's effective configuration: the flat map it came from plus typed runtime values. */
export interface OperatorConfig {
  /**
   * Every key set by a config file, the environment or a flag (FKO defaults are not in here; they
   * apply when reading). Includes default Flink options for deployments and the
   * `default-configuration.*` namespace/version defaults.
   */
  readonly raw: FlatConfig;
  /** Where each key of `raw` was last set: a file path, an environment variable or a flag. */
  readonly origins: Readonly<Record<string, string>>;
  /** Non-fatal findings: unknown or deprecated keys, ignored files. */
  readonly warnings: readonly string[];
  /** Config files that were read, in the order applied (for dynamic reload). */
  readonly sources: readonly string[];
  /** Command-line arguments that are not configuration flags. */
  readonly unparsedArgs: readonly string[];
  /** Reads any option from `raw`, falling back to FKO's default. */
  get<T>(option: ConfigOption<T>): T;

  readonly operatorNamespace?: string;
  readonly operatorName?: string;
  /** False when KUBERNETES_SERVICE_HOST is unset: FKO then reaches Flink REST via localhost. */
  readonly inCluster: boolean;
  readonly watchNamespaces: "all" | readonly string[];
  readonly labelSelector?: string;
  readonly reconcileIntervalMs: number;
  /** Maximum concurrent reconciles; -1 means unbounded. */
  readonly reconcileParallelism: number;
  readonly progressCheckIntervalMs: number;
  /** Unset: READY as soon as the REST API answers (see OPTIONS.restReadyDelay). */
  readonly restReadyDelayMs: number | undefined;
  readonly flinkClientTimeoutMs: number;
  readonly cancelTimeoutMs: number;
  readonly cleanupTimeoutMs: number;
  readonly submissionTimeoutMs: number;
  readonly terminationTimeoutMs: number;
  readonly retry: {
    readonly initialMs: number;
    readonly multiplier: number;
    readonly maxMs?: number;
    readonly maxAttempts: number;
  };
  /** Per-resource limit of `limit` reconciles per `periodMs`; `limit <= 0` disables it. */
  readonly rateLimiter: { readonly periodMs: number; readonly limit: number };
  readonly leaderElection: {
    readonly enabled: boolean;
    readonly leaseName?: string;
    /** The operator's namespace (FKO creates the Lease there). */
    readonly leaseNamespace?: string;
    /** HOSTNAME, i.e. the pod name, as FKO uses it. */
    readonly identity?: string;
    readonly leaseDurationMs: number;
    readonly renewDeadlineMs: number;
    readonly retryPeriodMs: number;
  };
  readonly health: {
    readonly enabled: boolean;
    readonly port: number;
    readonly canaryResourceTimeoutMs: number;
  };
  readonly dynamicConfig: {
    readonly enabled: boolean;
    readonly checkIntervalMs: number;
    readonly namespacesEnabled: boolean;
  };
  /** Snapshot CRs requested; the runtime must still turn this off if the CRD is missing. */
  readonly snapshotResourceEnabled: boolean;
  readonly ingressManage: boolean;
  readonly deletionPropagation: "Orphan" | "Background" | "Foreground";
  readonly stopOnInformerError: boolean;
  readonly artifacts: {
    readonly baseDir: string;
    readonly allowedSchemes: readonly string[];
    readonly disallowRestrictedHosts: boolean;
  };
  readonly exceptions: {
    readonly stackTraceEnabled: boolean;
    readonly stackTraceMaxLength: number;
    readonly fieldMaxLength: number;
    readonly throwableListMaxCount: number;
    readonly eventsLimitPerReconciliation: number;
    readonly eventStackTraceLines: number;
  };
  readonly logging: { readonly format: LogFormat; readonly level: LogLevelName };
}

export interface LoadOperatorConfigOptions {
  /** Command-line arguments (configuration flags; others end up in `unparsedArgs`). */
  readonly args?: readonly string[];
  /** Environment; defaults to the process environment. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** File reader; defaults to Deno.readTextFileSync. Missing files: return null or throw NotFound. */
  readonly readFile?: ReadTextFile;
}

const ALL_NAMESPACES = "JOSDK_ALL_NAMESPACES";
const CURRENT_NAMESPACE = "JOSDK_WATCH_CURRENT";
const WATCHED_NAMESPACES_KEY = OPTIONS.watchedNamespaces.key;
const SERVICE_ACCOUNT_NAMESPACE_FILE = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";
// FKO maps FLINK_CONF_KUBERNETES_OPERATOR_RATE__LIMITER_LIMIT to kubernetes.operator.rate-limiter.limit.
const ENV_OPTION_PREFIX = "FLINK_CONF_";
const LOG_LEVELS = new Set(["trace", "debug", "info", "warning", "error", "fatal"]);
const NAMESPACE_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/**
 * Builds the operator configuration. Sources, lowest precedence first: FKO defaults, the config
 * directory (`--config-dir`, else `$FLINK_CONF_DIR`), `$CONF_OVERRIDE_DIR`, `--config-file`,
 * `FLINK_CONF_*` environment variables, `WATCH_NAMESPACES`, then flags in command-line order.
 * Throws {@link ConfigError} naming the key for any invalid value.
 */
export function loadOperatorConfig(options: LoadOperatorConfigOptions = {}): OperatorConfig {
  const env = options.env ?? Deno.env.toObject();
  const readFile = options.readFile ?? readTextFileSync;
  const args = parseOperatorArgs(options.args ?? []);
  const raw: Record<string, string> = {};
  const origins: Record<string, string> = {};
  const warnings: string[] = [];
  const sources: string[] = [];
  const put = (key: string, value: string, origin: string) => {
    raw[key] = value;
    origins[key] = origin;
  };
  const putFile = (file: LoadedConfigFile) => {
    for (const [key, value] of Object.entries(file.values)) put(key, value, file.path);
    warnings.push(...file.warnings);
    sources.push(file.path);
  };

  const configDir = args.configDir ?? nonBlank(env.FLINK_CONF_DIR);
  if (configDir !== undefined) {
    const loaded = loadConfigDir(readFile, configDir);
    if (loaded) putFile(loaded);
    else if (args.configDir !== undefined) throw missing(`--config-dir ${configDir}`);
    else warnings.push(`FLINK_CONF_DIR ${configDir} has no config.yaml or flink-conf.yaml`);
  }
  const overrideDir = nonBlank(env.CONF_OVERRIDE_DIR);
  if (overrideDir !== undefined) {
    const loaded = loadConfigDir(readFile, overrideDir);
    if (!loaded) throw missing(`CONF_OVERRIDE_DIR ${overrideDir}`);
    putFile(loaded);
  }
  if (args.configFile !== undefined) {
    const text = readOptionalFile(readFile, args.configFile);
    if (text === undefined) {
      throw new ConfigError({
        key: "",
        message: `--config-file ${args.configFile} does not exist`,
      });
    }
    putFile(parseConfigFile(args.configFile, text));
  }
  for (const [name, value] of Object.entries(env)) {
    if (name.startsWith(ENV_OPTION_PREFIX) && name !== "FLINK_CONF_DIR" && value !== undefined) {
      put(envNameToKey(name), value.replaceAll("_", " "), name);
    }
  }
  const operatorNamespace = nonBlank(env.OPERATOR_NAMESPACE) ?? inClusterNamespace(readFile);
  const watchNamespacesEnv = nonBlank(env.WATCH_NAMESPACES);
  if (watchNamespacesEnv !== undefined) {
    put(WATCHED_NAMESPACES_KEY, watchNamespacesEnv, "WATCH_NAMESPACES");
  }
  for (const override of args.overrides) applyOverride(override, put, operatorNamespace);

  const check = checkOptions(raw);
  warnings.push(...check.warnings);
  const problems = check.problems.map((problem) => withOrigin(problem, origins));
  const get = <T>(option: ConfigOption<T>): T => getOption(raw, option);
  if (problems.length > 0) throw new ConfigError(problems);

  const logging = {
    format: parseLogFormat(args.logFormat ?? nonBlank(env.FLINKOP_LOG_FORMAT) ?? "auto"),
    level: parseLogLevel(args.logLevel ?? nonBlank(env.FLINKOP_LOG_LEVEL) ?? "info"),
  };
  const config: OperatorConfig = {
    raw,
    origins,
    warnings,
    sources,
    unparsedArgs: args.unparsed,
    get,
    operatorNamespace,
    operatorName: nonBlank(env.OPERATOR_NAME),
    inCluster: nonBlank(env.KUBERNETES_SERVICE_HOST) !== undefined,
    watchNamespaces: resolveWatchNamespaces(get(OPTIONS.watchedNamespaces), operatorNamespace),
    labelSelector: nonBlank(get(OPTIONS.labelSelector)),
    reconcileIntervalMs: get(OPTIONS.reconcileInterval),
    reconcileParallelism: get(OPTIONS.reconcileParallelism),
    progressCheckIntervalMs: get(OPTIONS.progressCheckInterval),
    restReadyDelayMs: get(OPTIONS.restReadyDelay),
    flinkClientTimeoutMs: get(OPTIONS.flinkClientTimeout),
    cancelTimeoutMs: get(OPTIONS.flinkClientCancelTimeout),
    cleanupTimeoutMs: get(OPTIONS.resourceCleanupTimeout),
    submissionTimeoutMs: get(OPTIONS.jobSubmissionTimeout),
    terminationTimeoutMs: get(OPTIONS.terminationTimeout),
    retry: {
      initialMs: get(OPTIONS.retryInitialInterval),
      multiplier: get(OPTIONS.retryIntervalMultiplier),
      maxMs: get(OPTIONS.retryMaxInterval),
      maxAttempts: get(OPTIONS.retryMaxAttempts),
    },
    rateLimiter: {
      periodMs: get(OPTIONS.rateLimiterRefreshPeriod),
      limit: get(OPTIONS.rateLimiterLimit),
    },
    leaderElection: {
      enabled: get(OPTIONS.leaderElectionEnabled),
      leaseName: nonBlank(get(OPTIONS.leaderElectionLeaseName)),
      leaseNamespace: operatorNamespace,
      identity: nonBlank(env.HOSTNAME),
      leaseDurationMs: get(OPTIONS.leaderElectionLeaseDuration),
      renewDeadlineMs: get(OPTIONS.leaderElectionRenewDeadline),
      retryPeriodMs: get(OPTIONS.leaderElectionRetryPeriod),
    },
    health: {
      enabled: get(OPTIONS.healthProbeEnabled),
      port: get(OPTIONS.healthProbePort),
      canaryResourceTimeoutMs: get(OPTIONS.healthCanaryResourceTimeout),
    },
    dynamicConfig: {
      enabled: get(OPTIONS.dynamicConfigEnabled),
      checkIntervalMs: get(OPTIONS.dynamicConfigCheckInterval),
      namespacesEnabled: get(OPTIONS.dynamicNamespacesEnabled),
    },
    snapshotResourceEnabled: get(OPTIONS.snapshotResourceEnabled),
    ingressManage: get(OPTIONS.ingressManage),
    deletionPropagation: get(OPTIONS.resourceDeletionPropagation),
    stopOnInformerError: get(OPTIONS.startupStopOnInformerError),
    artifacts: {
      baseDir: get(OPTIONS.userArtifactsBaseDir),
      allowedSchemes: get(OPTIONS.userArtifactsAllowedSchemes),
      disallowRestrictedHosts: get(OPTIONS.userArtifactsDisallowRestrictedHosts),
    },
    exceptions: {
      stackTraceEnabled: get(OPTIONS.exceptionStacktraceEnabled),
      stackTraceMaxLength: get(OPTIONS.exceptionStacktraceMaxLength),
      fieldMaxLength: get(OPTIONS.exceptionFieldMaxLength),
      throwableListMaxCount: get(OPTIONS.exceptionThrowableListMaxCount),
      eventsLimitPerReconciliation: get(OPTIONS.eventsExceptionsLimitPerReconciliation),
      eventStackTraceLines: get(OPTIONS.eventsExceptionsStacktraceLines),
    },
    logging,
  };
  const semanticProblems = checkSemantics(config).map((problem) => withOrigin(problem, origins));
  if (semanticProblems.length > 0) throw new ConfigError(semanticProblems);
  return config;
}

function applyOverride(
  override: ArgOverride,
  put: (key: string, value: string, origin: string) => void,
  operatorNamespace: string | undefined,
): void {
  if (override.kind === "set") {
    put(override.key, override.value, override.flag);
  } else if (operatorNamespace === undefined) {
    throw new ConfigError({
      key: "",
      message: "--watch-own-namespace needs OPERATOR_NAMESPACE or an in-cluster service account " +
        `namespace file (${SERVICE_ACCOUNT_NAMESPACE_FILE})`,
    });
  } else {
    put(WATCHED_NAMESPACES_KEY, operatorNamespace, "--watch-own-namespace");
  }
}

/** FKO's env-to-key rule: drop the prefix, `__` becomes `-`, `_` becomes `.`, lower-case. */
function envNameToKey(name: string): string {
  return name.slice(ENV_OPTION_PREFIX.length).replaceAll("__", "-").replaceAll("_", ".")
    .toLowerCase();
}

function resolveWatchNamespaces(
  names: readonly string[],
  operatorNamespace: string | undefined,
): "all" | string[] {
  if (names.length === 0 || names.includes(ALL_NAMESPACES)) return "all";
  const resolved = names.map((name) => {
    if (name !== CURRENT_NAMESPACE) return name;
    if (operatorNamespace !== undefined) return operatorNamespace;
    throw new ConfigError({
      key: WATCHED_NAMESPACES_KEY,
      message: `${CURRENT_NAMESPACE} needs OPERATOR_NAMESPACE or an in-cluster namespace file`,
    });
  });
  return [...new Set(resolved)];
}

function checkSemantics(config: OperatorConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  if (config.watchNamespaces !== "all") {
    for (const name of config.watchNamespaces) {
      if (!NAMESPACE_NAME.test(name)) {
        problems.push({
          key: WATCHED_NAMESPACES_KEY,
          message: `"${name}" is not a valid namespace name (lower-case letters, digits and "-")`,
        });
      }
    }
  }
  if (config.leaderElection.enabled && config.leaderElection.leaseName === undefined) {
    problems.push({
      key: OPTIONS.leaderElectionLeaseName.key,
      message: `must be set when ${OPTIONS.leaderElectionEnabled.key} is true`,
    });
  }
  if (config.health.enabled && !(config.health.port >= 1 && config.health.port <= 65535)) {
    problems.push({
      key: OPTIONS.healthProbePort.key,
      message: `${config.health.port} is not a port number (1-65535)`,
    });
  }
  if (config.reconcileParallelism === 0 || config.reconcileParallelism < -1) {
    problems.push({
      key: OPTIONS.reconcileParallelism.key,
      message:
        `${config.reconcileParallelism} is not allowed (a positive number, or -1 for unbounded)`,
    });
  }
  const positive: readonly [ConfigOption<number | undefined>, number | undefined][] = [
    [OPTIONS.reconcileInterval, config.reconcileIntervalMs],
    [OPTIONS.progressCheckInterval, config.progressCheckIntervalMs],
    [OPTIONS.retryInitialInterval, config.retry.initialMs],
    [OPTIONS.rateLimiterRefreshPeriod, config.rateLimiter.periodMs],
    [OPTIONS.leaderElectionLeaseDuration, config.leaderElection.leaseDurationMs],
    [OPTIONS.leaderElectionRenewDeadline, config.leaderElection.renewDeadlineMs],
    [OPTIONS.leaderElectionRetryPeriod, config.leaderElection.retryPeriodMs],
    [OPTIONS.dynamicConfigCheckInterval, config.dynamicConfig.checkIntervalMs],
    [OPTIONS.healthCanaryResourceTimeout, config.health.canaryResourceTimeoutMs],
  ];
  for (const [option, value] of positive) {
    if (value !== undefined && value <= 0) {
      problems.push({ key: option.key, message: `must be a positive duration` });
    }
  }
  return problems;
}

function withOrigin(
  problem: ConfigProblem,
  origins: Readonly<Record<string, string>>,
): ConfigProblem {
  const origin = origins[problem.key];
  return origin === undefined
    ? problem
    : { ...problem, message: `${problem.message} [from ${origin}]` };
}

function missing(what: string): ConfigError {
  return new ConfigError({
    key: "",
    message: `${what} contains neither config.yaml nor flink-conf.yaml`,
  });
}

function parseLogFormat(value: string): LogFormat {
  if (value === "json" || value === "text" || value === "auto") return value;
  throw new ConfigError({
    key: "",
    message: `log format "${value}" is not one of json, text, auto`,
  });
}

function parseLogLevel(value: string): LogLevelName {
  const level = value.toLowerCase() === "warn" ? "warning" : value.toLowerCase();
  if (LOG_LEVELS.has(level)) return level as LogLevelName;
  throw new ConfigError({
    key: "",
    message: `log level "${value}" is not one of trace, debug, info, warning, error, fatal`,
  });
}

function inClusterNamespace(readFile: ReadTextFile): string | undefined {
  try {
    return nonBlank(readFile(SERVICE_ACCOUNT_NAMESPACE_FILE) ?? undefined);
  } catch {
    // Not running in a pod (or not allowed to read the file): the namespace is simply unknown.
    return undefined;
  }
}

function nonBlank(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}
