import { quantityValue } from "../kube/quantity.ts";
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

const FLINK_FORM = /^(\d+)\s*(\S*)$/;
const EXAMPLES = "examples: 1024m, 2g, 1Gi, 512Mi";

/** Parses a memory size to bytes (Flink `MemorySize` first, Kubernetes quantity as fallback). */
export function parseMemorySize(text: string): number {
  const trimmed = text.trim();
  return parseFlinkMemorySize(trimmed) ?? parseQuantityBytes(trimmed) ?? fail(text);
}

function parseFlinkMemorySize(text: string): number | undefined {
  const match = FLINK_FORM.exec(text);
  if (!match) return undefined;
  const factor = FLINK_UNITS.get(match[2].toLowerCase());
  return factor === undefined ? undefined : safe(text, Number(match[1]) * factor);
}

function parseQuantityBytes(text: string): number | undefined {
  const bytes = quantityValue(text);
  if (bytes === undefined) return undefined;
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
