import { InvalidValueError } from "./config_error.ts";

/**
 * Flink duration syntax (`TimeUtils.parseDuration`): an integer followed by an optional unit, a bare
 * number meaning milliseconds. Newer Flink versions also accept Java's ISO-8601 form (`PT10M`), so a
 * config written for them keeps working here.
 */

const MS_PER_UNIT: ReadonlyMap<string, number> = new Map(
  ([
    [1 / 1_000_000, ["ns", "nano", "nanos", "nanosecond", "nanoseconds"]],
    [1 / 1_000, ["µs", "us", "micro", "micros", "microsecond", "microseconds"]],
    [1, ["ms", "milli", "millis", "millisecond", "milliseconds"]],
    [1_000, ["s", "sec", "secs", "second", "seconds"]],
    [60_000, ["m", "min", "mins", "minute", "minutes"]],
    [3_600_000, ["h", "hour", "hours"]],
    [86_400_000, ["d", "day", "days"]],
  ] as const).flatMap(([ms, labels]) => labels.map((label) => [label, ms] as const)),
);

const EXAMPLES = "examples: 60 s, 5 min, 1 h";

// A leading minus is an extension: Flink rejects it, but FKO itself uses `-1 min` as the
// "disabled" default of cluster.resource-view.refresh-interval.
const FLINK_FORM = /^(-?)(\d+)\s*(\S*)$/;
const ISO_FORM =
  /^([-+]?)P(?:([-+]?\d+)D)?(?:T(?:([-+]?\d+)H)?(?:([-+]?\d+)M)?(?:([-+]?\d+)(?:[.,](\d{1,9}))?S)?)?$/i;

/** Parses a Flink duration such as `10 s`, `5min`, `1 d`, `100` (ms) or `PT1M`; returns milliseconds. */
export function parseDuration(text: string): number {
  const trimmed = text.trim();
  if (trimmed === "") throw new InvalidValueError(`"" is not a duration (${EXAMPLES})`);
  const flink = FLINK_FORM.exec(trimmed);
  if (flink) {
    const [, sign, digits, rawUnit] = flink;
    const unit = rawUnit.toLowerCase();
    const factor = unit === "" ? 1 : MS_PER_UNIT.get(unit);
    if (factor === undefined) {
      throw new InvalidValueError(
        `"${text}" is not a duration: unknown unit "${rawUnit}" ` +
          `(units: ms, s, min, h, d; ${EXAMPLES})`,
      );
    }
    return checked(text, (sign === "-" ? -1 : 1) * Number(digits) * factor);
  }
  const iso = ISO_FORM.exec(trimmed);
  if (iso && /[DHMS]$/i.test(trimmed)) {
    const [, sign, days, hours, minutes, seconds, fraction] = iso;
    // Whole milliseconds of the fraction, computed on digits to avoid binary rounding (1.005 s).
    const fractionMs = Number((fraction ?? "").padEnd(3, "0").slice(0, 3));
    const secondsMs = Number(seconds ?? 0) * 1_000 +
      (seconds?.startsWith("-") ? -fractionMs : fractionMs);
    const total = Number(days ?? 0) * 86_400_000 + Number(hours ?? 0) * 3_600_000 +
      Number(minutes ?? 0) * 60_000 + secondsMs;
    return checked(text, (sign === "-" ? -1 : 1) * total);
  }
  throw new InvalidValueError(`"${text}" is not a duration (${EXAMPLES})`);
}

function checked(text: string, ms: number): number {
  const whole = Math.trunc(ms) + 0; // "+ 0" turns -0 into 0
  if (!Number.isSafeInteger(whole)) {
    throw new InvalidValueError(`"${text}" is too large for a duration`);
  }
  return whole;
}

const FORMAT_UNITS: ReadonlyArray<readonly [string, number]> = [
  ["d", 86_400_000],
  ["h", 3_600_000],
  ["min", 60_000],
  ["s", 1_000],
];

/** Formats milliseconds with the largest unit that represents them exactly, e.g. `5 min`. */
export function formatDuration(ms: number): string {
  const whole = Math.trunc(ms);
  if (whole !== 0) {
    for (const [label, factor] of FORMAT_UNITS) {
      if (whole % factor === 0) return `${whole / factor} ${label}`;
    }
  }
  return `${whole} ms`;
}
