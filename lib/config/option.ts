import { ConfigError, InvalidValueError } from "./config_error.ts";
import { parseDuration } from "./duration.ts";
import { parsePeriodicInterval, type PeriodicInterval } from "./periodic_interval.ts";

/**
 * Where an option may be set. "resource" options may be overridden per resource in
 * `spec.flinkConfiguration`; the others are only read from the operator configuration (including
 * its namespace and Flink-version defaults).
 */
export type OptionScope = "resource" | "system" | "advanced" | "metrics" | "bluegreen";

export type OptionType =
  | "duration"
  | "int"
  | "double"
  | "bool"
  | "string"
  | "enum"
  | "map"
  | "list"
  | "periodic";

/**
 * What setting an option does in this operator, as documented in the option reference:
 * - `shownBy`: it works; these test files (paths from the repository root) show it;
 * - `noEffect`: it is accepted (and validated) but changes nothing here, for the reason given;
 *   the operator warns once when it is set to a non-default value;
 * - `pending`: not settled yet (being worked on, or no test shows it yet), for the reason given.
 */
export type OptionEffect =
  | { readonly shownBy: readonly string[] }
  | { readonly noEffect: string }
  | { readonly pending: string };

/** A typed operator option, mirroring Flink's `ConfigOption`. */
export interface ConfigOption<T> {
  readonly key: string;
  /** Deprecated keys, consulted in order when `key` is absent (Flink's fallback semantics). */
  readonly deprecatedKeys: readonly string[];
  readonly type: OptionType;
  readonly enumValues?: readonly string[];
  /** FKO's default in Flink syntax; undefined when the option has no default. */
  readonly defaultText: string | undefined;
  readonly defaultValue: T;
  readonly scope: OptionScope;
  readonly description: string;
  readonly effect: OptionEffect;
  /** Converts a configured string; throws {@link InvalidValueError} (without the key) if invalid. */
  parse(text: string): T;
}

/** A flat Flink-style configuration map. */
export type FlatConfig = Readonly<Record<string, string>>;

/** The value type is optional exactly when the option has no default. */
type Defaulted<T, D> = undefined extends D ? T | undefined : T;

interface OptionSpec<D extends string | undefined> {
  readonly key: string;
  readonly default: D;
  readonly scope: OptionScope;
  readonly description: string;
  readonly effect: OptionEffect;
  readonly deprecatedKeys?: readonly string[];
}

function define<T, D extends string | undefined>(
  type: OptionType,
  parse: (text: string) => T,
  spec: OptionSpec<D>,
  enumValues?: readonly string[],
): ConfigOption<Defaulted<T, D>> {
  return {
    key: spec.key,
    deprecatedKeys: spec.deprecatedKeys ?? [],
    type,
    enumValues,
    defaultText: spec.default,
    defaultValue: (spec.default === undefined ? undefined : parse(spec.default)) as Defaulted<T, D>,
    scope: spec.scope,
    description: spec.description,
    effect: spec.effect,
    parse,
  };
}

export function durationOption<D extends string | undefined>(spec: OptionSpec<D>) {
  return define("duration", parseDuration, spec);
}

export function intOption<D extends string | undefined>(spec: OptionSpec<D>) {
  return define("int", parseInt32, spec);
}

export function doubleOption<D extends string | undefined>(spec: OptionSpec<D>) {
  return define("double", parseDouble, spec);
}

export function boolOption<D extends string | undefined>(spec: OptionSpec<D>) {
  return define("bool", parseBool, spec);
}

export function stringOption<D extends string | undefined>(spec: OptionSpec<D>) {
  return define("string", (text) => text, spec);
}

export function enumOption<const V extends readonly string[], D extends string | undefined>(
  values: V,
  spec: OptionSpec<D>,
) {
  return define("enum", (text): V[number] => parseEnum(values, text), spec, values);
}

export function mapOption<D extends string | undefined>(spec: OptionSpec<D>) {
  return define("map", parseMap, spec);
}

export function listOption<D extends string | undefined>(spec: OptionSpec<D>) {
  return define("list", parseList, spec);
}

export function periodicOption<D extends string | undefined>(spec: OptionSpec<D>) {
  return define<PeriodicInterval, D>("periodic", parsePeriodicInterval, spec);
}

/** The key under which `option` is configured (its own key first, then deprecated keys). */
export function findOptionKey(
  config: FlatConfig,
  option: ConfigOption<unknown>,
): string | undefined {
  return [option.key, ...option.deprecatedKeys].find((key) => Object.hasOwn(config, key));
}

/** Reads and converts `option` from `config`, falling back to FKO's default. */
export function getOption<T>(config: FlatConfig, option: ConfigOption<T>): T {
  const key = findOptionKey(config, option);
  if (key === undefined) return option.defaultValue;
  try {
    return option.parse(config[key]);
  } catch (error) {
    if (error instanceof InvalidValueError) throw new ConfigError({ key, message: error.message });
    throw error;
  }
}

function parseInt32(text: string): number {
  const trimmed = text.trim();
  const value = Number(trimmed);
  if (!/^[-+]?\d+$/.test(trimmed) || value < -(2 ** 31) || value >= 2 ** 31) {
    throw new InvalidValueError(`"${text}" is not an integer (e.g. 10)`);
  }
  return value;
}

function parseDouble(text: string): number {
  const value = Number(text.trim());
  if (text.trim() === "" || !Number.isFinite(value)) {
    throw new InvalidValueError(`"${text}" is not a number (e.g. 1.5)`);
  }
  return value;
}

function parseBool(text: string): boolean {
  const lower = text.trim().toLowerCase();
  if (lower === "true") return true;
  if (lower === "false") return false;
  throw new InvalidValueError(`"${text}" is not a boolean (true or false)`);
}

function parseEnum<V extends string>(values: readonly V[], text: string): V {
  // Flink matches enum constants case-insensitively.
  const found = values.find((value) => value.toLowerCase() === text.trim().toLowerCase());
  if (found === undefined) {
    throw new InvalidValueError(`"${text}" is not one of ${values.join(", ")}`);
  }
  return found;
}

/** Comma- or semicolon-separated values; FKO uses commas, Flink list options semicolons. */
function parseList(text: string): string[] {
  return text.split(/[,;]/).map((item) => item.trim()).filter((item) => item !== "");
}

/** Flink's map syntax `k1:v1,k2:v2`; keys or values containing `,` or `:` may be quoted. */
function parseMap(text: string): Record<string, string> {
  const map: Record<string, string> = {};
  for (const entry of splitUnquoted(text, ",")) {
    if (entry.trim() === "") continue;
    const parts = splitUnquoted(entry, ":");
    if (parts.length !== 2) {
      throw new InvalidValueError(`"${text}" is not a map (expected key1:value1,key2:value2)`);
    }
    map[unquote(parts[0].trim())] = unquote(parts[1].trim());
  }
  return map;
}

function splitUnquoted(text: string, separator: string): string[] {
  const parts: string[] = [];
  let current = "";
  let quote: string | undefined;
  for (const char of text) {
    if (quote !== undefined) {
      if (char === quote) quote = undefined;
    } else if (char === "'" || char === '"') {
      quote = char;
    } else if (char === separator) {
      parts.push(current);
      current = "";
      continue;
    }
    current += char;
  }
  parts.push(current);
  return parts;
}

function unquote(text: string): string {
  const quote = text[0];
  if ((quote === "'" || quote === '"') && text.length >= 2 && text.endsWith(quote)) {
    // Flink escapes a quote inside a quoted token by doubling it.
    return text.slice(1, -1).replaceAll(quote + quote, quote);
  }
  return text;
}
