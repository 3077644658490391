import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { type FlinkVersion, isFlinkVersionAtLeast } from "../../api/mod.ts";
import { ConfigError } from "../../config/config_error.ts";
import { decodeFlinkList, encodeFlinkList } from "./flink_structured_value.ts";

/**
 * The configuration file in `flink-config-<name>`. FKO writes `flink-conf.yaml` for Flink before
 * 2.0 and `config.yaml` from 2.0 on (reference §5.1); exactly one of them, because 1.19/1.20
 * prefer a present `flink-conf.yaml` and 2.x reads only `config.yaml`.
 */
export const LEGACY_CONFIG_FILE = "flink-conf.yaml";
export const STANDARD_CONFIG_FILE = "config.yaml";

export interface FlinkConfigFile {
  readonly fileName: string;
  readonly content: string;
}

/**
 * List-typed options the operator sets. In `config.yaml` they are written as YAML sequences:
 * standard-YAML Flink reads a sequence as a list for sure, while the `;` string form is only a
 * legacy fallback.
 */
const LIST_KEYS: ReadonlySet<string> = new Set([
  "pipeline.jars",
  "pipeline.classpaths",
  "$internal.application.program-args",
]);

export function configFileName(version: FlinkVersion): string {
  return isFlinkVersionAtLeast(version, "v2_0") ? STANDARD_CONFIG_FILE : LEGACY_CONFIG_FILE;
}

/** Renders `conf` as the file Flink `flinkVersion` reads; keys are sorted for stable diffs. */
export function renderFlinkConfigFile(
  conf: Readonly<Record<string, string>>,
  flinkVersion: FlinkVersion,
): FlinkConfigFile {
  const fileName = configFileName(flinkVersion);
  const keys = Object.keys(conf).sort();
  const content = fileName === LEGACY_CONFIG_FILE
    ? renderLegacy(conf, keys)
    : renderStandard(conf, keys);
  return { fileName, content };
}

/**
 * Legacy format: one `key: value` per line, split at the first `: `, everything after `#` is a
 * comment, values are trimmed and empty ones skipped. A `#` or a line break cannot be expressed,
 * so such entries are rejected instead of silently truncated.
 */
function renderLegacy(conf: Readonly<Record<string, string>>, keys: string[]): string {
  const lines: string[] = [];
  for (const key of keys) {
    const value = conf[key].trim();
    if (value === "") continue; // Flink ignores empty values; writing them only adds warnings.
    const badKey = key.trim() !== key || key === "" || /[#\r\n]|: /.test(key);
    const badValue = /[#\r\n]/.test(value);
    if (badKey || badValue) {
      throw new ConfigError({
        key,
        message: `cannot be written to ${LEGACY_CONFIG_FILE} (Flink before 2.0): ` +
          (badKey
            ? "keys must not contain '#', ': ', line breaks or surrounding spaces"
            : "values must not contain '#' or line breaks"),
      });
    }
    lines.push(`${key}: ${value}`);
  }
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
}

/**
 * Standard YAML with flat dotted keys (accepted by Flink ≥ 1.19). Flat keys never collide: `a`
 * and `a.b` are two distinct top-level keys, whereas nesting would have to turn `a` into both a
 * scalar and a map.
 */
function renderStandard(conf: Readonly<Record<string, string>>, keys: string[]): string {
  const doc: Record<string, string | string[]> = {};
  for (const key of keys) {
    doc[key] = LIST_KEYS.has(key) ? decodeFlinkList(conf[key]) : conf[key];
  }
  return keys.length === 0 ? "" : stringifyYaml(doc, { lineWidth: 0 });
}

/**
 * Parses either file back into a flat configuration (for tests and validation). `config.yaml`
 * may be nested or flat; sequences become Flink's `;` list form. Two spellings of the same key
 * (nested `a: {b: 1}` and flat `a.b: 2`) are an error, because Flink would keep one at random.
 */
export function parseFlinkConfigFile(fileName: string, content: string): Record<string, string> {
  if (fileName.endsWith(LEGACY_CONFIG_FILE)) return parseLegacy(content);
  if (fileName.endsWith(STANDARD_CONFIG_FILE)) return parseStandard(fileName, content);
  throw new Error(`${fileName} is not a Flink configuration file`);
}

function parseLegacy(content: string): Record<string, string> {
  const conf: Record<string, string> = {};
  for (const line of content.split(/\r?\n/)) {
    const text = line.split("#", 1)[0];
    const separator = text.indexOf(": ");
    if (separator < 0) continue;
    const key = text.slice(0, separator).trim();
    const value = text.slice(separator + 2).trim();
    if (key !== "" && value !== "") conf[key] = value;
  }
  return conf;
}

function parseStandard(fileName: string, content: string): Record<string, string> {
  const doc = parseYaml(content) as unknown;
  if (doc === null || doc === undefined) return {};
  if (!isPlainObject(doc)) throw new Error(`${fileName}: the document is not a mapping`);
  const conf: Record<string, string> = {};
  const visit = (node: Record<string, unknown>, prefix: string) => {
    for (const [name, value] of Object.entries(node)) {
      const key = prefix === "" ? name : `${prefix}.${name}`;
      if (isPlainObject(value)) {
        visit(value, key);
        continue;
      }
      if (value === null || value === undefined) continue;
      if (Object.hasOwn(conf, key)) {
        throw new Error(`${fileName}: key "${key}" is given twice (nested and flat)`);
      }
      conf[key] = Array.isArray(value) ? encodeFlinkList(value.map(scalarText)) : scalarText(value);
    }
  };
  visit(doc, "");
  return conf;
}

function scalarText(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "object" && value !== null) return JSON.stringify(value);
  return String(value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
