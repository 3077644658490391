import assert from "node:assert/strict";
import { UnavailableRuntime } from "../../cluster/nodeagent/runtime_registry.ts";
import { chooseRuntime, RUNTIME_ANNOTATION } from "../../cluster/nodeagent/runtime_selection.ts";
import type { ContainerRuntime } from "../../cluster/nodeagent/runtime.ts";

function runtime(name: string, accepts = (image: string) => image.startsWith("flink")) {
  return {
    name,
    accepts,
    start: () => Promise.reject(new Error("not in this test")),
  } satisfies ContainerRuntime;
}

const sim = runtime("sim");
const real = runtime("real");

Deno.test("runtime selection: without the annotation the first runtime that accepts wins", () => {
  assert.deepEqual(chooseRuntime([sim, real], "flink:1.20", {}), { runtime: sim });
  assert.deepEqual(chooseRuntime([real, sim], "flink:1.20", {}), { runtime: real });
  const none = chooseRuntime([sim, real], "busybox", {});
  assert.ok(
    "reason" in none && /only Flink images run here \(runtimes: sim, real\)/.test(none.reason),
  );
});

Deno.test("runtime selection: the annotation names the runtime", () => {
  assert.deepEqual(chooseRuntime([sim, real], "flink:2.2", { [RUNTIME_ANNOTATION]: "real" }), {
    runtime: real,
  });
  assert.deepEqual(chooseRuntime([real, sim], "flink:2.2", { [RUNTIME_ANNOTATION]: " sim " }), {
    runtime: sim,
  });
});

Deno.test("runtime selection: an annotation that cannot be honoured says why", () => {
  const down = new UnavailableRuntime("real", "java is not on PATH");
  const cases: [ContainerRuntime[], string, string, RegExp][] = [
    [
      [sim, down],
      "flink:1.20",
      "real",
      /runtime "real" \(annotation flinkop.dev\/runtime\) is unavailable: java is not on PATH/,
    ],
    [
      [sim, real],
      "flink:1.20",
      "docker",
      /runtime "docker" .* is not one this node agent runs \(runtimes: sim, real\)/,
    ],
    [[sim, real], "nginx", "real", /cannot run image "nginx"/],
  ];
  for (const [runtimes, image, wanted, reason] of cases) {
    const choice = chooseRuntime(runtimes, image, { [RUNTIME_ANNOTATION]: wanted });
    assert.ok("reason" in choice, wanted);
    assert.match(choice.reason, reason);
  }
});
