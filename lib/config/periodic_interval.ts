import { InvalidValueError } from "./config_error.ts";
import { type CronSchedule, parseQuartzCron } from "./cron.ts";
import { parseDuration } from "./duration.ts";
import { errorMessage } from "../error_message.ts";

/** How `kubernetes.operator.periodic.{savepoint,checkpoint}.interval` asks for periodic snapshots. */
export type PeriodicInterval =
  | { readonly kind: "disabled" }
  | { readonly kind: "duration"; readonly ms: number }
  | { readonly kind: "cron"; readonly expr: string; readonly schedule: CronSchedule };

const DISABLED: PeriodicInterval = { kind: "disabled" };
const EXPECTED = "a duration (e.g. 6 h) or a Quartz cron expression (e.g. 0 0 0/6 * * ?)";

/**
 * Interprets a periodic snapshot interval like FKO: blank or a non-positive duration disables it,
 * otherwise it is a Flink duration (`6 h`) or a Quartz cron expression (`0 0 * * * ?`).
 */
export function parsePeriodicInterval(value: string | undefined): PeriodicInterval {
  const text = value?.trim() ?? "";
  if (text === "") return DISABLED;
  try {
    const ms = parseDuration(text);
    return ms > 0 ? { kind: "duration", ms } : DISABLED;
  } catch {
    // not a duration: try cron below
  }
  // Fewer than six fields cannot be meant as cron, so the cron parser's detail would only confuse.
  if (text.split(/\s+/).length < 6) {
    throw new InvalidValueError(`"${text}" is not ${EXPECTED}`);
  }
  try {
    return { kind: "cron", expr: text, schedule: parseQuartzCron(text) };
  } catch (error) {
    throw new InvalidValueError(`${errorMessage(error)} (expected ${EXPECTED})`);
  }
}
