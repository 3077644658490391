/** The figures a chaos run prints: cycles, faults by kind, violations, the operator's time. */
import type { ChaosReport } from "./run.ts";

export function percentile(values: number[], p: number): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function duration(ms: number): string {
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  return h ? `${h} h ${m} min` : `${m} min ${total % 60} s`;
}

export function formatReport(r: ChaosReport): string {
  const operator = r.cycles.map((c) => c.operatorMs);
  const totals = r.cycles.map((c) => c.totalMs);
  const faults = Object.entries(r.faults);
  const landed = faults.reduce((n, [, v]) => n + v, 0);
  const actions = new Map<string, number>();
  for (const c of r.cycles) actions.set(c.plan.action, (actions.get(c.plan.action) ?? 0) + 1);
  const lines = [
    `chaos run, seed ${r.seed}: ${r.cycles.length} of ${r.plannedCycles} cycles in ${
      duration(r.elapsedMs)
    }`,
    `  changes: ${[...actions].map(([k, v]) => `${k} ${v}`).join(", ")}`,
    `  faults landed: ${landed} — ${faults.map(([k, v]) => `${k} ${v}`).join(", ")}` +
    (r.missedFaults ? ` (${r.missedFaults} more found nothing to hit)` : ""),
    `  operator processes started: ${r.operatorStarts}`,
    `  manual restores (a stateful session job lost with its JobManager, "Job Not Found" as in ` +
    `FKO): ${r.manualRestores.length}` +
    (r.manualRestores.length
      ? ` — ${r.manualRestores.map((m) => `cycle ${m.cycle} ${m.job}`).join(", ")}`
      : ""),
    `  savepoints completed as their JobManager (no HA) crashed, never reported: ` +
    `${r.unreportedSavepoints.length}` +
    (r.unreportedSavepoints.length
      ? ` — ${r.unreportedSavepoints.map((m) => `cycle ${m.cycle} ${m.job}`).join(", ")}`
      : ""),
    `  violations: ${r.violations.length}`,
    `  operator time per cycle (the later of the change and the last fault's end → every ` +
    `resource settled): median ${s(percentile(operator, 50))}, p90 ${
      s(percentile(operator, 90))
    }, ` +
    `max ${s(Math.max(...operator))}`,
    `  cycle time (start → settled): median ${s(percentile(totals, 50))}, p90 ${
      s(percentile(totals, 90))
    }, ` +
    `max ${s(Math.max(...totals))}`,
  ];
  if (!r.cycles.length) lines.splice(7, 2);
  for (const v of r.violations) {
    lines.push(`  VIOLATION in cycle ${v.cycle} [${v.invariant}]: ${v.message}`);
  }
  if (r.violations.length) {
    lines.push(
      `  rerun: deno task chaos --cycles ${r.violations[0].cycle} --seed ${r.seed}`,
      "  timeline (seconds since the run started):",
      ...(r.timeline ?? "").split("\n").map((l) => `    ${l}`),
    );
  }
  lines.push(`  operator log: ${r.logFile}`, `  full timeline: ${r.timelineFile}`);
  return lines.join("\n");
}
