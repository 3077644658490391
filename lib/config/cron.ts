import { InvalidValueError } from "./config_error.ts";

/**
 * Quartz cron expressions as accepted by FKO's periodic snapshot options: 6 or 7 fields
 * (seconds minutes hours day-of-month month day-of-week [year]) with `*`, `?`, lists, ranges
 * (wrapping, e.g. `FRI-MON`), steps, month/day names, and the day specials `L`, `L-n`, `nW`, `LW`,
 * `nL` and `n#k`. Exactly one of day-of-month and day-of-week must be `?`, as in Quartz.
 * Times are evaluated in UTC (the operator image's default time zone).
 */
export interface CronSchedule {
  readonly expression: string;
  /** The first fire time strictly after `after` (whole seconds), or undefined if there is none. */
  nextAfter(after: Date): Date | undefined;
}

interface FieldSpec {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
}

const MONTH_NAMES = [
  "JAN",
  "FEB",
  "MAR",
  "APR",
  "MAY",
  "JUN",
  "JUL",
  "AUG",
  "SEP",
  "OCT",
  "NOV",
  "DEC",
];
const DAY_NAMES = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
const SECONDS: FieldSpec = { name: "seconds", min: 0, max: 59 };
const MINUTES: FieldSpec = { name: "minutes", min: 0, max: 59 };
const HOURS: FieldSpec = { name: "hours", min: 0, max: 23 };
const DAY_OF_MONTH: FieldSpec = { name: "day-of-month", min: 1, max: 31 };
const MONTH: FieldSpec = { name: "month", min: 1, max: 12, names: MONTH_NAMES };
const DAY_OF_WEEK: FieldSpec = { name: "day-of-week", min: 1, max: 7, names: DAY_NAMES };
const YEAR: FieldSpec = { name: "year", min: 1970, max: 2199 };

type DayOfMonthRule =
  | { readonly kind: "unspecified" }
  | { readonly kind: "days"; readonly days: ReadonlySet<number> }
  | { readonly kind: "last"; readonly offset: number }
  | { readonly kind: "nearestWeekday"; readonly day: number }
  | { readonly kind: "lastWeekday" };

type DayOfWeekRule =
  | { readonly kind: "unspecified" }
  | { readonly kind: "days"; readonly days: ReadonlySet<number> }
  | { readonly kind: "lastInMonth"; readonly day: number }
  | { readonly kind: "nthInMonth"; readonly day: number; readonly nth: number };

/** Parses a Quartz cron expression; throws {@link InvalidValueError} describing the bad field. */
export function parseQuartzCron(expression: string): CronSchedule {
  const fields = expression.trim().toUpperCase().split(/\s+/);
  if (fields.length < 6 || fields.length > 7) {
    throw new InvalidValueError(
      `"${expression}" is not a Quartz cron expression: expected 6 or 7 fields ` +
        `(seconds minutes hours day-of-month month day-of-week [year]), got ${fields.length}`,
    );
  }
  const at = (spec: FieldSpec, text: string) => ({ spec, text, expression });
  const seconds = sorted(parseValues(at(SECONDS, fields[0])));
  const minutes = sorted(parseValues(at(MINUTES, fields[1])));
  const hours = sorted(parseValues(at(HOURS, fields[2])));
  const dayOfMonth = parseDayOfMonth(at(DAY_OF_MONTH, fields[3]));
  const months = parseValues(at(MONTH, fields[4]));
  const dayOfWeek = parseDayOfWeek(at(DAY_OF_WEEK, fields[5]));
  const years = parseValues(at(YEAR, fields[6] ?? "*"));
  if ((dayOfMonth.kind === "unspecified") === (dayOfWeek.kind === "unspecified")) {
    throw new InvalidValueError(
      `"${expression}" is not a Quartz cron expression: exactly one of day-of-month and ` +
        `day-of-week must be "?"`,
    );
  }

  const dayMatches = (year: number, month: number, day: number): boolean =>
    dayOfMonth.kind === "unspecified"
      ? matchesDayOfWeek(dayOfWeek, year, month, day)
      : matchesDayOfMonth(dayOfMonth, year, month, day);

  return {
    expression,
    nextAfter(after: Date): Date | undefined {
      // Quartz moves to the next whole second after `after` and searches from there.
      const start = new Date(Math.floor(after.getTime() / 1000) * 1000 + 1000);
      let year = start.getUTCFullYear();
      let month = start.getUTCMonth() + 1;
      let day = start.getUTCDate();
      let time: readonly [number, number, number] = [
        start.getUTCHours(),
        start.getUTCMinutes(),
        start.getUTCSeconds(),
      ];
      const midnight = [0, 0, 0] as const;
      while (year <= YEAR.max) {
        if (!years.has(year)) {
          [year, month, day, time] = [year + 1, 1, 1, midnight];
        } else if (!months.has(month) || day > daysInMonth(year, month)) {
          [year, month, day, time] = month === 12
            ? [year + 1, 1, 1, midnight]
            : [year, month + 1, 1, midnight];
        } else {
          const fire = dayMatches(year, month, day)
            ? firstTimeAtOrAfter(time, hours, minutes, seconds)
            : undefined;
          if (fire) return new Date(Date.UTC(year, month - 1, day, ...fire));
          [day, time] = [day + 1, midnight];
        }
      }
      return undefined;
    },
  };
}

/** True when `expression` parses as a Quartz cron expression. */
export function isQuartzCron(expression: string): boolean {
  try {
    parseQuartzCron(expression);
    return true;
  } catch {
    return false;
  }
}

interface FieldText {
  readonly spec: FieldSpec;
  readonly text: string;
  readonly expression: string;
}

function invalid(field: FieldText, why: string): InvalidValueError {
  return new InvalidValueError(
    `"${field.expression}" is not a Quartz cron expression: ${field.spec.name} "${field.text}" ${why}`,
  );
}

function parseValues(field: FieldText): ReadonlySet<number> {
  const { spec } = field;
  const values = new Set<number>();
  for (const part of field.text.split(",")) {
    const [range, stepText, extra] = part.split("/");
    if (extra !== undefined || range === "") throw invalid(field, "is malformed");
    const step = stepText === undefined ? 1 : parseNumber(field, stepText, 1, spec.max);
    let first: number;
    let last: number;
    if (range === "*" || range === "?") {
      if (range === "?" && spec !== DAY_OF_MONTH && spec !== DAY_OF_WEEK) {
        throw invalid(field, `uses "?", which is only allowed for day-of-month and day-of-week`);
      }
      [first, last] = [spec.min, spec.max];
    } else if (range.includes("-")) {
      const [from, to, more] = range.split("-");
      if (more !== undefined) throw invalid(field, "is malformed");
      [first, last] = [parseValue(field, from), parseValue(field, to)];
    } else {
      first = parseValue(field, range);
      last = stepText === undefined ? first : spec.max;
    }
    // A range like 22-2 or FRI-MON wraps around the end of the field, as in Quartz.
    const size = spec.max - spec.min + 1;
    const span = last >= first ? last - first : size - (first - last);
    for (let offset = 0; offset <= span; offset += step) {
      const value = first + offset;
      values.add(value > spec.max ? value - size : value);
    }
  }
  return values;
}

function parseValue(field: FieldText, text: string): number {
  const named = field.spec.names?.indexOf(text) ?? -1;
  if (named >= 0) return named + 1;
  return parseNumber(field, text, field.spec.min, field.spec.max);
}

function parseNumber(field: FieldText, text: string, min: number, max: number): number {
  if (!/^\d+$/.test(text)) throw invalid(field, `has an invalid value "${text}"`);
  const value = Number(text);
  if (value < min || value > max) throw invalid(field, `has ${value} outside ${min}-${max}`);
  return value;
}

function parseDayOfMonth(field: FieldText): DayOfMonthRule {
  const { text } = field;
  if (text === "?") return { kind: "unspecified" };
  if (text === "L") return { kind: "last", offset: 0 };
  if (text === "LW") return { kind: "lastWeekday" };
  const lastMinus = /^L-(\d+)$/.exec(text);
  if (lastMinus) return { kind: "last", offset: parseNumber(field, lastMinus[1], 0, 30) };
  const weekday = /^(\d+)W$/.exec(text);
  if (weekday) return { kind: "nearestWeekday", day: parseNumber(field, weekday[1], 1, 31) };
  return { kind: "days", days: parseValues(field) };
}

function parseDayOfWeek(field: FieldText): DayOfWeekRule {
  const { text } = field;
  if (text === "?") return { kind: "unspecified" };
  // A lone "L" in day-of-week is simply the last day of the week, Saturday.
  if (text === "L") return { kind: "days", days: new Set([7]) };
  const last = /^(\w+)L$/.exec(text);
  if (last) return { kind: "lastInMonth", day: parseValue(field, last[1]) };
  const nth = /^(\w+)#(\d+)$/.exec(text);
  if (nth) {
    return {
      kind: "nthInMonth",
      day: parseValue(field, nth[1]),
      nth: parseNumber(field, nth[2], 1, 5),
    };
  }
  return { kind: "days", days: parseValues(field) };
}

function matchesDayOfMonth(
  rule: DayOfMonthRule,
  year: number,
  month: number,
  day: number,
): boolean {
  const lastDay = daysInMonth(year, month);
  switch (rule.kind) {
    case "unspecified":
      return true;
    case "days":
      return rule.days.has(day);
    case "last":
      return day === lastDay - rule.offset;
    case "nearestWeekday":
      return rule.day <= lastDay && day === nearestWeekday(year, month, rule.day, lastDay);
    case "lastWeekday":
      return day === nearestWeekday(year, month, lastDay, lastDay);
  }
}

function matchesDayOfWeek(rule: DayOfWeekRule, year: number, month: number, day: number): boolean {
  const weekday = new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 1;
  switch (rule.kind) {
    case "unspecified":
      return true;
    case "days":
      return rule.days.has(weekday);
    case "lastInMonth":
      return weekday === rule.day && day + 7 > daysInMonth(year, month);
    case "nthInMonth":
      return weekday === rule.day && Math.ceil(day / 7) === rule.nth;
  }
}

/** The weekday closest to `day` without leaving the month (Quartz `W`). */
function nearestWeekday(year: number, month: number, day: number, lastDay: number): number {
  const weekday = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
  if (weekday === 6) return day === 1 ? 3 : day - 1;
  if (weekday === 0) return day === lastDay ? day - 2 : day + 1;
  return day;
}

function sorted(values: ReadonlySet<number>): number[] {
  return [...values].sort((a, b) => a - b);
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function firstTimeAtOrAfter(
  [hour, minute, second]: readonly [number, number, number],
  hours: readonly number[],
  minutes: readonly number[],
  seconds: readonly number[],
): [number, number, number] | undefined {
  for (const h of hours) {
    if (h < hour) continue;
    for (const m of minutes) {
      if (h === hour && m < minute) continue;
      const from = h === hour && m === minute ? second : 0;
      const s = seconds.find((candidate) => candidate >= from);
      if (s !== undefined) return [h, m, s];
    }
  }
  return undefined;
}
