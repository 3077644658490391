import assert from "node:assert/strict";
import { ParsedSpecs } from "../../lib/flink/job/parsed_specs.ts";

function counting() {
  const parsedTexts: string[] = [];
  const parse = (json: string) => {
    parsedTexts.push(json);
    return { spec: JSON.parse(json), firstDeployment: false };
  };
  return { parsedTexts, parse };
}

Deno.test("parsed specs: a text is parsed once per resource, and each caller gets its own copy", () => {
  const specs = new ParsedSpecs();
  const { parsedTexts, parse } = counting();
  const a = specs.read("uid-1", '{"job":{"args":["x"]}}', parse);
  (a.spec as { job: { args: string[] } }).job.args.push("changed");
  const b = specs.read("uid-1", '{"job":{"args":["x"]}}', parse);
  assert.deepEqual(b.spec, { job: { args: ["x"] } });
  assert.equal(parsedTexts.length, 1);
  specs.read("uid-2", '{"job":{"args":["x"]}}', parse);
  assert.equal(parsedTexts.length, 2, "another resource parses its own");
});

Deno.test("parsed specs: one resource keeps its few texts whatever the others read", () => {
  const specs = new ParsedSpecs();
  const { parsedTexts, parse } = counting();
  specs.read("mine", '{"n":1}', parse);
  specs.read("mine", '{"n":2}', parse);
  for (let i = 0; i < 2000; i++) specs.read(`other-${i}`, `{"n":${i}}`, parse);
  const before = parsedTexts.length;
  specs.read("mine", '{"n":1}', parse);
  specs.read("mine", '{"n":2}', parse);
  assert.equal(parsedTexts.length, before, "kept across 2,000 other resources");
  specs.read("mine", '{"n":3}', parse);
  specs.read("mine", '{"n":4}', parse);
  specs.read("mine", '{"n":1}', parse);
  assert.equal(parsedTexts.length, before + 3, "the least recently read text of one resource goes");
});

Deno.test("parsed specs: forgotten with the resource", () => {
  const specs = new ParsedSpecs();
  const { parsedTexts, parse } = counting();
  specs.read("gone", '{"n":1}', parse);
  assert.equal(specs.size, 1);
  specs.forget("gone");
  assert.equal(specs.size, 0);
  specs.read("gone", '{"n":1}', parse);
  assert.equal(parsedTexts.length, 2);
});
