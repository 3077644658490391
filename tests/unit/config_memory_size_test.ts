import assert from "node:assert/strict";
import { formatMemorySize, parseMemorySize } from "../../lib/config/memory_size.ts";

const MI = 1024 ** 2;
const GI = 1024 ** 3;

Deno.test("parseMemorySize: Flink MemorySize syntax is binary and case-insensitive", () => {
  assert.equal(parseMemorySize("1024m"), 1024 * MI);
  assert.equal(parseMemorySize("2g"), 2 * GI);
  assert.equal(parseMemorySize("1gb"), GI);
  assert.equal(parseMemorySize("1G"), GI);
  assert.equal(parseMemorySize("512 mb"), 512 * MI);
  assert.equal(parseMemorySize("64k"), 64 * 1024);
  assert.equal(parseMemorySize("1t"), 1024 * GI);
  assert.equal(parseMemorySize("12345"), 12345);
  assert.equal(parseMemorySize("100 bytes"), 100);
});

Deno.test("parseMemorySize: Kubernetes quantity fallback", () => {
  assert.equal(parseMemorySize("1Gi"), GI);
  assert.equal(parseMemorySize("500Mi"), 500 * MI);
  assert.equal(parseMemorySize("1.5Gi"), 1.5 * GI);
  assert.equal(parseMemorySize("2.5G"), 2_500_000_000);
  assert.equal(parseMemorySize("1e3"), 1000);
  assert.equal(parseMemorySize("128974848"), 128974848);
});

Deno.test("parseMemorySize: clear errors", () => {
  assert.throws(() => parseMemorySize("lots"), {
    name: "InvalidValueError",
    message: '"lots" is not a memory size (examples: 1024m, 2g, 1Gi, 512Mi)',
  });
  assert.throws(() => parseMemorySize("1Zi"), /not a memory size/);
  assert.throws(() => parseMemorySize("-1Gi"), /negative/);
  assert.throws(() => parseMemorySize(""), /not a memory size/);
});

Deno.test("formatMemorySize: largest exact binary unit", () => {
  assert.equal(formatMemorySize(2 * GI), "2g");
  assert.equal(formatMemorySize(1536 * MI), "1536m");
  assert.equal(formatMemorySize(100), "100b");
  assert.equal(parseMemorySize(formatMemorySize(1536 * MI)), 1536 * MI);
});
