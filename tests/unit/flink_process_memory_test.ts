import assert from "node:assert/strict";
import {
  describeBytes,
  minimumProcessSize,
  parseFlinkMemoryOption,
  processSpecProblem,
} from "../../lib/flink/render/process_memory.ts";

const MIB = 2 ** 20;

interface Case {
  readonly name: string;
  readonly role: "jobmanager" | "taskmanager";
  readonly conf: Record<string, string>;
  /** undefined: Flink derives a spec; otherwise the kind of refusal and text it mentions. */
  readonly refused?: { kind: string; mentions?: RegExp; keys?: string[] };
}

const TM = "taskmanager.memory.";
const JM = "jobmanager.memory.";

const CASES: Case[] = [
  // TaskManager, from the process size (defaults: metaspace 256m, overhead 10% in [192m, 1g],
  // framework heap and off-heap 128m each, managed 40%, network 10% from 64m).
  {
    name: "TM 1728m (Flink's default)",
    role: "taskmanager",
    conf: { [`${TM}process.size`]: "1728m" },
  },
  { name: "TM 982m is the smallest", role: "taskmanager", conf: { [`${TM}process.size`]: "982m" } },
  {
    name: "TM 981m leaves no task heap",
    role: "taskmanager",
    conf: { [`${TM}process.size`]: "981m" },
    refused: { kind: "inconsistent", mentions: /leaving nothing for the task heap/ },
  },
  {
    name: "TM 0",
    role: "taskmanager",
    conf: { [`${TM}process.size`]: "0" },
    refused: {
      kind: "inconsistent",
      mentions: /JVM metaspace \(256m\) and JVM overhead \(192m\) exceed the process size \(0\)/,
      keys: [`${TM}process.size`],
    },
  },
  {
    name: "TM with less managed memory fits in less",
    role: "taskmanager",
    conf: { [`${TM}process.size`]: "850m", [`${TM}managed.fraction`]: "0.1" },
  },
  {
    name: "TM fine-grained",
    role: "taskmanager",
    conf: { [`${TM}task.heap.size`]: "1g", [`${TM}managed.size`]: "512m" },
  },
  {
    name: "TM fine-grained against a too small total Flink memory",
    role: "taskmanager",
    conf: {
      [`${TM}task.heap.size`]: "1g",
      [`${TM}managed.size`]: "512m",
      [`${TM}flink.size`]: "1g",
    },
    refused: { kind: "inconsistent", mentions: /exceed the total Flink memory 1g/ },
  },
  {
    name: "TM task heap leaving the network memory below its minimum",
    role: "taskmanager",
    conf: { [`${TM}process.size`]: "1g", [`${TM}task.heap.size`]: "500m" },
    refused: { kind: "inconsistent" },
  },
  {
    name: "TM total Flink memory larger than the process",
    role: "taskmanager",
    conf: { [`${TM}process.size`]: "2g", [`${TM}flink.size`]: "4g" },
    refused: {
      kind: "inconsistent",
      mentions: /outside the overhead range \[192m, 1g\]/,
      keys: [`${TM}process.size`, `${TM}flink.size`],
    },
  },
  {
    name: "TM total Flink memory and process size that add up",
    role: "taskmanager",
    conf: { [`${TM}process.size`]: "2g", [`${TM}flink.size`]: "1536m" },
  },
  {
    name: "TM nothing configured",
    role: "taskmanager",
    conf: {},
    refused: { kind: "undefined" },
  },
  {
    name: "TM only one of the fine-grained options",
    role: "taskmanager",
    conf: { [`${TM}task.heap.size`]: "1g" },
    refused: { kind: "undefined" },
  },
  {
    name: "TM a Kubernetes quantity in a Flink option",
    role: "taskmanager",
    conf: { [`${TM}process.size`]: "2Gi" },
    refused: { kind: "unreadable", keys: [`${TM}process.size`] },
  },
  {
    name: "TM a fraction out of range",
    role: "taskmanager",
    conf: { [`${TM}process.size`]: "2g", [`${TM}network.fraction`]: "1.5" },
    refused: { kind: "inconsistent", mentions: /network is inconsistently configured/ },
  },
  {
    name: "TM min above max",
    role: "taskmanager",
    conf: {
      [`${TM}process.size`]: "2g",
      [`${TM}jvm-overhead.min`]: "1g",
      [`${TM}jvm-overhead.max`]: "512m",
    },
    refused: { kind: "inconsistent" },
  },
  {
    name: "TM pre-1.10 heap option: accepted, not guessed",
    role: "taskmanager",
    conf: { "taskmanager.heap.size": "1g" },
  },

  // JobManager (off-heap 128m by default, Flink memory must leave a heap).
  { name: "JM 1600m", role: "jobmanager", conf: { [`${JM}process.size`]: "1600m" } },
  { name: "JM 577m is the smallest", role: "jobmanager", conf: { [`${JM}process.size`]: "577m" } },
  {
    name: "JM 576m leaves no heap",
    role: "jobmanager",
    conf: { [`${JM}process.size`]: "576m" },
    refused: { kind: "inconsistent", mentions: /leaving no heap/ },
  },
  { name: "JM heap only", role: "jobmanager", conf: { [`${JM}heap.size`]: "1g" } },
  {
    name: "JM heap and total Flink memory that do not add up",
    role: "jobmanager",
    conf: { [`${JM}heap.size`]: "1g", [`${JM}flink.size`]: "1g" },
    refused: { kind: "inconsistent", mentions: /do not add up to the total Flink memory 1g/ },
  },
  {
    name: "JM total Flink memory not above off-heap",
    role: "jobmanager",
    conf: { [`${JM}flink.size`]: "128m" },
    refused: { kind: "inconsistent" },
  },
  { name: "JM nothing configured", role: "jobmanager", conf: {}, refused: { kind: "undefined" } },
  {
    name: "JM an unreadable metaspace",
    role: "jobmanager",
    conf: { [`${JM}process.size`]: "1g", [`${JM}jvm-metaspace.size`]: "lots" },
    refused: { kind: "unreadable", keys: [`${JM}jvm-metaspace.size`] },
  },
  { name: "JM pre-1.11 heap option", role: "jobmanager", conf: { "jobmanager.heap.size": "1g" } },
];

for (const c of CASES) {
  Deno.test(`processSpecProblem: ${c.name}`, () => {
    const problem = processSpecProblem(c.conf, c.role);
    if (c.refused === undefined) {
      assert.equal(problem, undefined, JSON.stringify(problem));
      return;
    }
    assert.ok(problem, "refused");
    assert.equal(problem.kind, c.refused.kind, JSON.stringify(problem));
    if (c.refused.mentions) {
      assert.match((problem as { message: string }).message, c.refused.mentions);
    }
    if (c.refused.keys) {
      const keys = problem.kind === "unreadable"
        ? [problem.key]
        : [...(problem as { keys: readonly string[] }).keys];
      assert.deepEqual(keys, c.refused.keys);
    }
  });
}

Deno.test("minimumProcessSize: the smallest size Flink accepts, when the process size decides", () => {
  assert.equal(minimumProcessSize({}, "taskmanager"), 982 * MIB);
  assert.equal(minimumProcessSize({}, "jobmanager"), 577 * MIB);
  // A larger metaspace moves the minimum by as much.
  assert.equal(
    minimumProcessSize({ [`${TM}jvm-metaspace.size`]: "512m" }, "taskmanager"),
    1238 * MIB,
  );
  // Not the process size's to decide.
  assert.equal(minimumProcessSize({ [`${TM}flink.size`]: "1g" }, "taskmanager"), undefined);
});

Deno.test("parseFlinkMemoryOption: Flink's MemorySize syntax only", () => {
  assert.equal(parseFlinkMemoryOption("1024m"), 1024 * MIB);
  assert.equal(parseFlinkMemoryOption(" 2 GB "), 2 * 1024 * MIB);
  assert.equal(parseFlinkMemoryOption("1kibibytes"), 1024);
  assert.equal(parseFlinkMemoryOption("100"), 100);
  for (const text of ["2Gi", "1.5g", "", "m", "-1m", "lots"]) {
    assert.equal(parseFlinkMemoryOption(text), undefined, text);
  }
});

Deno.test("describeBytes: short sizes for messages", () => {
  assert.equal(describeBytes(0), "0");
  assert.equal(describeBytes(982 * MIB), "982m");
  assert.equal(describeBytes(1.5 * 2 ** 30), "1.5g");
  assert.equal(describeBytes(140.8 * MIB), "140.8m");
});
