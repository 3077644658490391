/**
 * How soon to look again while something is in flight (a job just submitted, a cancel under way):
 * at once after the action — a job starts within moments — then less and less often (a fifth of
 * the time since the action, so noticing adds at most about a fifth to how long it took), up to
 * the progress-check interval. Settled resources use the reconcile interval instead.
 */
import type { ResourcePass } from "./resource_pass.ts";

/** Never sooner: a pass costs API and REST calls. */
const MIN_DELAY_MS = 50;

export function inFlightDelayMs(p: Pick<ResourcePass, "env" | "status">): number {
  const since = p.env.now() - p.status.reconciliationStatus.reconciliationTimestamp;
  const progressCheck = p.env.config.progressCheckIntervalMs;
  return Math.min(progressCheck, Math.max(MIN_DELAY_MS, Math.floor(since / 5)));
}
