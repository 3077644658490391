/**
 * Option values written the way FKO's Java code writes them into the deploy config, so the
 * generated `flink-config-<name>` reads like the one FKO produces.
 */

/** Java's `Double.toString` for ordinary values: `1.0`, `0.5`, `2.25`. */
export function formatJavaDouble(value: number): string {
  if (Number.isInteger(value) && Math.abs(value) < 1e7) return `${value}.0`;
  return String(value);
}

const MEMORY_UNITS: ReadonlyArray<readonly [string, number]> = [
  ["tb", 2 ** 40],
  ["gb", 2 ** 30],
  ["mb", 2 ** 20],
  ["kb", 2 ** 10],
];

/** Flink's `MemorySize.toString()`: the largest exact binary unit, e.g. `2 gb`, `1536 mb`. */
export function formatFlinkMemorySize(bytes: number): string {
  if (bytes !== 0) {
    for (const [unit, factor] of MEMORY_UNITS) {
      if (bytes % factor === 0) return `${bytes / factor} ${unit}`;
    }
  }
  return `${bytes} bytes`;
}
