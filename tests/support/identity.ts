/**
 * A ServiceAccount identity for running the operator with limited rights: the namespaced RBAC of
 * deploy/rbac-namespaced.yaml granted in chosen namespaces, and a kubeconfig with its token.
 */
import { parse as parseYaml, parseAllDocuments, stringify } from "yaml";
import type { KubeClient } from "../../lib/kube/client.ts";
import { type KubeObject, Resources, type ResourceType } from "../../lib/kube/resource.ts";
import { createOrReplace } from "../../lib/flink/cluster_ops.ts";
import { testKubeconfig } from "./cluster.ts";

const repoRoot = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");

const Roles: ResourceType = {
  group: "rbac.authorization.k8s.io",
  version: "v1",
  plural: "roles",
  kind: "Role",
  namespaced: true,
};
const RoleBindings: ResourceType = { ...Roles, plural: "rolebindings", kind: "RoleBinding" };

/** Creates ServiceAccount `name` in `namespace` (bound to nothing yet). */
export async function createServiceAccount(
  admin: KubeClient,
  namespace: string,
  name: string,
): Promise<void> {
  await createOrReplace(admin, Resources.serviceAccounts, {
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata: { name, namespace },
  });
}

/**
 * Grants ServiceAccount `sa` of `saNamespace` the Role of deploy/rbac-namespaced.yaml in
 * `namespace` (the operator's rights there).
 */
export async function grantOperatorRole(
  admin: KubeClient,
  namespace: string,
  sa: { namespace: string; name: string },
): Promise<void> {
  const text = await Deno.readTextFile(`${repoRoot}/deploy/rbac-namespaced.yaml`);
  const role = parseAllDocuments(text).map((d) => d.toJS() as KubeObject & { rules?: unknown })
    .find((o) => o?.kind === "Role");
  if (!role) throw new Error("deploy/rbac-namespaced.yaml has no Role");
  await createOrReplace(admin, Roles, {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "Role",
    metadata: { name: "flinkop-test", namespace },
    rules: role.rules,
  } as KubeObject);
  await createOrReplace(admin, RoleBindings, {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "RoleBinding",
    metadata: { name: "flinkop-test", namespace },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "flinkop-test" },
    subjects: [{ kind: "ServiceAccount", namespace: sa.namespace, name: sa.name }],
  } as KubeObject);
}

/** A kubeconfig file in `dir` for the ServiceAccount, with a token from the TokenRequest API. */
export async function serviceAccountKubeconfig(
  admin: KubeClient,
  sa: { namespace: string; name: string },
  dir: string,
): Promise<string> {
  const answer = await admin.request<{ status: { token: string } }>(
    "POST",
    `/api/v1/namespaces/${sa.namespace}/serviceaccounts/${sa.name}/token`,
    {
      body: {
        apiVersion: "authentication.k8s.io/v1",
        kind: "TokenRequest",
        spec: { expirationSeconds: 3600 },
      },
    },
  );
  const adminConfig = parseYaml(await Deno.readTextFile(await testKubeconfig())) as {
    clusters: { cluster: { server: string; "certificate-authority-data": string } }[];
  };
  const cluster = adminConfig.clusters[0].cluster;
  const path = `${dir}/${sa.name}.kubeconfig`;
  await Deno.writeTextFile(
    path,
    stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "local", cluster }],
      users: [{ name: sa.name, user: { token: answer.status.token } }],
      contexts: [{ name: sa.name, context: { cluster: "local", user: sa.name } }],
      "current-context": sa.name,
    }),
    { mode: 0o600 },
  );
  return path;
}
