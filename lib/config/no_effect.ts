/**
 * Warnings for options this operator accepts but does not act on (`effect: { noEffect }` in
 * options.ts): a user who sets one should hear that it changes nothing, once, with the reason.
 */
import { isSecretKey, REDACTED } from "../log/redact_secrets.ts";
import { isDefaultsKey, parseDefaultsKey } from "./default_configuration.ts";
import {
  type ConfigOption,
  type FlatConfig,
  type KeyPattern,
  optionForKey,
  patternForKey,
} from "./options.ts";

/**
 * One warning per option (or key family) without effect that `config` sets to a value other
 * than its default — under its own key, a deprecated key, or as a namespace/Flink-version
 * default — naming the key(s) as set. With `onlyKeys`, only those keys count (e.g. the keys a
 * reload changed).
 */
export function noEffectWarnings(config: FlatConfig, onlyKeys?: readonly string[]): string[] {
  const options = new Map<ConfigOption<unknown>, string[]>();
  const patterns = new Map<KeyPattern, string[]>();
  const considered = onlyKeys ?? Object.keys(config);
  for (const key of considered) {
    if (!Object.hasOwn(config, key)) continue;
    const optionKey = isDefaultsKey(key) ? parseDefaultsKey(key)?.key : key;
    if (optionKey === undefined) continue;
    const option = optionForKey(optionKey);
    if (option !== undefined) {
      if ("noEffect" in option.effect && !isDefault(option, config[key])) {
        options.set(option, [...options.get(option) ?? [], key]);
      }
      continue;
    }
    const pattern = patternForKey(optionKey);
    if (pattern !== undefined && "noEffect" in pattern.effect) {
      patterns.set(pattern, [...patterns.get(pattern) ?? [], key]);
    }
  }
  const warnings: string[] = [];
  for (const [option, keys] of options) {
    const set = keys.map((key) => `"${key}" is set to "${shown(key, config[key])}"`).join(", ");
    warnings.push(`${set}, which has no effect in this operator: ${reason(option)}`);
  }
  for (const [pattern, keys] of patterns) {
    const set = keys.map((key) => `"${key}"`).join(", ");
    warnings.push(
      `${set} ${keys.length === 1 ? "is" : "are"} set, which has no effect in this operator ` +
        `(${pattern.pattern}): ${reason(pattern)}`,
    );
  }
  return warnings;
}

function reason(of: { effect: ConfigOption<unknown>["effect"] }): string {
  return "noEffect" in of.effect ? of.effect.noEffect : "";
}

function isDefault(option: ConfigOption<unknown>, value: string): boolean {
  try {
    return JSON.stringify(option.parse(value)) === JSON.stringify(option.defaultValue);
  } catch {
    return false; // an invalid value is reported by validation; here it counts as set
  }
}

function shown(key: string, value: string): string {
  return isSecretKey(key) ? REDACTED : value;
}
