import assert from "node:assert/strict";
import {
  ensureMainContainer,
  mainContainerOf,
  mergePodTemplates,
  OPERATOR_STARTUP_PROBE,
  rolePodTemplates,
} from "../../lib/flink/render/mod.ts";
import { deployment } from "./render_fixtures.ts";

const BY_INDEX = { mergeArraysByName: false };
const BY_NAME = { mergeArraysByName: true };

const base = {
  metadata: { labels: { team: "data", tier: "base" } },
  spec: {
    serviceAccountName: "base-sa",
    containers: [
      { name: "flink-main-container", env: [{ name: "A", value: "1" }] },
      { name: "sidecar", image: "busybox" },
    ],
    volumes: [{ name: "data", emptyDir: {} }],
  },
};

Deno.test("objects merge deeply and scalars are replaced", () => {
  const merged = mergePodTemplates(base, {
    metadata: { labels: { tier: "jm" }, annotations: { a: "b" } },
    spec: { serviceAccountName: "jm-sa", priorityClassName: "high" },
  }, BY_INDEX);
  assert.deepEqual(merged?.metadata, {
    labels: { team: "data", tier: "jm" },
    annotations: { a: "b" },
  });
  const spec = merged?.spec as Record<string, unknown>;
  assert.equal(spec.serviceAccountName, "jm-sa");
  assert.equal(spec.priorityClassName, "high");
  assert.deepEqual(spec.volumes, base.spec.volumes);
});

Deno.test("arrays merge by index by default", () => {
  const merged = mergePodTemplates(base, {
    spec: { containers: [{ name: "log-shipper", image: "fluentbit" }] },
  }, BY_INDEX);
  const containers = (merged?.spec as { containers: Record<string, unknown>[] }).containers;
  // FKO's documented surprise: element 0 merges regardless of its name.
  assert.deepEqual(containers[0], {
    name: "log-shipper",
    image: "fluentbit",
    env: [{ name: "A", value: "1" }],
  });
  assert.deepEqual(containers[1], { name: "sidecar", image: "busybox" });
});

Deno.test("arrays merge by name when enabled and every element is named", () => {
  const merged = mergePodTemplates(base, {
    spec: {
      containers: [
        { name: "sidecar", image: "busybox:2" },
        { name: "log-shipper", image: "fluentbit" },
      ],
    },
  }, BY_NAME);
  const containers = (merged?.spec as { containers: Record<string, unknown>[] }).containers;
  assert.deepEqual(containers.map((c) => c.name), [
    "flink-main-container",
    "sidecar",
    "log-shipper",
  ]);
  assert.equal(containers[1].image, "busybox:2");

  // An unnamed element falls back to index merging.
  const mixed = mergePodTemplates(
    { spec: { tolerations: [{ key: "a" }] } },
    { spec: { tolerations: [{ key: "b" }] } },
    BY_NAME,
  );
  assert.deepEqual((mixed?.spec as { tolerations: unknown[] }).tolerations, [{ key: "b" }]);
});

Deno.test("a missing side yields a copy of the other; inputs are never modified", () => {
  const snapshot = structuredClone(base);
  const copy = mergePodTemplates(base, undefined, BY_INDEX);
  assert.deepEqual(copy, base);
  assert.notEqual(copy, base);
  assert.deepEqual(mergePodTemplates(undefined, base, BY_INDEX), base);
  assert.equal(mergePodTemplates(undefined, undefined, BY_INDEX), undefined);
  mergePodTemplates(base, { spec: { containers: [{ name: "x" }] } }, BY_NAME);
  assert.deepEqual(base, snapshot);
});

Deno.test("ensureMainContainer adds flink-main-container when missing", () => {
  const empty = ensureMainContainer(undefined);
  assert.deepEqual(empty, { spec: { containers: [{ name: "flink-main-container" }] } });
  const withSidecar = ensureMainContainer({ spec: { containers: [{ name: "s" }] } });
  assert.deepEqual(
    (withSidecar.spec as { containers: { name: string }[] }).containers.map((c) => c.name),
    ["s", "flink-main-container"],
  );
  const existing = ensureMainContainer(base);
  assert.deepEqual(existing, base);
  assert.deepEqual(mainContainerOf(existing).env, [{ name: "A", value: "1" }]);
});

Deno.test("role templates: merged, ephemeral storage on the main container, JM startup probe", () => {
  const spec = deployment({
    spec: {
      flinkVersion: "v1_20",
      podTemplate: base,
      jobManager: {
        resource: { memory: "1g", ephemeralStorage: "2Gi" },
        podTemplate: { metadata: { labels: { tier: "jm" } } },
      },
      taskManager: { resources: { requests: { "ephemeral-storage": "5Gi", "nvidia.com/gpu": 1 } } },
    },
  }).spec;
  const { jobManager, taskManager } = rolePodTemplates(spec, {
    mergeArraysByName: false,
    startupProbe: true,
  });
  const jmMain = mainContainerOf(jobManager!);
  assert.deepEqual(jmMain.resources, {
    requests: { "ephemeral-storage": "2Gi" },
    limits: { "ephemeral-storage": "2Gi" },
  });
  assert.deepEqual(jmMain.startupProbe, OPERATOR_STARTUP_PROBE);
  assert.equal((jobManager!.metadata as { labels: Record<string, string> }).labels.tier, "jm");
  const tmMain = mainContainerOf(taskManager!);
  assert.deepEqual(tmMain.resources, {
    requests: { "ephemeral-storage": "5Gi", "nvidia.com/gpu": "1" },
  });
  assert.equal(tmMain.startupProbe, undefined);
});

Deno.test("role templates: none without templates, probe only when enabled, user probe kept", () => {
  const bare =
    deployment({ spec: { flinkVersion: "v1_20", jobManager: {}, taskManager: {} } }).spec;
  assert.deepEqual(rolePodTemplates(bare, { mergeArraysByName: false, startupProbe: false }), {
    jobManager: undefined,
    taskManager: undefined,
  });
  const probed = rolePodTemplates(bare, { mergeArraysByName: false, startupProbe: true });
  assert.deepEqual(probed.jobManager, {
    spec: { containers: [{ name: "flink-main-container", startupProbe: OPERATOR_STARTUP_PROBE }] },
  });
  const ownProbe = { exec: { command: ["true"] } };
  const custom = deployment({
    spec: {
      flinkVersion: "v1_20",
      podTemplate: {
        spec: { containers: [{ name: "flink-main-container", startupProbe: ownProbe }] },
      },
    },
  }).spec;
  const result = rolePodTemplates(custom, { mergeArraysByName: false, startupProbe: true });
  assert.deepEqual(mainContainerOf(result.jobManager!).startupProbe, ownProbe);
  // The TaskManager gets a copy of the base template.
  assert.deepEqual(result.taskManager, custom.podTemplate);
});
