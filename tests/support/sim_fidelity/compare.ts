/**
 * Step-by-step comparison of two runs of the fidelity script (simulator vs real Flink): per step
 * the status code and the response shape (shape.ts), then the differences held against the list
 * of known ones (known_differences.ts).
 */
import type { Exchange, StepRecord } from "./script.ts";
import { type Shape, shapeDifferences, shapeOf } from "./shape.ts";

/**
 * Where a difference is: `(step)` ran on one side only, `(error)`, `(status)`, `(exception
 * classes)`, or a body path.
 */
export interface Difference {
  step: string;
  path: string;
  sim: string;
  real: string;
}

export function bodyShape(exchange: Exchange): Shape {
  if (exchange.json !== undefined) return shapeOf(exchange.json);
  return exchange.text.trim() ? { kind: "string" } : { kind: "null" };
}

const JAVA_CLASS = /^([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+)(?::|$)/;

/**
 * The Java exception classes a body names — the first line of each of Flink's `errors`, and the
 * `class`/`exceptionName` of failure causes — sorted. Messages are values (they carry ids and
 * paths), but the exception a client sees is part of the contract.
 */
export function exceptionClasses(json: unknown): string[] {
  const found = new Set<string>();
  const visit = (value: unknown, key?: string) => {
    if (typeof value === "string") {
      if (key === "class" || key === "exceptionName") found.add(value);
      if (key === "errors") {
        const first = value.replace(/^<Exception on server side:\s*/, "").split("\n")[0].trim();
        const match = JAVA_CLASS.exec(first);
        if (match) found.add(match[1]);
      }
    } else if (Array.isArray(value)) {
      for (const item of value) visit(item, key);
    } else if (value && typeof value === "object") {
      for (const [k, v] of Object.entries(value)) visit(v, k);
    }
  };
  visit(json);
  return [...found].sort();
}

export function compareRuns(sim: StepRecord[], real: StepRecord[]): Difference[] {
  const out: Difference[] = [];
  const simByName = new Map(sim.map((s) => [s.name, s]));
  const realByName = new Map(real.map((s) => [s.name, s]));
  // In script order: the real run's order, then steps only the simulator ran.
  const names = [...new Set([...real.map((s) => s.name), ...sim.map((s) => s.name)])];
  for (const name of names) {
    const s = simByName.get(name);
    const r = realByName.get(name);
    if (!s || !r) {
      out.push({
        step: name,
        path: "(step)",
        sim: s ? "ran" : "not run",
        real: r ? "ran" : "not run",
      });
      continue;
    }
    if (s.error || r.error) {
      out.push({ step: name, path: "(error)", sim: s.error ?? "none", real: r.error ?? "none" });
    }
    if (!s.exchange || !r.exchange) {
      if (s.exchange || r.exchange) {
        out.push({
          step: name,
          path: "(exchange)",
          sim: s.exchange ? "answered" : "no answer",
          real: r.exchange ? "answered" : "no answer",
        });
      }
      continue;
    }
    if (s.exchange.status !== r.exchange.status) {
      out.push({
        step: name,
        path: "(status)",
        sim: String(s.exchange.status),
        real: String(r.exchange.status),
      });
    }
    const simClasses = exceptionClasses(s.exchange.json).join(", ") || "none";
    const realClasses = exceptionClasses(r.exchange.json).join(", ") || "none";
    if (simClasses !== realClasses) {
      out.push({ step: name, path: "(exception classes)", sim: simClasses, real: realClasses });
    }
    for (const d of shapeDifferences(bodyShape(s.exchange), bodyShape(r.exchange))) {
      out.push({ step: name, ...d });
    }
  }
  return out;
}

/** A difference the simulator keeps on purpose, with the reason; mirrored in docs/simulator.md. */
export interface KnownDifference {
  /** The step name (script.ts), or a pattern for several steps. */
  step: string | RegExp;
  path: string;
  sim: string;
  real: string;
  /** Where it shows; all releases when absent. */
  releases?: readonly string[];
  reason: string;
}

export interface Verdict {
  /** Differences no known difference explains: simulator bugs, or a list to update. */
  unexplained: Difference[];
  explained: { difference: Difference; known: KnownDifference }[];
  /** Known differences of this release that did not show: fixed, so they must leave the list. */
  unused: KnownDifference[];
}

export function judge(
  differences: Difference[],
  known: readonly KnownDifference[],
  release: string,
): Verdict {
  const applicable = known.filter((k) => !k.releases || k.releases.includes(release));
  const used = new Set<KnownDifference>();
  const verdict: Verdict = { unexplained: [], explained: [], unused: [] };
  for (const difference of differences) {
    const match = applicable.find((k) => explains(k, difference));
    if (match) {
      used.add(match);
      verdict.explained.push({ difference, known: match });
    } else verdict.unexplained.push(difference);
  }
  verdict.unused = applicable.filter((k) => !used.has(k));
  return verdict;
}

function explains(k: KnownDifference, d: Difference): boolean {
  const stepMatches = typeof k.step === "string" ? k.step === d.step : k.step.test(d.step);
  return stepMatches && k.path === d.path && k.sim === d.sim && k.real === d.real;
}

export function describeDifference(d: Difference): string {
  return `${d.step} ${d.path}: simulator ${d.sim}, real Flink ${d.real}`;
}
