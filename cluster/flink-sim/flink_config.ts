import { parse as parseYaml } from "yaml";
import { encodeFlinkList } from "./flink_list.ts";

/**
 * A Flink configuration: flat string keys to string values, with the typed readers the
 * simulator needs. Each reader accepts several keys because Flink renamed many options across
 * 1.x and 2.x and keeps the old names as deprecated fallbacks (the first key that is set wins).
 */
export class FlinkConfig {
  readonly #entries: ReadonlyMap<string, string>;

  constructor(entries: Record<string, string> | ReadonlyMap<string, string> = {}) {
    this.#entries = entries instanceof Map
      ? new Map(entries)
      : new Map(Object.entries(entries as Record<string, string>));
  }

  get(...keys: string[]): string | undefined {
    for (const key of keys) {
      const value = this.#entries.get(key);
      if (value !== undefined && value.trim() !== "") return value.trim();
    }
    return undefined;
  }

  has(...keys: string[]): boolean {
    return this.get(...keys) !== undefined;
  }

  getBool(keys: string[], fallback: boolean): boolean {
    const value = this.get(...keys)?.toLowerCase();
    if (value === "true") return true;
    if (value === "false") return false;
    return fallback;
  }

  getInt(keys: string[], fallback: number): number {
    const value = this.get(...keys);
    const n = value === undefined ? NaN : Number.parseInt(value, 10);
    return Number.isFinite(n) ? n : fallback;
  }

  getDurationMs(keys: string[]): number | undefined {
    const value = this.get(...keys);
    return value === undefined ? undefined : parseDurationMs(value);
  }

  /** A copy with more entries laid on top (later layers win). */
  with(overrides: Record<string, string>): FlinkConfig {
    const merged = new Map(this.#entries);
    for (const [k, v] of Object.entries(overrides)) merged.set(k, v);
    return new FlinkConfig(merged);
  }

  toRecord(): Record<string, string> {
    return Object.fromEntries(this.#entries);
  }
}

const DURATION_UNITS: [string[], number][] = [
  [["ns", "nano", "nanos", "nanosecond", "nanoseconds"], 1e-6],
  [["µs", "us", "micro", "micros", "microsecond", "microseconds"], 1e-3],
  [["ms", "milli", "millis", "millisecond", "milliseconds"], 1],
  [["s", "sec", "secs", "second", "seconds"], 1000],
  [["m", "min", "mins", "minute", "minutes"], 60_000],
  [["h", "hour", "hours"], 3_600_000],
  [["d", "day", "days"], 86_400_000],
];

/** Flink's duration syntax (TimeUtils): `500`, `500 ms`, `5 s`, `1min`, `2 h`; bare numbers are ms. */
export function parseDurationMs(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zµ]*)\s*$/i.exec(text);
  if (!m) return undefined;
  const amount = Number(m[1]);
  const unit = m[2].toLowerCase();
  if (unit === "") return amount;
  for (const [names, factor] of DURATION_UNITS) {
    if (names.includes(unit)) return amount * factor;
  }
  return undefined;
}

/**
 * Flattens a standard-YAML `config.yaml` (Flink 1.19+, FLIP-366): nested maps join their keys
 * with dots, lists become Flink's `;`-separated list text, scalars become strings.
 */
export function flattenYamlConfig(text: string): Record<string, string> {
  const doc = parseYaml(text) as unknown;
  const out: Record<string, string> = {};
  const visit = (prefix: string, value: unknown) => {
    if (value === null || value === undefined) return;
    if (Array.isArray(value)) {
      out[prefix] = encodeFlinkList(value.map((v) => scalarText(v)));
    } else if (typeof value === "object") {
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        visit(prefix ? `${prefix}.${k}` : k, v);
      }
    } else {
      out[prefix] = scalarText(value);
    }
  };
  if (doc && typeof doc === "object") visit("", doc);
  return out;
}

function scalarText(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/**
 * The legacy `flink-conf.yaml` reader: one `key: value` per line, everything after `#` is a
 * comment, lines without `: ` are ignored — not YAML, exactly as GlobalConfiguration did it.
 */
export function parseLegacyFlinkConf(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.split("#", 1)[0].trim();
    if (!line) continue;
    const sep = line.indexOf(": ");
    if (sep <= 0) continue;
    const key = line.slice(0, sep).trim();
    const value = line.slice(sep + 2).trim();
    if (key && value) out[key] = value;
  }
  return out;
}
