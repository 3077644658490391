import assert from "node:assert/strict";
import {
  compareRuns,
  exceptionClasses,
  judge,
  type KnownDifference,
} from "../support/sim_fidelity/compare.ts";
import type { StepRecord } from "../support/sim_fidelity/script.ts";
import { shapeDifferences, shapeOf, typeName } from "../support/sim_fidelity/shape.ts";

const diff = (sim: unknown, real: unknown) => shapeDifferences(shapeOf(sim), shapeOf(real));

Deno.test("shape: values that differ by nature compare equal", () => {
  assert.deepEqual(
    diff(
      { jid: "a1", "start-time": 1, state: "RUNNING", ok: true, failure: null },
      { jid: "ffff", "start-time": 1796600776708, state: "FAILED", ok: false, failure: null },
    ),
    [],
  );
});

Deno.test("shape: a missing key, an extra key and a changed type are each one difference", () => {
  assert.deepEqual(
    diff({ a: 1, b: "x", c: { d: 1 } }, { a: "1", c: { d: 1, e: [] }, f: null }),
    [
      { path: "$.a", sim: "number", real: "string" },
      { path: "$.b", sim: "string", real: "absent" },
      { path: "$.c.e", sim: "absent", real: "array" },
      { path: "$.f", sim: "absent", real: "null" },
    ],
  );
});

Deno.test("shape: nothing is reported below a place whose types differ", () => {
  assert.deepEqual(diff({ latest: null }, { latest: { id: 1, path: "p" } }), [
    { path: "$.latest", sim: "null", real: "object" },
  ]);
});

Deno.test("shape: arrays compare by their elements' merged shape; empty arrays match any", () => {
  // Checkpoint history: completed and failed entries carry different keys.
  const real = [
    { id: 2, status: "COMPLETED", external_path: "file:/x", savepointFormat: null },
    { id: 1, status: "FAILED", failure_message: "m", savepointFormat: "CANONICAL" },
  ];
  assert.deepEqual(diff(real.slice().reverse(), real), []);
  assert.deepEqual(diff([], real), []);
  assert.deepEqual(diff([{ id: 2, status: "COMPLETED", external_path: "p" }], real), [
    { path: "$[].failure_message", sim: "absent", real: "string" },
    { path: "$[].savepointFormat", sim: "absent", real: "null|string" },
  ]);
  assert.equal(typeName(shapeOf(real)), "array");
});

Deno.test("shape: keys that are Flink ids compare as one key", () => {
  const vertex = (id: string) => ({ [id]: { parallelism: { lowerBound: 1, upperBound: 2 } } });
  assert.deepEqual(
    diff(vertex("04d77e019177a9021e17d403aab7ff04"), {
      ...vertex("7a0e22450c7ff084b745556dd9e4a928"),
      ...vertex("ed63c6d066f83fc9a893ba13a9fb615d"),
    }),
    [],
  );
  assert.deepEqual(diff({}, vertex("7a0e22450c7ff084b745556dd9e4a928")), [
    { path: "$.<id>", sim: "absent", real: "object" },
  ]);
});

Deno.test("exception classes: Flink's error lists and failure causes name them", () => {
  assert.deepEqual(
    exceptionClasses({
      errors: [
        "Internal server error.",
        "<Exception on server side:\norg.apache.flink.runtime.messages.FlinkJobNotFoundException: " +
        "Could not find Flink job (x)\n\tat a.b(C.java:1)\n\nEnd of exception on server side>",
      ],
    }),
    ["org.apache.flink.runtime.messages.FlinkJobNotFoundException"],
  );
  assert.deepEqual(
    exceptionClasses({
      status: { id: "COMPLETED" },
      operation: { "failure-cause": { class: "java.util.concurrent.CompletionException" } },
    }),
    ["java.util.concurrent.CompletionException"],
  );
  assert.deepEqual(exceptionClasses({ errors: ["Config key [x] is not set."] }), []);
  assert.deepEqual(exceptionClasses({ jid: "x", state: "RUNNING" }), []);
});

function step(name: string, status: number, json: unknown): StepRecord {
  return { name, exchange: { method: "GET", path: "/x", status, json, text: "" } };
}

Deno.test("compareRuns: statuses, exception classes, shapes and missing steps", () => {
  const sim = [
    step("GET /config", 200, { "flink-version": "1.20.0" }),
    step("POST /jobs/:unknown/stop", 404, { errors: ["org.x.NotFoundException: no"] }),
    step("only on the simulator", 200, {}),
  ];
  const real = [
    step("GET /config", 200, { "flink-version": "1.20.5" }),
    step("POST /jobs/:unknown/stop", 202, { "request-id": "abc" }),
  ];
  assert.deepEqual(compareRuns(sim, real), [
    { step: "POST /jobs/:unknown/stop", path: "(status)", sim: "404", real: "202" },
    {
      step: "POST /jobs/:unknown/stop",
      path: "(exception classes)",
      sim: "org.x.NotFoundException",
      real: "none",
    },
    { step: "POST /jobs/:unknown/stop", path: "$.errors", sim: "array", real: "absent" },
    { step: "POST /jobs/:unknown/stop", path: "$.request-id", sim: "absent", real: "string" },
    { step: "only on the simulator", path: "(step)", sim: "ran", real: "not run" },
  ]);
  assert.deepEqual(compareRuns(real, real), []);
});

Deno.test("judge: known differences explain exactly their difference, per release", () => {
  const known: KnownDifference[] = [
    { step: "GET /a", path: "$.x", sim: "absent", real: "array", reason: "r1" },
    {
      step: /^GET \/b/,
      path: "(status)",
      sim: "200",
      real: "500",
      releases: ["2.2"],
      reason: "r2",
    },
  ];
  const differences = [
    { step: "GET /a", path: "$.x", sim: "absent", real: "array" },
    { step: "GET /a", path: "$.y", sim: "absent", real: "array" },
    { step: "GET /b (2)", path: "(status)", sim: "200", real: "500" },
  ];
  const on22 = judge(differences, known, "2.2");
  assert.deepEqual(on22.unexplained, [differences[1]]);
  assert.deepEqual(on22.explained.map((e) => e.known.reason), ["r1", "r2"]);
  assert.deepEqual(on22.unused, []);

  const on120 = judge(differences.slice(0, 1), known, "1.20");
  assert.deepEqual(on120.unexplained, []);
  assert.deepEqual(on120.unused, []);
  // A known difference that no longer shows is reported, so the list stays true.
  assert.deepEqual(judge([], known, "2.2").unused, known);
});
