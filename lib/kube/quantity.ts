import { InvalidValueError } from "../config/config_error.ts";

/**
 * Kubernetes resource quantities (`500m`, `2`, `1.5Gi`, `1e9`) as plain numbers: cores for cpu,
 * bytes for memory. Unlike Flink's `MemorySize`, a `1G` here means 10^9 bytes, not a GiB.
 */

const SUFFIXES: ReadonlyMap<string, number> = new Map([
  ["Ki", 2 ** 10],
  ["Mi", 2 ** 20],
  ["Gi", 2 ** 30],
  ["Ti", 2 ** 40],
  ["Pi", 2 ** 50],
  ["Ei", 2 ** 60],
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

const FORM = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(?:[eE]([+-]?\d+)|([a-zA-Z]{0,2}))$/;

/** The quantity's value (sign kept, not rounded), or undefined when `text` is not a quantity. */
export function quantityValue(text: string): number | undefined {
  const match = FORM.exec(text.trim());
  if (match === null) return undefined;
  const factor = match[2] !== undefined ? 10 ** Number(match[2]) : SUFFIXES.get(match[3]);
  return factor === undefined ? undefined : Number(match[1]) * factor;
}

/** Like `quantityValue`, but numbers pass through and text that is no quantity throws. */
export function parseQuantity(value: string | number): number {
  if (typeof value === "number") return value;
  const amount = quantityValue(value);
  if (amount === undefined) {
    throw new InvalidValueError(`"${value}" is not a Kubernetes quantity (examples: 500m, 2, 1Gi)`);
  }
  return amount;
}

/** The quantity as the API server accepts it: numbers become their decimal text. */
export function quantityText(value: string | number): string {
  return typeof value === "number" ? String(value) : value;
}
