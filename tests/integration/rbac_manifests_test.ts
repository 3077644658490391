/**
 * Every object in deploy/ is accepted by the real API server (server-side dry run with strict
 * field validation, so a misspelt field fails instead of being dropped), the operator pods pass
 * the restricted Pod Security Standard, the operator configuration in the ConfigMaps loads without problems or warnings, and the roles grant what
 * the operator and Flink need where rbac_operator_test.ts cannot exercise it on the local cluster:
 * api-proxy REST access (the API server does not proxy to loopback pod IPs), finalizer updates
 * (only checked with OwnerReferencesPermissionEnforcement, which the local cluster does not
 * enable), and the Flink pods' own service account (the simulator writes HA ConfigMaps with the
 * node agent's identity).
 */
import assert from "node:assert/strict";
import { parseAllDocuments } from "yaml";
import type { KubeClient } from "../../lib/kube/client.ts";
import { collectionPath, type KubeObject, type ResourceType } from "../../lib/kube/resource.ts";
import { Resources } from "../../lib/kube/resource.ts";
import { loadOperatorConfig } from "../../lib/config/operator_config.ts";
import { createOrReplace } from "../../lib/flink/cluster_ops.ts";
import { freshNamespace } from "../support/cluster.ts";

const repoRoot = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");

const MANIFESTS = [
  "rbac.yaml",
  "rbac-namespaced.yaml",
  "flink-serviceaccount.yaml",
  "operator.yaml",
  "operator-ha.yaml",
  "sidecar-example.yaml",
];

const type = (
  group: string,
  plural: string,
  kind: string,
  namespaced = true,
): ResourceType => ({ group, version: "v1", plural, kind, namespaced });

const TYPES: Record<string, ResourceType> = {
  Namespace: Resources.namespaces,
  ServiceAccount: Resources.serviceAccounts,
  ConfigMap: Resources.configMaps,
  Deployment: Resources.deployments,
  PodDisruptionBudget: type("policy", "poddisruptionbudgets", "PodDisruptionBudget"),
  ClusterRole: type("rbac.authorization.k8s.io", "clusterroles", "ClusterRole", false),
  ClusterRoleBinding: type(
    "rbac.authorization.k8s.io",
    "clusterrolebindings",
    "ClusterRoleBinding",
    false,
  ),
  Role: type("rbac.authorization.k8s.io", "roles", "Role"),
  RoleBinding: type("rbac.authorization.k8s.io", "rolebindings", "RoleBinding"),
};

interface Manifest extends KubeObject {
  data?: Record<string, string>;
  roleRef?: { kind: string; name: string };
  subjects?: { kind: string; namespace?: string }[];
}

async function readManifest(file: string): Promise<Manifest[]> {
  const text = await Deno.readTextFile(`${repoRoot}/deploy/${file}`);
  return parseAllDocuments(text).map((doc) => {
    assert.deepEqual(doc.errors, [], `${file}: YAML errors`);
    return doc.toJS() as Manifest;
  }).filter((obj) => obj !== null);
}

/** Moves namespaced objects into `ns` and renames cluster-scoped ones, as the operator test does. */
function relocate(obj: Manifest, ns: string): Manifest {
  const copy = structuredClone(obj);
  if (copy.metadata.namespace) copy.metadata.namespace = ns;
  if (copy.kind === "ClusterRole" || copy.kind === "ClusterRoleBinding") {
    copy.metadata.name = `${copy.metadata.name}-${ns}`;
  }
  if (copy.roleRef?.kind === "ClusterRole") copy.roleRef.name = `${copy.roleRef.name}-${ns}`;
  for (const subject of copy.subjects ?? []) {
    if (subject.kind === "ServiceAccount") subject.namespace = ns;
  }
  return copy;
}

/** What the user `user` may do, per the API server's own authorizer. */
async function allowed(
  admin: KubeClient,
  user: string,
  attrs: { namespace: string; verb: string; group: string; resource: string; sub?: string },
): Promise<boolean> {
  const review = await admin.request<{ status: { allowed: boolean } }>(
    "POST",
    "/apis/authorization.k8s.io/v1/subjectaccessreviews",
    {
      body: {
        apiVersion: "authorization.k8s.io/v1",
        kind: "SubjectAccessReview",
        spec: {
          user,
          groups: ["system:serviceaccounts", `system:serviceaccounts:${attrs.namespace}`],
          resourceAttributes: {
            namespace: attrs.namespace,
            verb: attrs.verb,
            group: attrs.group,
            resource: attrs.resource,
            subresource: attrs.sub,
          },
        },
      },
    },
  );
  return review.status.allowed;
}

Deno.test("deploy/: every manifest passes a strict server-side dry run", async () => {
  await using namespace = await freshNamespace("rbac-manifests");
  const { client: admin, name: ns } = namespace;
  for (const file of MANIFESTS) {
    for (const original of await readManifest(file)) {
      const resourceType = TYPES[original.kind!];
      assert.ok(resourceType, `${file}: no test mapping for kind ${original.kind}`);
      if (original.kind === "Namespace") {
        assert.equal(original.metadata.name, "flinkop-system", file);
        continue;
      }
      const obj = relocate(original, ns);
      const where = `${file}: ${obj.kind} ${obj.metadata.name}`;
      try {
        await admin.request(
          "POST",
          collectionPath(resourceType, resourceType.namespaced ? ns : undefined),
          { body: obj, query: { dryRun: "All", fieldValidation: "Strict" } },
        );
      } catch (err) {
        throw new Error(`${where} rejected: ${(err as Error).message}`);
      }
    }
  }
});

Deno.test("deploy/: the operator pods meet the restricted Pod Security Standard", async () => {
  await using namespace = await freshNamespace("rbac-pss");
  const { client: admin, name: ns } = namespace;
  // Pod Security admission also judges dry-run creates, so the pods need not run.
  await admin.patch(Resources.namespaces, undefined, ns, {
    metadata: { labels: { "pod-security.kubernetes.io/enforce": "restricted" } },
  });
  // The ServiceAccount admission plugin wants the pods' account to exist.
  await admin.create(Resources.serviceAccounts, ns, {
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata: { name: "flinkop", namespace: ns },
  });
  for (const file of ["operator.yaml", "operator-ha.yaml", "sidecar-example.yaml"]) {
    const deployment = (await readManifest(file)).find((o) => o.kind === "Deployment") as
      | (Manifest & { spec: { template: { metadata?: object; spec: object } } })
      | undefined;
    assert.ok(deployment, `${file}: no Deployment`);
    const pod = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { ...deployment.spec.template.metadata, name: "pss-check", namespace: ns },
      spec: deployment.spec.template.spec,
    };
    try {
      await admin.request("POST", collectionPath(Resources.pods, ns), {
        body: pod,
        query: { dryRun: "All", fieldValidation: "Strict" },
      });
    } catch (err) {
      throw new Error(`${file}: pod rejected: ${(err as Error).message}`);
    }
  }
});

Deno.test("deploy/: the shipped operator configuration loads cleanly", async () => {
  for (const file of ["operator.yaml", "operator-ha.yaml"]) {
    const configMap = (await readManifest(file)).find((o) => o.kind === "ConfigMap");
    const text = configMap?.data?.["config.yaml"];
    assert.ok(text, `${file}: no config.yaml`);
    const config = loadOperatorConfig({
      args: ["--config-dir", "/opt/flinkop/conf"],
      env: { OPERATOR_NAMESPACE: "flinkop-system" },
      readFile: (path) => path === "/opt/flinkop/conf/config.yaml" ? text : null,
    });
    assert.deepEqual(config.warnings, [], file);
    assert.equal(config.health.port, 8085, `${file}: probes in the Deployment use 8085`);
    assert.equal(config.watchNamespaces, "all", file);
    if (file === "operator-ha.yaml") {
      assert.equal(config.leaderElection.enabled, true);
      // The pod's grace period (30 s) must cover shutdown plus the lease.
      assert.ok(config.terminationTimeoutMs + config.leaderElection.leaseDurationMs <= 30_000);
    }
  }
});

Deno.test("deploy/: roles grant the access the local cluster cannot exercise", async () => {
  await using namespace = await freshNamespace("rbac-access");
  const { client: admin, name: ns } = namespace;
  const objects = [
    ...await readManifest("rbac-namespaced.yaml"),
    ...await readManifest("flink-serviceaccount.yaml"),
  ].map((o) => relocate(o, ns));
  for (const obj of objects) await createOrReplace(admin, TYPES[obj.kind!], obj);

  const operator = `system:serviceaccount:${ns}:flinkop`;
  const flink = `system:serviceaccount:${ns}:flink`;
  // "<verb> <resource>[.<group>][/<subresource>]" the user must (true) or must not (false) get.
  const expectations: [string, string, boolean][] = [
    // api-proxy mode: one verb per HTTP method of the Flink REST calls.
    ...["get", "create", "patch", "update", "delete"].map((verb) =>
      [operator, `${verb} services/proxy`, true] as [string, string, boolean]
    ),
    [operator, "update flinkdeployments.flink.apache.org/finalizers", true],
    [operator, "update deployments.apps/finalizers", true],
    [operator, "create flinkstatesnapshots.flink.apache.org", true],
    // Least privilege: nothing the operator does not use.
    [operator, "get secrets", false],
    [operator, "create pods", false],
    [operator, "create flinkdeployments.flink.apache.org", false],
    [operator, "update flinkdeployments.flink.apache.org", false],
    // The Flink pods: TaskManager pods and Kubernetes HA ConfigMaps.
    [flink, "create pods", true],
    [flink, "delete pods", true],
    [flink, "watch pods", true],
    [flink, "create configmaps", true],
    [flink, "update configmaps", true],
    [flink, "watch configmaps", true],
    [flink, "delete configmaps", true],
    [flink, "get deployments.apps", true],
    [flink, "update deployments.apps/finalizers", true],
    [flink, "create deployments.apps", false],
    [flink, "get secrets", false],
  ];
  const wrong: string[] = [];
  for (const [user, request, expected] of expectations) {
    const [verb, target] = request.split(" ");
    const [resourceAndGroup, sub] = target.split("/");
    const dot = resourceAndGroup.indexOf(".");
    const resource = dot < 0 ? resourceAndGroup : resourceAndGroup.slice(0, dot);
    const group = dot < 0 ? "" : resourceAndGroup.slice(dot + 1);
    const actual = await allowed(admin, user, { namespace: ns, verb, group, resource, sub });
    if (actual !== expected) {
      wrong.push(`${user.split(":").pop()} ${request}: ${actual ? "allowed" : "denied"}`);
    }
  }
  assert.deepEqual(wrong, []);
});
