import assert from "node:assert/strict";
import { InvalidValueError } from "../../lib/config/config_error.ts";
import { formatDuration, parseDuration } from "../../lib/config/duration.ts";

Deno.test("parseDuration: Flink units, spacing and case", () => {
  const cases: [string, number][] = [
    ["100", 100],
    ["100ms", 100],
    [" 155  ms ", 155],
    ["10 s", 10_000],
    ["10 seconds", 10_000],
    ["5min", 300_000],
    ["1m", 60_000],
    ["2 minutes", 120_000],
    ["2 h", 7_200_000],
    ["1 d", 86_400_000],
    ["3 days", 259_200_000],
    ["1 MIN", 60_000],
    ["1 H", 3_600_000],
    ["1500 us", 1],
    ["2000000 ns", 2],
  ];
  for (const [text, ms] of cases) assert.equal(parseDuration(text), ms, text);
});

Deno.test("parseDuration: ISO-8601 and negative extension", () => {
  assert.equal(parseDuration("PT20.345S"), 20_345);
  assert.equal(parseDuration("PT1.005S"), 1_005);
  assert.equal(parseDuration("PT15M"), 900_000);
  assert.equal(parseDuration("P2DT3H4M"), (2 * 24 * 60 + 3 * 60 + 4) * 60_000);
  assert.equal(parseDuration("-1 min"), -60_000);
});

Deno.test("parseDuration: clear errors", () => {
  assert.throws(() => parseDuration("abc"), {
    name: "InvalidValueError",
    message: '"abc" is not a duration (examples: 60 s, 5 min, 1 h)',
  });
  assert.throws(() => parseDuration("16 gjah"), /unknown unit "gjah"/);
  assert.throws(() => parseDuration(""), InvalidValueError);
  assert.throws(() => parseDuration("16 16 ms"), InvalidValueError);
  assert.throws(() => parseDuration("P"), InvalidValueError);
  assert.throws(() => parseDuration("100000000000000000 h"), /too large/);
});

Deno.test("formatDuration: largest exact unit, round-trips", () => {
  assert.equal(formatDuration(60_000), "1 min");
  assert.equal(formatDuration(90_000), "90 s");
  assert.equal(formatDuration(86_400_000), "1 d");
  assert.equal(formatDuration(1_500), "1500 ms");
  assert.equal(formatDuration(0), "0 ms");
  assert.equal(formatDuration(-60_000), "-1 min");
  for (const ms of [1, 999, 60_000, 7_200_000, 86_400_000 * 3]) {
    assert.equal(parseDuration(formatDuration(ms)), ms);
  }
});
