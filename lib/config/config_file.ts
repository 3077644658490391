import { parse as parseYaml } from "yaml";
import { ConfigError } from "./config_error.ts";
import { flattenFlinkConfiguration } from "./flatten.ts";

/** Reads a file's text; returns null/undefined or throws NotFound/ENOENT when it does not exist. */
export type ReadTextFile = (path: string) => string | null | undefined;

/** A configuration file's flat key/value content plus anything worth warning about. */
export interface LoadedConfigFile {
  readonly path: string;
  readonly values: Record<string, string>;
  readonly warnings: readonly string[];
}

export const LEGACY_CONFIG_FILE = "flink-conf.yaml";
export const STANDARD_CONFIG_FILE = "config.yaml";

/**
 * Parses a configuration file by name: `flink-conf.yaml` with Flink's legacy line parser
 * (`key: value` per line, `#` starts a comment, no YAML quoting), anything else as standard YAML
 * whose nested keys are flattened (Flink >= 1.19 `config.yaml`).
 */
export function parseConfigFile(path: string, text: string): LoadedConfigFile {
  return path.split("/").pop() === LEGACY_CONFIG_FILE
    ? parseLegacyConfig(path, text)
    : parseStandardConfig(path, text);
}

function parseLegacyConfig(path: string, text: string): LoadedConfigFile {
  const values: Record<string, string> = {};
  const warnings: string[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    const content = line.split("#", 1)[0].trim();
    if (content === "") return;
    const separator = content.indexOf(": ");
    const key = separator < 0 ? "" : content.slice(0, separator).trim();
    const value = separator < 0 ? "" : content.slice(separator + 2).trim();
    if (key === "" || value === "") {
      // Flink skips such lines with a warning rather than failing.
      warnings.push(`${path}:${index + 1}: ignoring line without "key: value": ${line.trim()}`);
      return;
    }
    values[key] = value;
  });
  return { path, values, warnings };
}

function parseStandardConfig(path: string, text: string): LoadedConfigFile {
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    throw new ConfigError({ key: "", message: `${path} is not valid YAML: ${errorText(error)}` });
  }
  if (document === null || document === undefined) return { path, values: {}, warnings: [] };
  if (typeof document !== "object" || Array.isArray(document)) {
    throw new ConfigError({ key: "", message: `${path} must contain a YAML mapping of options` });
  }
  return { path, values: flattenFlinkConfiguration(document), warnings: [] };
}

/** Reads `path`, or returns undefined when it does not exist. */
export function readOptionalFile(readFile: ReadTextFile, path: string): string | undefined {
  try {
    return readFile(path) ?? undefined;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw new ConfigError({ key: "", message: `cannot read ${path}: ${errorText(error)}` });
  }
}

/**
 * Loads the configuration of a Flink-style conf directory (e.g. a mounted ConfigMap). Like Flink
 * 1.20, which FKO embeds, a `flink-conf.yaml` takes precedence over `config.yaml`.
 * Returns undefined when the directory holds neither file.
 */
export function loadConfigDir(readFile: ReadTextFile, dir: string): LoadedConfigFile | undefined {
  const base = dir.replace(/\/+$/, "");
  const legacyPath = `${base}/${LEGACY_CONFIG_FILE}`;
  const standardPath = `${base}/${STANDARD_CONFIG_FILE}`;
  const legacy = readOptionalFile(readFile, legacyPath);
  const standard = readOptionalFile(readFile, standardPath);
  if (legacy !== undefined) {
    const loaded = parseConfigFile(legacyPath, legacy);
    if (standard === undefined) return loaded;
    const ignored = `${standardPath} is ignored because ${legacyPath} exists`;
    return { ...loaded, warnings: [...loaded.warnings, ignored] };
  }
  return standard === undefined ? undefined : parseConfigFile(standardPath, standard);
}

/** The default file reader: Deno's synchronous text read. */
export const readTextFileSync: ReadTextFile = (path) => Deno.readTextFileSync(path);

function isNotFound(error: unknown): boolean {
  if (error instanceof Deno.errors.NotFound) return true;
  const code = (error as { code?: unknown } | null)?.code;
  return code === "ENOENT" || code === "ENOTDIR";
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
