import { type ConfigProblem, InvalidValueError } from "./config_error.ts";
import { isDefaultsKey, parseDefaultsKey } from "./default_configuration.ts";
import { type ConfigOption, type FlatConfig, optionForKey, patternForKey } from "./options.ts";

/** Problems (invalid values) and warnings (unknown or deprecated keys) found in a flat config. */
export interface OptionCheck {
  readonly problems: ConfigProblem[];
  readonly warnings: string[];
}

const OPERATOR_PREFIX = "kubernetes.operator.";

/**
 * Checks every operator key in `config`: known options must parse, unknown `kubernetes.operator.*`
 * keys and deprecated keys produce warnings. Values inside namespace/version defaults are checked
 * against the option they configure. `effective` is the merged map `config` ends up in, used to
 * tell whether a deprecated key is shadowed by its replacement.
 */
export function checkOptions(config: FlatConfig, effective: FlatConfig = config): OptionCheck {
  const check: OptionCheck = { problems: [], warnings: [] };
  for (const [key, value] of Object.entries(config)) {
    if (isDefaultsKey(key)) {
      const parsed = parseDefaultsKey(key);
      if (parsed === undefined) {
        check.warnings.push(`Malformed default-configuration key "${key}" is ignored`);
      } else {
        checkKey(check, key, parsed.key, value, effective);
      }
    } else {
      checkKey(check, key, key, value, effective);
    }
  }
  return check;
}

function checkKey(
  check: OptionCheck,
  reportedKey: string,
  key: string,
  value: string,
  config: FlatConfig,
): void {
  const option = optionForKey(key);
  if (option === undefined) {
    if (key.startsWith(OPERATOR_PREFIX) && patternForKey(key) === undefined) {
      check.warnings.push(`Unknown operator option "${reportedKey}" is ignored`);
    }
    return;
  }
  const problem = parseProblem(option, reportedKey, value);
  if (problem) check.problems.push(problem);
  if (key !== option.key && reportedKey === key) {
    const shadowed = Object.hasOwn(config, option.key) ? ` (ignored: "${option.key}" is set)` : "";
    check.warnings.push(`Option "${key}" is deprecated, use "${option.key}"${shadowed}`);
  }
}

/** The problem with `value` for `option`, reported under `key`, if it does not parse. */
export function parseProblem(
  option: ConfigOption<unknown>,
  key: string,
  value: string,
): ConfigProblem | undefined {
  try {
    option.parse(value);
    return undefined;
  } catch (error) {
    if (error instanceof InvalidValueError) return { key, message: error.message };
    throw error;
  }
}
