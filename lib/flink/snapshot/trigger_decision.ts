/**
 * When a job's controller asks for a snapshot (FKO SnapshotUtils.shouldTriggerSnapshot): a manual
 * one when the trigger nonce changed, else a periodic one when the configured interval (a
 * duration or a Quartz cron schedule) has come round since the last trigger.
 */
import type { SnapshotType } from "../../api/enums.ts";
import type { PeriodicInterval } from "../../config/periodic_interval.ts";

export type SnapshotTrigger = "MANUAL" | "PERIODIC";

/** A nonce set to a value other than the one last reconciled asks for a snapshot. */
export function manualTriggerRequested(
  specNonce: number | undefined,
  reconciledNonce: number | undefined,
): boolean {
  return specNonce !== undefined && specNonce !== reconciledNonce;
}

/** Whether the periodic schedule fired since `lastTriggerMs`. */
export function periodicSnapshotDue(
  interval: PeriodicInterval,
  lastTriggerMs: number,
  now: number,
): boolean {
  switch (interval.kind) {
    case "disabled":
      return false;
    case "duration":
      return lastTriggerMs + interval.ms < now;
    case "cron": {
      const next = interval.schedule.nextAfter(new Date(lastTriggerMs));
      return next !== undefined && next.getTime() < now;
    }
  }
}

export function decideSnapshotTrigger(input: {
  specNonce: number | undefined;
  reconciledNonce: number | undefined;
  interval: PeriodicInterval;
  lastTriggerMs: number;
  now: number;
}): SnapshotTrigger | undefined {
  if (manualTriggerRequested(input.specNonce, input.reconciledNonce)) return "MANUAL";
  if (periodicSnapshotDue(input.interval, input.lastTriggerMs, input.now)) return "PERIODIC";
  return undefined;
}

/**
 * Where periodic timing resumes after an operator start (FKO SnapshotTriggerTimestampStore): the
 * creation of the newest completed periodic snapshot resource, else the later of the resource's
 * creation and the legacy `lastPeriodic*Timestamp`.
 */
export function initialLastTrigger(input: {
  newestCompletedPeriodicMs?: number;
  resourceCreatedMs?: number;
  legacyLastPeriodicMs?: number;
}): number {
  if (input.newestCompletedPeriodicMs !== undefined) return input.newestCompletedPeriodicMs;
  return Math.max(input.resourceCreatedMs ?? 0, input.legacyLastPeriodicMs ?? 0);
}

/** Last periodic trigger time per resource and snapshot type, kept in memory as FKO does. */
export class LastTriggerStore {
  readonly #times = new Map<string, number>();

  get(uid: string, type: SnapshotType): number | undefined {
    return this.#times.get(`${uid}/${type}`);
  }

  set(uid: string, type: SnapshotType, ms: number): void {
    this.#times.set(`${uid}/${type}`, ms);
  }

  forget(uid: string): void {
    for (const key of [...this.#times.keys()]) {
      if (key.startsWith(`${uid}/`)) this.#times.delete(key);
    }
  }
}
