/**
 * The local control plane is a real one: the checks below fail against a fake apiserver, an
 * AlwaysAllow authorizer or a missing kube-controller-manager.
 */
import assert from "node:assert/strict";
import { stringify } from "yaml";
import { KubeClient, loadKubeConfig } from "../../lib/kube/client.ts";
import { isForbidden } from "../../lib/kube/errors.ts";
import { type KubeObject, Resources } from "../../lib/kube/resource.ts";
import {
  freshNamespace,
  testKubeconfig,
  waitFor,
  withNamespace,
  withTestClient,
} from "../support/cluster.ts";

const NODE_AGENT_USER = "system:node:flinkop-node-0";

Deno.test("apiserver is Kubernetes v1.35", async () => {
  await withTestClient(async (client) => {
    const version = await client.request<{ gitVersion: string; major: string; minor: string }>(
      "GET",
      "/version",
    );
    assert.match(version.gitVersion, /^v1\.35\.\d+/);
    assert.equal(version.minor, "35");
  });
});

Deno.test("RBAC is enforced for users outside system:masters", async () => {
  const kubeconfig = await impersonatingKubeconfig("flinkop-test-nobody");
  const nobody = await KubeClient.connect({ kubeconfig });
  try {
    await assert.rejects(() => nobody.list(Resources.secrets, "default"), isForbidden);
    await assert.rejects(
      () => nobody.get(Resources.namespaces, undefined, "default"),
      isForbidden,
    );
    // Anonymous-level endpoints stay open (public-info-viewer), as in any cluster.
    const version = await nobody.request<{ gitVersion: string }>("GET", "/version");
    assert.match(version.gitVersion, /^v1\./);
  } finally {
    nobody.close();
    await Deno.remove(kubeconfig);
  }
});

Deno.test("node agent identity may run pods but not manage workloads", async () => {
  await withTestClient(async (client) => {
    const allowed = (verb: string, resource: string, extra: Record<string, string> = {}) =>
      subjectMayDo(client, NODE_AGENT_USER, ["system:nodes"], { verb, resource, ...extra });
    assert.equal(await allowed("create", "pods", { subresource: "binding", namespace: "x" }), true);
    assert.equal(await allowed("patch", "pods", { subresource: "status", namespace: "x" }), true);
    assert.equal(await allowed("create", "nodes"), true);
    assert.equal(await allowed("create", "events", { namespace: "x" }), true);
    assert.equal(await allowed("update", "configmaps", { namespace: "x" }), true);
    assert.equal(await allowed("create", "deployments", { group: "apps", namespace: "x" }), false);
    assert.equal(await allowed("delete", "secrets", { namespace: "x" }), false);
  });
});

Deno.test("Deployment -> ReplicaSet -> Pod, and garbage collection on delete", async (t) => {
  await withNamespace(t, async ({ name: ns, client }) => {
    const deployment = await client.create<KubeObject>(Resources.deployments, ns, {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "pause" },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: "pause" } },
        template: {
          metadata: { labels: { app: "pause" } },
          spec: {
            // Addressed to a scheduler that does not exist, so no node agent picks the pod up:
            // this test is about the controller manager alone.
            schedulerName: "flinkop-test-unscheduled",
            containers: [{ name: "pause", image: "registry.k8s.io/pause:3.10" }],
          },
        },
      },
    });
    const ownedBy = (owner: KubeObject) => (o: KubeObject) =>
      o.metadata.ownerReferences?.some((ref) => ref.uid === owner.metadata.uid) ?? false;

    const replicaSet = await waitFor("the Deployment's ReplicaSet", async () => {
      const list = await client.list(Resources.replicaSets, ns);
      return list.items.find(ownedBy(deployment));
    });
    const pod = await waitFor("the ReplicaSet's Pod", async () => {
      const list = await client.list(Resources.pods, ns);
      return list.items.find(ownedBy(replicaSet));
    });
    assert.equal(pod.metadata.labels?.app, "pause");

    assert.equal(await client.delete(Resources.deployments, ns, "pause"), true);
    await waitFor(
      "the ReplicaSet to be garbage-collected",
      async () => !(await client.get(Resources.replicaSets, ns, replicaSet.metadata.name!)),
    );
    // Deletion of a pod on a node completes once its kubelet confirms; the collector's part is
    // asking for it, i.e. the pod is gone or terminating.
    await waitFor("the Pod to be garbage-collected", async () => {
      const current = await client.get(Resources.pods, ns, pod.metadata.name!);
      return !current || !!current.metadata.deletionTimestamp;
    });
  });
});

Deno.test("service accounts: default SA, root CA, token Secrets and TokenRequest", async (t) => {
  await withNamespace(t, async ({ name: ns, client }) => {
    assert.ok(await client.get(Resources.serviceAccounts, "default", "default"));
    await waitFor(
      "kube-root-ca.crt in the new namespace",
      () => client.get(Resources.configMaps, ns, "kube-root-ca.crt"),
    );
    await client.create(Resources.secrets, ns, {
      apiVersion: "v1",
      kind: "Secret",
      metadata: {
        name: "default-token",
        annotations: { "kubernetes.io/service-account.name": "default" },
      },
      type: "kubernetes.io/service-account-token",
    });
    const secret = await waitFor("the token controller to fill the Secret", async () => {
      const s = await client.get<KubeObject & { data?: Record<string, string> }>(
        Resources.secrets,
        ns,
        "default-token",
      );
      return s?.data?.token ? s : undefined;
    });
    assert.ok(secret.data?.["ca.crt"]);

    const review = await client.request<{ status: { token: string } }>(
      "POST",
      `/api/v1/namespaces/${ns}/serviceaccounts/default/token`,
      { body: { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: {} } },
    );
    assert.equal(review.status.token.split(".").length, 3, "a signed JWT");
  });
});

Deno.test("Services get a ClusterIP from 10.0.0.0/16", async (t) => {
  await withNamespace(t, async ({ name: ns, client }) => {
    const service = await client.create<KubeObject>(Resources.services, ns, {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "rest" },
      spec: { selector: { app: "x" }, ports: [{ port: 8081 }] },
    }) as KubeObject & { spec: { clusterIP: string } };
    assert.match(service.spec.clusterIP, /^10\.0\.\d+\.\d+$/);
  });
});

Deno.test("deleting a namespace completes (namespace controller)", async () => {
  await using ns = await freshNamespace("ns-delete");
  await ns.client.create(Resources.configMaps, ns.name, {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "content" },
    data: { a: "b" },
  });
  await ns.client.delete(Resources.namespaces, undefined, ns.name);
  await waitFor(
    `namespace ${ns.name} to be gone`,
    async () => !(await ns.client.get(Resources.namespaces, undefined, ns.name)),
    { timeoutMs: 60_000, intervalMs: 500 },
  );
});

Deno.test({
  name: "kubectl works with the admin kubeconfig",
  ignore: !commandExists("kubectl"),
  fn: async () => {
    const kubeconfig = await testKubeconfig();
    const output = await new Deno.Command("kubectl", {
      args: ["--kubeconfig", kubeconfig, "get", "namespaces", "-o", "name"],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(output.stderr);
    assert.ok(output.success, `kubectl failed: ${stderr}`);
    const names = new TextDecoder().decode(output.stdout).trim().split("\n");
    assert.ok(names.includes("namespace/default"), names.join(", "));
    assert.ok(names.includes("namespace/kube-system"), names.join(", "));
  },
});

/** A copy of the admin kubeconfig that impersonates `user` (kubeconfig `as:`). */
async function impersonatingKubeconfig(user: string): Promise<string> {
  const kc = await loadKubeConfig(await testKubeconfig());
  const exported = JSON.parse(kc.exportConfig()) as {
    users: { name: string; user: Record<string, unknown> }[];
  };
  for (const entry of exported.users) entry.user.as = user;
  const path = await Deno.makeTempFile({ prefix: "flinkop-test-", suffix: ".kubeconfig" });
  await Deno.writeTextFile(path, stringify(exported));
  return path;
}

async function subjectMayDo(
  client: KubeClient,
  user: string,
  groups: string[],
  attributes: Record<string, string>,
): Promise<boolean> {
  const review = await client.request<{ status: { allowed: boolean } }>(
    "POST",
    "/apis/authorization.k8s.io/v1/subjectaccessreviews",
    {
      body: {
        apiVersion: "authorization.k8s.io/v1",
        kind: "SubjectAccessReview",
        spec: { user, groups: [...groups, "system:authenticated"], resourceAttributes: attributes },
      },
    },
  );
  return review.status.allowed;
}

function commandExists(command: string): boolean {
  try {
    return new Deno.Command(command, {
      args: ["version", "--client"],
      stdout: "null",
      stderr: "null",
    })
      .outputSync().success;
  } catch {
    return false;
  }
}
