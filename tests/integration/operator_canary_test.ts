/**
 * Canary resources (FKO's `flink.apache.org/canary: "true"`) on the real operator process:
 * examples/canary.yaml is accepted and tracked but never deployed, and `/healthz` fails when a
 * canary's change is not reconciled within `kubernetes.operator.health.canary.resource.timeout`.
 */
import assert from "node:assert/strict";
import { parse as parseYaml } from "yaml";
import type { KubeClient } from "../../lib/kube/client.ts";
import { type KubeObject, Resources } from "../../lib/kube/resource.ts";
import { FlinkDeployments, FlinkSessionJobs } from "../../lib/flink/resources.ts";
import { CANARY_CHECK_ANNOTATION } from "../../lib/flink/canary.ts";
import { freeLoopbackPort } from "../../cluster/free_port.ts";
import { freshNamespace, testKubeconfig, waitFor } from "../support/cluster.ts";
import { prepareNamespace } from "../support/operator.ts";
import { operatorArgs, OperatorProcess } from "../support/operator_process.ts";

const repoRoot = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");

async function healthz(port: number): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}/healthz`);
  return { status: res.status, body: await res.text() };
}

/** How often the operator has changed the canary for a check. */
async function checks(client: KubeClient, type: typeof FlinkDeployments, ns: string, name: string) {
  const obj = await client.get<KubeObject>(type, ns, name);
  return Number(obj?.metadata.annotations?.[CANARY_CHECK_ANNOTATION] ?? 0);
}

async function startOperator(ns: string, settings: Record<string, string>) {
  const port = freeLoopbackPort();
  const op = new OperatorProcess(
    ["-A"],
    operatorArgs(await testKubeconfig(), port, ["--watch-namespaces", ns], {
      "kubernetes.operator.health.canary.resource.timeout": "1 s",
      ...settings,
    }),
    {},
  );
  await waitFor("the operator to be ready", async () => {
    if (op.exitCode !== undefined) throw new Error(`operator exited\n${op.output}`);
    const res = await fetch(`http://127.0.0.1:${port}/readyz`);
    await res.body?.cancel();
    return res.status === 200;
  }, { timeoutMs: 60_000 });
  return { op, port };
}

Deno.test("canary: examples/canary.yaml is tracked, never deployed, and keeps /healthz green", async () => {
  await using namespace = await freshNamespace("canary-ok");
  const { client, name: ns } = namespace;
  await prepareNamespace(client, ns);
  const { op, port } = await startOperator(ns, {});
  try {
    const example = parseYaml(await Deno.readTextFile(`${repoRoot}/examples/canary.yaml`));
    await client.create(FlinkDeployments, ns, example as KubeObject);
    await client.create(FlinkSessionJobs, ns, {
      apiVersion: "flink.apache.org/v1beta1",
      kind: "FlinkSessionJob",
      metadata: {
        name: "canary-job",
        namespace: ns,
        labels: { "flink.apache.org/canary": "true" },
      },
    });
    // Each timeout the operator changes the canary and a reconcile must have seen the change.
    await waitFor(
      "several canary checks of both kinds",
      async () =>
        await checks(client, FlinkDeployments, ns, "canary") >= 4 &&
        await checks(client, FlinkSessionJobs, ns, "canary-job") >= 4,
      { timeoutMs: 30_000 },
    );
    assert.deepEqual(await healthz(port), { status: 200, body: "ok\n" });

    const fd = await client.get<KubeObject & { spec?: unknown; status?: unknown }>(
      FlinkDeployments,
      ns,
      "canary",
    );
    assert.equal(fd?.spec, undefined, "the canary's spec stays as written");
    assert.equal(fd?.status, undefined, "no status: nothing is deployed or observed");
    assert.deepEqual(fd?.metadata.finalizers, ["flinkdeployments.flink.apache.org/finalizer"]);
    assert.deepEqual((await client.list(Resources.deployments, ns)).items, []);
    assert.deepEqual(
      (await client.list(Resources.configMaps, ns)).items.map((c) => c.metadata.name).filter((n) =>
        n !== "kube-root-ca.crt"
      ),
      [],
    );

    // Deleting a canary releases it at once.
    await client.delete(FlinkDeployments, ns, "canary");
    await client.delete(FlinkSessionJobs, ns, "canary-job");
    await waitFor(
      "the canaries to be gone",
      async () =>
        !await client.get(FlinkDeployments, ns, "canary") &&
        !await client.get(FlinkSessionJobs, ns, "canary-job"),
    );
    assert.equal((await healthz(port)).status, 200);
  } finally {
    await op.stop();
    if (Deno.env.get("FLINKOP_TEST_LOG")) console.error(op.output);
  }
});

Deno.test("canary: /healthz fails when a canary is not reconciled within the timeout", async () => {
  await using namespace = await freshNamespace("canary-late");
  const { client, name: ns } = namespace;
  await prepareNamespace(client, ns);
  // The operator is slowed down far below the canary timeout: one pass per resource per 6 s.
  const { op, port } = await startOperator(ns, {
    "kubernetes.operator.rate-limiter.limit": "1",
    "kubernetes.operator.rate-limiter.refresh-period": "6 s",
  });
  try {
    await client.create(FlinkDeployments, ns, {
      apiVersion: "flink.apache.org/v1beta1",
      kind: "FlinkDeployment",
      metadata: { name: "canary", namespace: ns, labels: { "flink.apache.org/canary": "true" } },
    });
    const unhealthy = await waitFor("/healthz to fail", async () => {
      const answer = await healthz(port);
      return answer.status === 500 ? answer : undefined;
    }, { timeoutMs: 30_000, intervalMs: 100 });
    assert.match(unhealthy.body, /canary resource .*health\.canary\.resource\.timeout/);
    assert.match(op.stdout, new RegExp(`canary resource ${ns}/canary was not reconciled within`));

    // Without the canary (deleted and released, when its pass comes) the operator is healthy.
    await client.delete(FlinkDeployments, ns, "canary");
    await waitFor(
      "the canary to be gone",
      async () => !await client.get(FlinkDeployments, ns, "canary"),
      {
        timeoutMs: 30_000,
      },
    );
    await waitFor("/healthz to pass again", async () => (await healthz(port)).status === 200);
  } finally {
    await op.stop();
    if (Deno.env.get("FLINKOP_TEST_LOG")) console.error(op.output);
  }
});
