/**
 * Flink's MemorySize as its configuration reads and its messages print it: `1024m`, `1 gb`,
 * `268435456b`, binary units; printed as `256.000mb (268435456 bytes)`.
 */

import { FlinkExceptions, type SimThrowable, throwable } from "./failure.ts";

const KIB = 1024;
/** Flink's units in the order its messages list them. */
const UNITS: ReadonlyArray<readonly [readonly string[], number]> = [
  [["b", "bytes"], 1],
  [["k", "kb", "kibibytes"], KIB],
  [["m", "mb", "mebibytes"], KIB ** 2],
  [["g", "gb", "gibibytes"], KIB ** 3],
  [["t", "tb", "tebibytes"], KIB ** 4],
];

/** Bytes, or undefined for text Flink cannot read as a memory size (negative, fractional, junk). */
export function parseFlinkMemorySize(text: string): number | undefined {
  const parsed = readFlinkMemorySize(text);
  return typeof parsed === "number" ? parsed : undefined;
}

/** Bytes, or why Flink cannot read the text as a memory size, in its words. */
export function readFlinkMemorySize(text: string): number | SimThrowable {
  const trimmed = text.trim();
  const digits = /^\d+/.exec(trimmed)?.[0];
  if (!digits) return throwable(NUMBER_FORMAT, "text does not start with a number");
  const unit = trimmed.slice(digits.length).trim().toLowerCase();
  const factor = unit === "" ? 1 : UNITS.find(([names]) => names.includes(unit))?.[1];
  if (factor === undefined) {
    return throwable(
      FlinkExceptions.illegalArgument,
      `Memory size unit '${trimmed.slice(digits.length).trim()}' does not match any of the ` +
        "recognized units: " + UNITS.map(([names]) => `(${names.join(" | ")})`).join(" / "),
    );
  }
  if (BigInt(digits) > LONG_MAX) {
    return throwable(
      FlinkExceptions.illegalArgument,
      `The value '${digits}' cannot be re represented as 64bit number (numeric overflow).`,
    );
  }
  const bytes = Number(digits) * factor;
  if (BigInt(digits) * BigInt(factor) > LONG_MAX) {
    return throwable(
      FlinkExceptions.illegalArgument,
      `The value '${trimmed}' cannot be re represented as 64bit number of bytes (numeric overflow).`,
    );
  }
  return bytes;
}

const NUMBER_FORMAT = "java.lang.NumberFormatException";
const LONG_MAX = 2n ** 63n - 1n;

const PRINT_UNITS: ReadonlyArray<readonly [string, number]> = [
  ["tb", KIB ** 4],
  ["gb", KIB ** 3],
  ["mb", KIB ** 2],
  ["kb", KIB],
];

/**
 * How Flink's messages print a size: in the largest unit the size exceeds (so exactly 1 GiB is
 * `1024.000mb`), with three decimals and the exact byte count; `0 bytes` and `512 bytes` below
 * one unit.
 */
export function humanReadableMemory(bytes: number): string {
  const unit = PRINT_UNITS.find(([, factor]) => bytes > factor);
  if (!unit) return `${bytes} bytes`;
  return `${(bytes / unit[1]).toFixed(3)}${unit[0]} (${bytes} bytes)`;
}
