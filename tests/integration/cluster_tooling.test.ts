/**
 * The cluster tooling's own pieces: certificates, the node agent's client-certificate identity,
 * the test helpers and the runner's summary parsing.
 */
import assert from "node:assert/strict";
import { KubeClient } from "../../lib/kube/client.ts";
import { isForbidden } from "../../lib/kube/errors.ts";
import { Resources } from "../../lib/kube/resource.ts";
import { generatePki } from "../../cluster/pki.ts";
import { parseSummary } from "../run.ts";
import { testKubeconfig, testStateDir, waitFor } from "../support/cluster.ts";

Deno.test("PKI: serving cert SANs and client identities", async () => {
  const dir = await Deno.makeTempDir({ prefix: "flinkop-pki-" });
  try {
    const pki = await generatePki(dir, "node-x");
    const serving = await x509Text(pki.apiserver.cert);
    for (
      const san of [
        "IP Address:127.0.0.1",
        "IP Address:10.0.0.1",
        "DNS:localhost",
        "DNS:kubernetes.default.svc.cluster.local",
      ]
    ) {
      assert.ok(serving.includes(san), `serving cert lacks ${san}`);
    }
    assert.match(serving, /TLS Web Server Authentication/);
    assert.match(
      await x509Text(pki.admin.cert),
      /Subject: O ?= ?system:masters, CN ?= ?flinkop-admin/,
    );
    assert.match(
      await x509Text(pki.nodeAgent.cert),
      /Subject: O ?= ?system:nodes, CN ?= ?system:node:node-x/,
    );
    assert.match(
      await x509Text(pki.controllerManager.cert),
      /Subject: CN ?= ?system:kube-controller-manager/,
    );
    const verify = await new Deno.Command("openssl", {
      args: ["verify", "-CAfile", pki.ca.cert, pki.apiserver.cert, pki.admin.cert],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(verify.success, new TextDecoder().decode(verify.stderr));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("node agent kubeconfig authenticates by client certificate under RBAC", async () => {
  await testKubeconfig(); // make sure the cluster (and so the node agent kubeconfig) exists
  const agent = await KubeClient.connect({
    kubeconfig: `${testStateDir()}/nodeagent.kubeconfig`,
  });
  try {
    const pods = await agent.list(Resources.pods, "default");
    assert.ok(Array.isArray(pods.items));
    await assert.rejects(
      () =>
        agent.create(Resources.deployments, "default", {
          apiVersion: "apps/v1",
          kind: "Deployment",
          metadata: { name: "not-allowed" },
          spec: {},
        }),
      isForbidden,
    );
  } finally {
    agent.close();
  }
});

Deno.test("waitFor returns the first truthy value and explains a timeout", async () => {
  let calls = 0;
  const value = await waitFor("the third call", () => ++calls >= 3 && { calls }, {
    intervalMs: 1,
  });
  assert.deepEqual(value, { calls: 3 });

  await assert.rejects(
    () =>
      waitFor("a failing probe", () => {
        throw new Error("boom");
      }, { timeoutMs: 50, intervalMs: 10 }),
    /^Error: timed out after 0\.05s waiting for a failing probe; last value\/error: error Error: boom$/,
  );
  await assert.rejects(
    () => waitFor("nothing", () => ({ ready: false }).ready, { timeoutMs: 20, intervalMs: 5 }),
    /last value\/error: value false$/,
  );
});

Deno.test("test runner reads deno test's summary line", () => {
  assert.deepEqual(parseSummary("ok | 8 passed | 0 failed (8s)"), { passed: 8, failed: 0 });
  assert.deepEqual(
    parseSummary("\x1b[0m\x1b[31mFAILED\x1b[0m | 94 passed (3 steps) | 1 failed | 2 ignored (3s)"),
    { passed: 94, failed: 1 },
  );
  assert.equal(parseSummary("running 8 tests from ./x.test.ts"), undefined);
});

async function x509Text(cert: string): Promise<string> {
  const output = await new Deno.Command("openssl", {
    args: ["x509", "-in", cert, "-noout", "-text"],
    stdout: "piped",
  }).output();
  return new TextDecoder().decode(output.stdout);
}
