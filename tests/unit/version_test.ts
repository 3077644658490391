import assert from "node:assert/strict";
import { VERSION } from "../../lib/version.ts";

Deno.test("VERSION matches deno.json", async () => {
  const manifest = JSON.parse(await Deno.readTextFile(new URL("../../deno.json", import.meta.url)));
  assert.equal(VERSION, manifest.version);
});
