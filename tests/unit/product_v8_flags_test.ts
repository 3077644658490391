import assert from "node:assert/strict";
import { productV8Flags, v8FlagsOf } from "../../bench/scale/product_v8_flags.ts";

Deno.test("the operator runs with the same V8 flags from `deno task start`, the binary and the benchmark", () => {
  const tasks = (JSON.parse(Deno.readTextFileSync(new URL("../../deno.json", import.meta.url))) as {
    tasks: Record<string, string>;
  }).tasks;
  const flags = productV8Flags();
  assert.equal(flags.length, 1, "deno.json's compile task sets --v8-flags");
  assert.match(flags[0], /--max-semi-space-size=1/);
  assert.deepEqual(v8FlagsOf(tasks.start), flags);
  assert.deepEqual(v8FlagsOf(tasks.compile), flags);
});
