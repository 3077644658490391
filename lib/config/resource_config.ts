import { checkOptions, parseProblem } from "./check_options.ts";
import { ConfigError, type ConfigProblem } from "./config_error.ts";
import { applicableDefaults, isDefaultsKey } from "./default_configuration.ts";
import { flattenFlinkConfiguration } from "./flatten.ts";
import type { OperatorConfig } from "./operator_config.ts";
import {
  ALL_OPTIONS,
  type ConfigOption,
  type FlatConfig,
  getOption,
  optionForKey,
} from "./options.ts";
import { findOptionKey } from "./option.ts";

/** What identifies a resource's configuration layers. */
export interface ResourceConfigInput {
  readonly namespace?: string;
  /** `spec.flinkVersion`, e.g. `v1_20` (of the session cluster for session jobs). */
  readonly flinkVersion?: string;
  /** `spec.flinkConfiguration` (flat or nested); for session jobs, the session cluster's. */
  readonly flinkConfiguration?: unknown;
  /** For FlinkSessionJobs: the job's own `spec.flinkConfiguration`, layered on top. */
  readonly sessionJobFlinkConfiguration?: unknown;
}

/** A resource's effective configuration. */
export interface ResourceConfig {
  /** Operator config + namespace defaults + version defaults + spec.flinkConfiguration. */
  readonly flat: FlatConfig;
  /** The same without the spec: where operator-wide (non-resource) options are read from. */
  readonly operatorLevel: FlatConfig;
  /** `flat` without `kubernetes.operator.*` and `job.autoscaler.*`: what Flink itself gets. */
  readonly flinkOptions: FlatConfig;
  /** Ignored operator-wide keys, unknown and deprecated keys found in the spec. */
  readonly warnings: readonly string[];
  /** Spec values of resource options that do not parse, each naming its key. */
  readonly problems: readonly ConfigProblem[];
  /**
   * Reads an option: resource-scope options from `flat`, all others from `operatorLevel` (so a
   * system option set in the spec has no effect, as in FKO). Throws ConfigError if invalid.
   */
  get<T>(option: ConfigOption<T>): T;
  /** Throws a ConfigError listing `problems`, if any. */
  assertValid(): void;
  /** The Flink version the configuration is for (`spec.flinkVersion`, the session cluster's). */
  readonly flinkVersion?: string;
}

const OPERATOR_PREFIX = "kubernetes.operator.";
const AUTOSCALER_PREFIX = "job.autoscaler.";

/** Layers a resource's configuration over the operator configuration (reference §2.1). */
export function effectiveResourceConfig(
  operator: Pick<OperatorConfig, "raw">,
  input: ResourceConfigInput,
): ResourceConfig {
  const defaults = applicableDefaults(operator.raw, input.namespace, input.flinkVersion);
  const operatorLevel = { ...withoutDefaultsKeys(operator.raw), ...defaults };
  const spec = {
    ...flattenFlinkConfiguration(input.flinkConfiguration),
    ...flattenFlinkConfiguration(input.sessionJobFlinkConfiguration),
  };

  const warnings: string[] = [];
  const accepted: Record<string, string> = {};
  for (const [key, value] of Object.entries(spec)) {
    const option = optionForKey(key);
    if (isDefaultsKey(key) || (option !== undefined && option.scope !== "resource")) {
      warnings.push(
        `"${key}" is an operator-wide option and is ignored in spec.flinkConfiguration`,
      );
    } else {
      accepted[key] = value;
    }
  }
  const flat = { ...operatorLevel, ...accepted };
  const check = checkOptions(accepted, flat);
  warnings.push(...check.warnings);
  const problems = check.problems;
  // loadOperatorConfig already validates inherited values; checking the resource options again
  // keeps this safe for hand-built operator maps and reports a bad default before first use.
  for (const option of ALL_OPTIONS) {
    const key = option.scope === "resource" ? findOptionKey(flat, option) : undefined;
    if (key === undefined || Object.hasOwn(accepted, key)) continue;
    const problem = parseProblem(option, key, flat[key]);
    if (problem) problems.push(problem);
  }

  return {
    flat,
    operatorLevel,
    flinkOptions: Object.fromEntries(
      Object.entries(flat).filter(([key]) =>
        !key.startsWith(OPERATOR_PREFIX) && !key.startsWith(AUTOSCALER_PREFIX)
      ),
    ),
    warnings,
    problems,
    get<T>(option: ConfigOption<T>): T {
      return getOption(option.scope === "resource" ? flat : operatorLevel, option);
    },
    assertValid(): void {
      if (problems.length > 0) throw new ConfigError(problems);
    },
    flinkVersion: input.flinkVersion,
  };
}

function withoutDefaultsKeys(config: FlatConfig): Record<string, string> {
  return Object.fromEntries(Object.entries(config).filter(([key]) => !isDefaultsKey(key)));
}
