/**
 * What a benchmark hands back and how it is printed. A benchmark reports figures and, where the
 * project set one, a target; it never fails the run: a missed target is printed as MISS and the
 * reader decides what to do about it.
 */

export interface Figure {
  label: string;
  /** Already formatted for humans (units included), e.g. "12.3 s" or "85 MB". */
  value: string;
}

export interface Target {
  /** What is compared, e.g. "time to reconcile all". */
  label: string;
  actual: number;
  /** The measured value must stay below this. */
  below: number;
  unit: string;
}

export interface BenchResult {
  name: string;
  figures: Figure[];
  targets: Target[];
  /** Context a reader needs to interpret the figures (settings used, where a number came from). */
  notes: string[];
  /** Set when the benchmark could not measure at all (it threw or timed out). */
  error?: string;
}

export type Verdict = "PASS" | "MISS" | "ERROR" | "-";

export function verdictOf(result: BenchResult): Verdict {
  if (result.error) return "ERROR";
  if (result.targets.length === 0) return "-";
  return result.targets.every(met) ? "PASS" : "MISS";
}

export function met(target: Target): boolean {
  return target.actual < target.below;
}

export function describeTarget(t: Target): string {
  const verdict = met(t) ? "PASS" : "MISS";
  return `${t.label} ${round(t.actual)} ${t.unit} < ${t.below} ${t.unit}: ${verdict}`;
}

/** The one line per benchmark: name, figures, targets, verdict. */
export function resultLine(result: BenchResult): string {
  const parts = result.figures.map((f) => `${f.label} ${f.value}`);
  if (result.error) parts.push(`error: ${result.error}`);
  const targets = result.targets.length
    ? result.targets.map(describeTarget).join("; ")
    : "no target";
  return `${result.name}: ${parts.join(", ")} | ${targets} | ${verdictOf(result)}`;
}

/** The table printed after all benchmarks ran (plain text, fits a wide terminal). */
export function summaryTable(results: BenchResult[]): string {
  const rows = results.map((r) => [
    r.name,
    r.error ? `error: ${r.error}` : r.figures.slice(0, 4).map((f) => `${f.label} ${f.value}`)
      .join(", "),
    r.targets.length ? r.targets.map((t) => `${t.label} < ${t.below} ${t.unit}`).join("; ") : "-",
    verdictOf(r),
  ]);
  const header = ["benchmark", "figures", "target", "result"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join(" | ").trimEnd();
  return [
    line(header),
    widths.map((w) => "-".repeat(w)).join("-|-"),
    ...rows.map(line),
  ].join("\n");
}

/** Milliseconds as seconds with sensible precision. */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

export function millis(ms: number): string {
  return `${Math.round(ms)} ms`;
}

export function megabytes(kb: number): string {
  return `${(kb / 1024).toFixed(0)} MB`;
}

/** Large rates with thousands separators: "123,456 adds/s", or "123,456/s" without a unit. */
export function perSecond(count: number, ms: number, unit: string): string {
  const rate = Math.round(count / (ms / 1000)).toLocaleString("en-US");
  return unit ? `${rate} ${unit}/s` : `${rate}/s`;
}

export function round(n: number): number {
  return Math.abs(n) >= 100 ? Math.round(n) : Math.round(n * 100) / 100;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
