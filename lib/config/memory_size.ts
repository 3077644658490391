import { InvalidValueError } from "./config_error.ts";

/**
 * Memory amounts as FKO reads `resource.memory`: first Flink's `MemorySize` syntax (binary units,
 * case-insensitive, so `1024m` is 1024 MiB and `1G` is 1 GiB), then a Kubernetes quantity (`1Gi`,
 * `500Mi`, `1.5G`, `1e9`).
 */

const KIB = 1024;
const FLINK_UNITS: ReadonlyMap<string, number> = new Map(
  ([
    [1, ["", "b", "bytes"]],
    [KIB, ["k", "kb", "kibibytes"]],
    [KIB ** 2, ["m", "mb", "mebibytes"]],
    [KIB ** 3, ["g", "gb", "gibibytes"]],
    [KIB ** 4, ["t", "tb", "tebibytes"]],
  ] as const).flatMap(([bytes, labels]) => labels.map((label) => [label, bytes] as const)),
);

const QUANTITY_SUFFIXES: ReadonlyMap<string, number> = new Map([
  ["Ki", KIB],
  ["Mi", KIB ** 2],
  ["Gi", KIB ** 3],
  ["Ti", KIB ** 4],
  ["Pi", KIB ** 5],
  ["Ei", KIB ** 6],
  ["n", 1e-9],
  ["u", 1e-6],
  ["m", 1e-3],
  ["", 1],
  ["k", 1e3],
  ["M", 1e6],
  ["G", 1e9],
  ["T", 1e12],
  ["P", 1e15],
  ["E", 1e18],
]);

const FLINK_FORM = /^(\d+)\s*(\S*)$/;
const QUANTITY_FORM = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(?:([eE][+-]?\d+)|([a-zA-Z]{0,2}))$/;
const EXAMPLES = "examples: 1024m, 2g, 1Gi, 512Mi";

/** Parses a memory size to bytes (Flink `MemorySize` first, Kubernetes quantity as fallback). */
export function parseMemorySize(text: string): number {
  const trimmed = text.trim();
  return parseFlinkMemorySize(trimmed) ?? parseQuantity(trimmed) ?? fail(text);
}

function parseFlinkMemorySize(text: string): number | undefined {
  const match = FLINK_FORM.exec(text);
  if (!match) return undefined;
  const factor = FLINK_UNITS.get(match[2].toLowerCase());
  return factor === undefined ? undefined : safe(text, Number(match[1]) * factor);
}

function parseQuantity(text: string): number | undefined {
  const match = QUANTITY_FORM.exec(text);
  if (!match) return undefined;
  const [, number, exponent, suffix] = match;
  const factor = exponent !== undefined
    ? 10 ** Number(exponent.slice(1))
    : QUANTITY_SUFFIXES.get(suffix);
  if (factor === undefined) return undefined;
  const bytes = Number(number) * factor;
  if (bytes < 0) throw new InvalidValueError(`"${text}" is negative, a memory size must not be`);
  // FKO converts the quantity with BigDecimal.longValue(), i.e. it drops fractional bytes.
  return safe(text, Math.trunc(bytes));
}

function safe(text: string, bytes: number): number {
  if (!Number.isSafeInteger(bytes)) {
    throw new InvalidValueError(`"${text}" is too large for a memory size`);
  }
  return bytes;
}

function fail(text: string): never {
  throw new InvalidValueError(`"${text}" is not a memory size (${EXAMPLES})`);
}

const FORMAT_UNITS: ReadonlyArray<readonly [string, number]> = [
  ["t", KIB ** 4],
  ["g", KIB ** 3],
  ["m", KIB ** 2],
  ["k", KIB],
];

/** Formats bytes in Flink syntax with the largest exact binary unit, e.g. `2g` or `1536m`. */
export function formatMemorySize(bytes: number): string {
  if (bytes !== 0) {
    for (const [label, factor] of FORMAT_UNITS) {
      if (bytes % factor === 0) return `${bytes / factor}${label}`;
    }
  }
  return `${bytes}b`;
}
