import assert from "node:assert/strict";
import { isQuartzCron, parseQuartzCron } from "../../lib/config/cron.ts";
import { parsePeriodicInterval } from "../../lib/config/periodic_interval.ts";

function next(expression: string, after: string): string | undefined {
  return parseQuartzCron(expression).nextAfter(new Date(after))?.toISOString();
}

Deno.test("cron: daily, steps and strictly-after semantics", () => {
  assert.equal(next("0 0 12 * * ?", "2024-01-01T12:00:00Z"), "2024-01-02T12:00:00.000Z");
  assert.equal(next("0 0 12 * * ?", "2024-01-01T11:59:59.500Z"), "2024-01-01T12:00:00.000Z");
  assert.equal(next("0 0/15 * * * ?", "2024-01-01T10:07:00Z"), "2024-01-01T10:15:00.000Z");
  assert.equal(next("0 0/15 * * * ?", "2024-01-01T10:45:00Z"), "2024-01-01T11:00:00.000Z");
  assert.equal(next("*/20 * * * * ?", "2024-01-01T10:00:05.500Z"), "2024-01-01T10:00:20.000Z");
  assert.equal(next("0 0 0 31 12 ?", "2024-12-31T00:00:00Z"), "2025-12-31T00:00:00.000Z");
});

Deno.test("cron: names, lists, ranges and wrapping ranges", () => {
  // 2024-01-05 is a Friday.
  assert.equal(next("0 30 9 ? * MON-FRI", "2024-01-05T10:00:00Z"), "2024-01-08T09:30:00.000Z");
  assert.equal(next("0 0 0 1 JAN,JUL ?", "2024-02-01T00:00:00Z"), "2024-07-01T00:00:00.000Z");
  assert.equal(next("0 0 22-2 * * ?", "2024-01-01T02:30:00Z"), "2024-01-01T22:00:00.000Z");
  assert.equal(next("0 0 22-2 * * ?", "2024-01-01T23:30:00Z"), "2024-01-02T00:00:00.000Z");
  assert.equal(next("0 0 0 ? * FRI-MON", "2024-01-02T00:00:00Z"), "2024-01-05T00:00:00.000Z");
});

Deno.test("cron: day specials L, L-n, W, LW, nL, n#k", () => {
  assert.equal(next("0 0 0 L * ?", "2024-02-10T00:00:00Z"), "2024-02-29T00:00:00.000Z");
  assert.equal(next("0 0 0 L-1 * ?", "2024-02-10T00:00:00Z"), "2024-02-28T00:00:00.000Z");
  // 2024-06-15 is a Saturday, 2024-06-01 too.
  assert.equal(next("0 0 0 15W * ?", "2024-06-01T00:00:00Z"), "2024-06-14T00:00:00.000Z");
  assert.equal(next("0 0 0 1W * ?", "2024-05-31T12:00:00Z"), "2024-06-03T00:00:00.000Z");
  // 2024-03-31 is a Sunday.
  assert.equal(next("0 0 0 LW * ?", "2024-03-01T00:00:00Z"), "2024-03-29T00:00:00.000Z");
  assert.equal(next("0 0 0 ? * 6#3", "2024-01-01T00:00:00Z"), "2024-01-19T00:00:00.000Z");
  assert.equal(next("0 0 0 ? * 2L", "2024-01-01T00:00:00Z"), "2024-01-29T00:00:00.000Z");
  assert.equal(next("0 0 0 ? * L", "2024-01-01T00:00:00Z"), "2024-01-06T00:00:00.000Z");
});

Deno.test("cron: year field and rare dates", () => {
  assert.equal(next("0 0 0 29 2 ?", "2025-01-01T00:00:00Z"), "2028-02-29T00:00:00.000Z");
  assert.equal(next("0 0 0 1 1 ? 2030", "2024-05-05T00:00:00Z"), "2030-01-01T00:00:00.000Z");
  assert.equal(next("0 0 0 1 1 ? 2030", "2030-01-01T00:00:00Z"), undefined);
});

Deno.test("cron: invalid expressions name the problem", () => {
  assert.throws(() => parseQuartzCron("0 0 12 * *"), /expected 6 or 7 fields/);
  assert.throws(
    () => parseQuartzCron("0 0 12 * * *"),
    /exactly one of day-of-month and day-of-week/,
  );
  assert.throws(() => parseQuartzCron("0 0 12 ? * ?"), /exactly one of/);
  assert.throws(() => parseQuartzCron("0 0 25 * * ?"), /hours "25" has 25 outside 0-23/);
  assert.throws(() => parseQuartzCron("0 0 ? * * ?"), /only allowed for day-of-month/);
  assert.throws(() => parseQuartzCron("0 0 0 ? FOO *"), /month "FOO" has an invalid value/);
  assert.equal(isQuartzCron("0 0 0/6 * * ?"), true);
  assert.equal(isQuartzCron("6 h"), false);
});

Deno.test("parsePeriodicInterval: disabled, duration, cron, invalid", () => {
  assert.deepEqual(parsePeriodicInterval(""), { kind: "disabled" });
  assert.deepEqual(parsePeriodicInterval(undefined), { kind: "disabled" });
  assert.deepEqual(parsePeriodicInterval("0"), { kind: "disabled" });
  assert.deepEqual(parsePeriodicInterval("6h"), { kind: "duration", ms: 21_600_000 });
  const cron = parsePeriodicInterval("0 0 0/6 * * ?");
  assert.equal(cron.kind, "cron");
  assert.equal(
    cron.kind === "cron" &&
      cron.schedule.nextAfter(new Date("2024-01-01T01:00:00Z"))?.toISOString(),
    "2024-01-01T06:00:00.000Z",
  );
  assert.throws(
    () => parsePeriodicInterval("often"),
    /is not a duration \(e\.g\. 6 h\) or a Quartz/,
  );
  assert.throws(() => parsePeriodicInterval("0 0 0/6 * * *"), /exactly one of/);
});
