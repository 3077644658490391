/**
 * Settings of the FlinkStateSnapshot controller that FKO hard-codes. They are ours (prefix
 * `flinkop.`), read from the operator configuration only, and exist so that the retry and
 * deletion timings can be shortened (tests) or adapted (slow object stores).
 */
import { durationOption } from "../../config/option.ts";

/**
 * First retry delay after a failed snapshot attempt; the n-th retry waits base × 2^(n−1).
 * FKO fixes it at 10 s (10 s, 20 s, 40 s, ...).
 */
export const SNAPSHOT_BACKOFF_BASE = durationOption({
  key: "flinkop.snapshot.backoff.base",
  default: "10 s",
  scope: "system",
  description:
    "First retry delay of a failed FlinkStateSnapshot; each further retry doubles it (FKO: 10 s).",
  effect: { shownBy: ["tests/integration/snapshot_backoff_test.ts"] },
});

/**
 * How long a deleted savepoint snapshot waits for its job to run again so its data can be
 * disposed of. FKO waits forever (the resource stays in Terminating); we give up after this and
 * say so in an event, leaving the data in place.
 */
export const SNAPSHOT_DISPOSAL_TIMEOUT = durationOption({
  key: "flinkop.snapshot.disposal.timeout",
  default: "5 min",
  scope: "system",
  description:
    "How long a deleted savepoint waits for a running job to dispose of its data before the " +
    "finalizer is removed without disposal.",
  effect: { shownBy: ["tests/integration/snapshot_disposal_test.ts"] },
});
