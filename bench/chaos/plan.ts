/**
 * The chaos run's plan: which resource changes how in each cycle, and which faults land when.
 * Everything random comes from one seeded generator, so a seed names the same plan on every
 * machine (what the cluster and the operator then do with it is timing, and is not replayed).
 */

/** mulberry32: small, fast, and good enough to spread choices; the seed is a 32-bit integer. */
export class Rng {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  weighted<T>(items: readonly (readonly [T, number])[]): T {
    const total = items.reduce((sum, [, w]) => sum + w, 0);
    let x = this.next() * total;
    for (const [item, w] of items) {
      if ((x -= w) < 0) return item;
    }
    return items[items.length - 1][0];
  }
}

export const FAULT_KINDS = [
  "operator-kill",
  "apiserver-restart",
  "jobmanager-crash",
  "rest-refused",
  "rest-hanging",
  "savepoint-failure",
  "checkpoint-failure",
] as const;
export type FaultKind = typeof FAULT_KINDS[number];

/** Faults that hit one Flink cluster (a FlinkDeployment's JobManager); the others hit everything. */
export const CLUSTER_FAULTS: ReadonlySet<FaultKind> = new Set([
  "jobmanager-crash",
  "rest-refused",
  "rest-hanging",
  "savepoint-failure",
  "checkpoint-failure",
]);

export type ActionKind = "upgrade" | "restart-nonce" | "suspend" | "resume" | "recreate";

export interface PlannedFault {
  kind: FaultKind;
  /** When it lands, in ms after the cycle's change was applied (negative: before it). */
  atMs: number;
  /**
   * How long it lasts: until an annotation is removed, or how long the killed operator stays
   * down. The API server restart and the JobManager crash take as long as they take.
   */
  durationMs: number;
  /** The FlinkDeployment whose JobManager it hits (cluster faults only). */
  cluster?: string;
}

export interface CyclePlan {
  cycle: number;
  /** The FlinkDeployment or FlinkSessionJob that changes. */
  target: string;
  action: ActionKind;
  faults: PlannedFault[];
}

/** The part of the fleet the planner needs: job resources and the cluster each one runs on. */
export interface PlanFleet {
  jobs: readonly { name: string; cluster: string }[];
  clusters: readonly string[];
}

/**
 * The cycles of one run. The planner follows the resources' intended state (a suspended one is
 * resumed next time it is picked), so every cycle's change is one the spec allows.
 */
export function planCycles(seed: number, cycles: number, fleet: PlanFleet): CyclePlan[] {
  const rng = new Rng(seed);
  const suspended = new Set<string>();
  const plans: CyclePlan[] = [];
  for (let cycle = 1; cycle <= cycles; cycle++) {
    const job = rng.pick(fleet.jobs);
    const action: ActionKind = suspended.has(job.name) ? "resume" : rng.weighted(
      [
        ["upgrade", 45],
        ["restart-nonce", 30],
        ["suspend", 15],
        ["recreate", 10],
      ] as const,
    );
    if (action === "suspend") suspended.add(job.name);
    if (action === "resume") suspended.delete(job.name);
    const count = rng.weighted([[0, 1], [1, 6], [2, 3]] as const);
    const faults: PlannedFault[] = [];
    for (let i = 0; i < count; i++) {
      const kind = rng.pick(FAULT_KINDS);
      faults.push({
        kind,
        atMs: rng.int(-1000, 4000),
        durationMs: kind === "operator-kill" ? rng.int(0, 2000) : rng.int(1000, 6000),
        cluster: CLUSTER_FAULTS.has(kind)
          ? (rng.next() < 0.8 ? job.cluster : rng.pick(fleet.clusters))
          : undefined,
      });
    }
    faults.sort((a, b) => a.atMs - b.atMs);
    plans.push({ cycle, target: job.name, action, faults });
  }
  return plans;
}

export function describePlan(plan: CyclePlan): string {
  const faults = plan.faults.map((f) =>
    `${f.kind}${f.cluster ? `(${f.cluster})` : ""} at ${f.atMs >= 0 ? "+" : ""}${f.atMs} ms` +
    (f.kind === "apiserver-restart" || f.kind === "jobmanager-crash"
      ? ""
      : ` for ${f.durationMs} ms`)
  );
  return `${plan.action} ${plan.target}; faults: ${faults.length ? faults.join(", ") : "none"}`;
}
