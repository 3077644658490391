/**
 * The Helm chart (helm/flinkop) checked with a real helm built from Go modules: `helm lint`,
 * `helm template` output accepted by the real API server (strict server-side dry run), operator
 * pods that meet the restricted Pod Security Standard, the same RBAC as deploy/ (no drift), the
 * CRDs equal to what lib/api generates, and an operator configuration that loads cleanly.
 * (helm_chart_test.ts installs, upgrades and uninstalls it on the local cluster.)
 */
import assert from "node:assert/strict";
import { parseAllDocuments } from "yaml";
import { allCrds, crdFileName, renderCrdYaml } from "../../lib/api/crds.ts";
import { loadOperatorConfig } from "../../lib/config/operator_config.ts";
import { collectionPath, type KubeObject, Resources } from "../../lib/kube/resource.ts";
import type { ResourceType } from "../../lib/kube/resource.ts";
import { freshNamespace } from "../support/cluster.ts";
import { CHART, helm, renderChart, repoRoot } from "../support/helm.ts";

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}
type Obj = KubeObject & { rules?: Rule[]; data?: Record<string, string> };

const rbacType = (plural: string, kind: string, namespaced: boolean): ResourceType => ({
  group: "rbac.authorization.k8s.io",
  version: "v1",
  plural,
  kind,
  namespaced,
});
const TYPES: Record<string, ResourceType> = {
  ServiceAccount: Resources.serviceAccounts,
  ConfigMap: Resources.configMaps,
  Deployment: Resources.deployments,
  Service: Resources.services,
  PodDisruptionBudget: {
    group: "policy",
    version: "v1",
    plural: "poddisruptionbudgets",
    kind: "PodDisruptionBudget",
    namespaced: true,
  },
  ClusterRole: rbacType("clusterroles", "ClusterRole", false),
  ClusterRoleBinding: rbacType("clusterrolebindings", "ClusterRoleBinding", false),
  Role: rbacType("roles", "Role", true),
  RoleBinding: rbacType("rolebindings", "RoleBinding", true),
};

async function deployObjects(file: string): Promise<Obj[]> {
  const text = await Deno.readTextFile(`${repoRoot}/deploy/${file}`);
  return parseAllDocuments(text).map((d) => d.toJS() as Obj).filter((o) => o !== null);
}

/** Rules compared as sets of single grants, so order and grouping do not matter. */
function grants(rules: Rule[] | undefined): string[] {
  const out = new Set<string>();
  for (const r of rules ?? []) {
    for (const g of r.apiGroups) {
      for (const res of r.resources) for (const v of r.verbs) out.add(`${g}|${res}|${v}`);
    }
  }
  return [...out].sort();
}

const find = (objects: Obj[], kind: string, pred: (o: Obj) => boolean = () => true) => {
  const found = objects.find((o) => o.kind === kind && pred(o));
  assert.ok(found, `no ${kind} rendered`);
  return found;
};

Deno.test("helm chart: helm lint passes", async () => {
  const r = await helm(["lint", "--strict", CHART]);
  assert.ok(r.ok, r.stdout + r.stderr);
  assert.match(r.stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
});

Deno.test("helm chart: crds/ is what lib/api generates (deno task crds writes both)", async () => {
  const names: string[] = [];
  for (const crd of allCrds()) {
    const file = crdFileName(crd);
    names.push(file);
    const inChart = await Deno.readTextFile(`${CHART}/crds/${file}`).catch(() => "");
    assert.equal(
      inChart,
      renderCrdYaml(crd),
      `helm/flinkop/crds/${file} is stale or missing: run \`deno task crds\``,
    );
  }
  const present = [...Deno.readDirSync(`${CHART}/crds`)].map((e) => e.name).sort();
  assert.deepEqual(present, names.sort(), "helm/flinkop/crds/ holds exactly the generated CRDs");
});

Deno.test("helm chart: the same least-privilege RBAC as deploy/", async () => {
  const clusterWide = (await renderChart("flinkop-system")) as Obj[];
  const rbac = await deployObjects("rbac.yaml");
  assert.deepEqual(
    grants(find(clusterWide, "ClusterRole").rules),
    grants(find(rbac, "ClusterRole").rules),
    "the chart's ClusterRole and deploy/rbac.yaml's differ",
  );
  assert.deepEqual(
    grants(find(clusterWide, "Role", (o) => o.metadata.name!.endsWith("-leader-election")).rules),
    grants(find(rbac, "Role").rules),
    "leader-election Role",
  );
  const flinkRole = find(await deployObjects("flink-serviceaccount.yaml"), "Role");
  assert.deepEqual(
    grants(find(clusterWide, "Role", (o) => o.metadata.name === "flink").rules),
    grants(flinkRole.rules),
    "the Flink pods' Role and deploy/flink-serviceaccount.yaml's differ",
  );
  // Watched namespaces: a Role per namespace, the rules of rbac-namespaced.yaml (which adds the
  // Lease) and no cluster-wide grant at all.
  const perNamespace = (await renderChart("flinkop-system", [
    "--set",
    "watchNamespaces={team-a,team-b}",
  ])) as Obj[];
  assert.ok(!perNamespace.some((o) => o.kind === "ClusterRole" || o.kind === "ClusterRoleBinding"));
  const namespaced = find(await deployObjects("rbac-namespaced.yaml"), "Role");
  for (const ns of ["team-a", "team-b"]) {
    const role = find(
      perNamespace,
      "Role",
      (o) => o.metadata.namespace === ns && o.metadata.name === "flinkop",
    );
    const lease = find(perNamespace, "Role", (o) => o.metadata.name!.endsWith("-leader-election"));
    assert.deepEqual(
      grants([...role.rules!, ...lease.rules!]),
      grants(namespaced.rules),
      `Role in ${ns} vs deploy/rbac-namespaced.yaml`,
    );
    find(
      perNamespace,
      "ServiceAccount",
      (o) => o.metadata.namespace === ns && o.metadata.name === "flink",
    );
  }
});

Deno.test("helm chart: every rendered object passes a strict server-side dry run, pods meet restricted", async () => {
  await using namespace = await freshNamespace("helm-render");
  const { client, name: ns } = namespace;
  await client.patch(Resources.namespaces, undefined, ns, {
    metadata: { labels: { "pod-security.kubernetes.io/enforce": "restricted" } },
  });
  const variants: [string, string[]][] = [
    ["defaults", []],
    ["watched namespace, two replicas", [
      "--set",
      `watchNamespaces={${ns}}`,
      "--set",
      "replicas=2",
    ]],
    ["FKO's flat flink-conf.yaml", [
      "--set-string",
      "defaultConfiguration.flink-conf\\.yaml=kubernetes.operator.reconcile.interval: 30 s",
    ]],
  ];
  const rendered: [string, KubeObject[]][] = [];
  for (const [variant, args] of variants) rendered.push([variant, await renderChart(ns, args)]);
  for (const [variant, objects] of rendered) {
    for (const obj of objects) {
      const type = TYPES[obj.kind!];
      assert.ok(type, `${variant}: no test mapping for kind ${obj.kind}`);
      try {
        await client.request(
          "POST",
          collectionPath(type, type.namespaced ? obj.metadata.namespace ?? ns : undefined),
          { body: obj, query: { dryRun: "All", fieldValidation: "Strict" } },
        );
      } catch (err) {
        throw new Error(`${variant}: ${obj.kind} ${obj.metadata.name} rejected: ${err}`);
      }
    }
  }
  // Pod Security admission judges pods: the Deployment's template as a pod, dry run (the
  // ServiceAccount admission plugin wants the pod's account to exist).
  await client.create(Resources.serviceAccounts, ns, {
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata: { name: "flinkop", namespace: ns },
  });
  for (const [variant, objects] of rendered) {
    const deployment = find(objects as Obj[], "Deployment") as Obj & {
      spec: { template: { metadata: object; spec: object } };
    };
    try {
      await client.request("POST", collectionPath(Resources.pods, ns), {
        body: {
          apiVersion: "v1",
          kind: "Pod",
          metadata: { ...deployment.spec.template.metadata, name: "pss-check", namespace: ns },
          spec: deployment.spec.template.spec,
        },
        query: { dryRun: "All", fieldValidation: "Strict" },
      });
    } catch (err) {
      throw new Error(`${variant}: the operator pod is refused under "restricted": ${err}`);
    }

    // The configuration the pod reads loads without warnings and matches the pod's probes.
    const cm = find(objects as Obj[], "ConfigMap");
    const files = cm.data ?? {};
    const config = loadOperatorConfig({
      args: ["--config-dir", "/opt/flinkop/conf"],
      env: { OPERATOR_NAMESPACE: ns },
      readFile: (path) => files[path.replace("/opt/flinkop/conf/", "")] ?? null,
    });
    assert.deepEqual(config.warnings, [], variant);
    assert.equal(config.health.port, 8085, variant);
    if (variant.includes("two replicas")) {
      assert.equal(config.leaderElection.enabled, true);
      assert.equal(config.leaderElection.leaseName, "op-flinkop-lease");
      find(objects as Obj[], "PodDisruptionBudget");
    }
    if (variant.includes("flink-conf")) assert.equal(config.reconcileIntervalMs, 30_000);
  }
});

Deno.test("helm chart: a ServiceMonitor on request, for the Prometheus Operator", async () => {
  const objects = await renderChart("flinkop-system", [
    "--set",
    "metrics.serviceMonitor.enabled=true",
  ]);
  const monitor = objects.find((o) => o.kind === "ServiceMonitor") as
    | (KubeObject & { spec: { endpoints: { port: string; path: string }[] } })
    | undefined;
  assert.ok(monitor, "no ServiceMonitor rendered");
  assert.deepEqual(
    monitor.spec.endpoints.map((e) => [e.port, e.path]),
    [["metrics", "/metrics"]],
  );
  const service = objects.find((o) => o.kind === "Service") as
    | (KubeObject & { spec: { ports: { name: string; targetPort: string }[] } })
    | undefined;
  assert.equal(service?.spec.ports[0].targetPort, "health-port");
  assert.ok(!(await renderChart("flinkop-system")).some((o) => o.kind === "ServiceMonitor"));
});
