import assert from "node:assert/strict";
import { ConfigError } from "../../cluster/nodeagent/config_source.ts";
import { expandReferences, resolveEnv } from "../../cluster/nodeagent/env.ts";
import type { Container, Pod } from "../../cluster/nodeagent/pod_types.ts";
import { MemoryConfigSource } from "./nodeagent_fakes.ts";

const pod: Pod = {
  metadata: {
    name: "jm-0",
    namespace: "flink",
    uid: "uid-1",
    labels: { app: "demo" },
    annotations: { note: "x" },
  },
  spec: {
    nodeName: "node-0",
    serviceAccountName: "flink",
    containers: [{ name: "main", resources: { limits: { memory: "2Gi", cpu: "500m" } } }],
  },
};

function source(): MemoryConfigSource {
  const s = new MemoryConfigSource();
  s.addConfigMap("flink", "cm", { A: "from-cm", B: "b" });
  s.addSecret("flink", "sec", { PASSWORD: "hunter2" });
  return s;
}

Deno.test("env: values, field refs, ConfigMap/Secret refs and envFrom resolve like kubelet", async () => {
  const container: Container = {
    name: "main",
    resources: { limits: { memory: "2Gi", cpu: "500m" } },
    envFrom: [{ configMapRef: { name: "cm" } }, { prefix: "S_", secretRef: { name: "sec" } }],
    env: [
      { name: "PLAIN", value: "v" },
      { name: "B", value: "overrides-envFrom" },
      { name: "NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
      { name: "NS", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
      { name: "UID", valueFrom: { fieldRef: { fieldPath: "metadata.uid" } } },
      { name: "IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
      { name: "NODE", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } },
      { name: "APP", valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
      { name: "FROM_CM", valueFrom: { configMapKeyRef: { name: "cm", key: "A" } } },
      { name: "PW", valueFrom: { secretKeyRef: { name: "sec", key: "PASSWORD" } } },
      {
        name: "MEM_MB",
        valueFrom: { resourceFieldRef: { resource: "limits.memory", divisor: "1Mi" } },
      },
      { name: "CPU", valueFrom: { resourceFieldRef: { resource: "limits.cpu" } } },
      { name: "URL", value: "http://$(IP):8081/$(MISSING)/$$(IP)" },
    ],
  };
  const env = await resolveEnv(pod, container, "127.1.0.5", source());
  assert.deepEqual(env, {
    A: "from-cm",
    B: "overrides-envFrom",
    S_PASSWORD: "hunter2",
    PLAIN: "v",
    NAME: "jm-0",
    NS: "flink",
    UID: "uid-1",
    IP: "127.1.0.5",
    NODE: "node-0",
    APP: "demo",
    FROM_CM: "from-cm",
    PW: "hunter2",
    MEM_MB: "2048",
    CPU: "1",
    URL: "http://127.1.0.5:8081/$(MISSING)/$(IP)",
  });
});

Deno.test("env: missing required references fail with kubelet's messages; optional ones are skipped", async () => {
  const run = (env: Container["env"], envFrom: Container["envFrom"] = []) =>
    resolveEnv(pod, { name: "main", env, envFrom }, "127.1.0.5", source());
  await assert.rejects(
    run([{ name: "X", valueFrom: { configMapKeyRef: { name: "nope", key: "k" } } }]),
    (err) => err instanceof ConfigError && err.message === 'configmap "nope" not found',
  );
  await assert.rejects(
    run([{ name: "X", valueFrom: { configMapKeyRef: { name: "cm", key: "nokey" } } }]),
    { message: "couldn't find key nokey in ConfigMap flink/cm" },
  );
  await assert.rejects(
    run([{ name: "X", valueFrom: { secretKeyRef: { name: "nope", key: "k" } } }]),
    { message: 'secret "nope" not found' },
  );
  await assert.rejects(run([], [{ secretRef: { name: "nope" } }]), {
    message: 'secret "nope" not found',
  });
  await assert.rejects(
    run([{ name: "X", valueFrom: { fieldRef: { fieldPath: "spec.bogus" } } }]),
    ConfigError,
  );
  const optional = await run(
    [
      { name: "X", valueFrom: { configMapKeyRef: { name: "nope", key: "k", optional: true } } },
      { name: "Y", valueFrom: { secretKeyRef: { name: "sec", key: "nokey", optional: true } } },
    ],
    [{ configMapRef: { name: "nope", optional: true } }],
  );
  assert.deepEqual(optional, {});
});

Deno.test("env: $(VAR) expansion", () => {
  const env = { A: "1", B: "two" };
  assert.equal(expandReferences("$(A)-$(B)", env), "1-two");
  assert.equal(expandReferences("$(C)", env), "$(C)");
  assert.equal(expandReferences("$$(A)", env), "$(A)");
  assert.equal(expandReferences("cost $5 $", env), "cost $5 $");
  assert.equal(expandReferences("$(A", env), "$(A");
  assert.equal(expandReferences("no refs", env), "no refs");
});
