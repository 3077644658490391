/**
 * The shipped RBAC is enough, and the compiled binary's permissions are enough: the operator runs
 * as a subprocess with exactly the permission flags of deno.json's `compile` task (what
 * `deno compile` bakes into dist/flinkop), authenticated as a ServiceAccount bound by
 * deploy/rbac.yaml (or deploy/rbac-namespaced.yaml), against the real API server with RBAC on.
 * A FlinkDeployment must then go through deploy, observe, upgrade and delete with no request
 * refused; an identity without the role must be stopped by the start-up check with one line.
 */
import assert from "node:assert/strict";
import { parse as parseYaml, parseAllDocuments, stringify } from "yaml";
import type { KubeClient } from "../../lib/kube/client.ts";
import { type KubeObject, Resources, type ResourceType } from "../../lib/kube/resource.ts";
import { createOrReplace } from "../../lib/flink/cluster_ops.ts";
import { FlinkDeployments } from "../../lib/flink/resources.ts";
import { haLabelSelector } from "../../lib/flink/ha.ts";
import { freeLoopbackPort } from "../../cluster/free_port.ts";
import { freshNamespace, testKubeconfig, waitFor } from "../support/cluster.ts";
import { installCrds } from "../support/operator.ts";
import { operatorArgs, OperatorProcess } from "../support/operator_process.ts";
import { application, getFd, isRunningStable, patchSpec, waitForFd } from "../support/flink.ts";

const repoRoot = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");

const rbacType = (plural: string, kind: string, namespaced: boolean): ResourceType => ({
  group: "rbac.authorization.k8s.io",
  version: "v1",
  plural,
  kind,
  namespaced,
});

const TYPES: Record<string, ResourceType> = {
  ServiceAccount: Resources.serviceAccounts,
  ClusterRole: rbacType("clusterroles", "ClusterRole", false),
  ClusterRoleBinding: rbacType("clusterrolebindings", "ClusterRoleBinding", false),
  Role: rbacType("roles", "Role", true),
  RoleBinding: rbacType("rolebindings", "RoleBinding", true),
  Lease: Resources.leases,
};

/** The Lease named in deploy/operator-ha.yaml's configuration. */
const LEASE_NAME = "flinkop-lease";

/**
 * The permission flags of the `compile` task. Reading them from deno.json keeps this test and the
 * binary in step: a permission dropped there fails here.
 */
async function compilePermissionFlags(): Promise<string[]> {
  const config = JSON.parse(await Deno.readTextFile(`${repoRoot}/deno.json`));
  const task: string = config.tasks.compile;
  const words = task.split(/\s+/);
  assert.ok(!words.includes("-A") && !words.includes("--allow-all"), "compile must not use -A");
  const flags = words.filter((w) => /^--(allow|deny)-/.test(w));
  assert.ok(flags.length > 0, `no permission flags in the compile task: ${task}`);
  return flags;
}

/**
 * A deploy/ manifest made safe for the shared cluster: namespaced objects and subjects move into
 * the test namespace; cluster-scoped objects get a per-run name so parallel runs do not collide.
 */
async function loadManifest(file: string, ns: string, suffix: string): Promise<KubeObject[]> {
  const text = await Deno.readTextFile(`${repoRoot}/deploy/${file}`);
  const objects: KubeObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    const obj = doc.toJS() as KubeObject & {
      roleRef?: { kind: string; name: string };
      subjects?: { kind: string; namespace?: string }[];
    };
    if (!obj || obj.kind === "Namespace") continue;
    if (obj.metadata.namespace) obj.metadata.namespace = ns;
    if (obj.kind === "ClusterRole" || obj.kind === "ClusterRoleBinding") {
      obj.metadata.name = `${obj.metadata.name}-${suffix}`;
      obj.metadata.labels = { ...obj.metadata.labels, "flinkop.test/rbac": suffix };
    }
    if (obj.roleRef?.kind === "ClusterRole") obj.roleRef.name = `${obj.roleRef.name}-${suffix}`;
    for (const subject of obj.subjects ?? []) {
      if (subject.kind === "ServiceAccount") subject.namespace = ns;
    }
    objects.push(obj);
  }
  return objects;
}

async function apply(admin: KubeClient, objects: KubeObject[]): Promise<void> {
  for (const obj of objects) {
    const type = TYPES[obj.kind!];
    assert.ok(type, `unexpected kind ${obj.kind} in a deploy/ RBAC manifest`);
    await createOrReplace(admin, type, obj);
  }
}

async function deleteClusterScoped(admin: KubeClient, objects: KubeObject[]): Promise<void> {
  for (const obj of objects) {
    const type = TYPES[obj.kind!];
    if (type && !type.namespaced) await admin.delete(type, undefined, obj.metadata.name!);
  }
}

/** A token for the ServiceAccount from the TokenRequest API (what a projected volume holds). */
async function serviceAccountToken(admin: KubeClient, ns: string, sa: string): Promise<string> {
  const answer = await admin.request<{ status: { token: string } }>(
    "POST",
    `/api/v1/namespaces/${ns}/serviceaccounts/${sa}/token`,
    {
      body: {
        apiVersion: "authentication.k8s.io/v1",
        kind: "TokenRequest",
        spec: { expirationSeconds: 3600 },
      },
    },
  );
  return answer.status.token;
}

/**
 * A kubeconfig with the cluster's server and CA from the admin kubeconfig and a bearer token. It
 * goes under /tmp, which the compile task's --allow-read covers.
 */
async function tokenKubeconfig(dir: string, name: string, token: string): Promise<string> {
  const admin = parseYaml(await Deno.readTextFile(await testKubeconfig())) as {
    clusters: { cluster: { server: string; "certificate-authority-data": string } }[];
  };
  const cluster = admin.clusters[0].cluster;
  const path = `${dir}/${name}.kubeconfig`;
  await Deno.writeTextFile(
    path,
    stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{
        name: "local",
        cluster: {
          server: cluster.server,
          "certificate-authority-data": cluster["certificate-authority-data"],
        },
      }],
      users: [{ name, user: { token } }],
      contexts: [{ name, context: { cluster: "local", user: name } }],
      "current-context": name,
    }),
    { mode: 0o600 },
  );
  return path;
}

/**
 * Writes the `config.yaml` of a deploy/ manifest's operator ConfigMap into `<dir>/conf`, so the
 * operator reads the shipped configuration through --config-dir as in the Deployment (with the
 * same read permission: the compile task allows /tmp as well as /opt/flinkop).
 */
async function shippedConfigDir(dir: string, manifest: string): Promise<string> {
  const text = await Deno.readTextFile(`${repoRoot}/deploy/${manifest}`);
  const configMap = parseAllDocuments(text).map((d) => d.toJS())
    .find((o) => o?.kind === "ConfigMap" && o.metadata.name === "flinkop-config");
  assert.ok(configMap?.data?.["config.yaml"], `no flinkop-config ConfigMap in ${manifest}`);
  const confDir = `${dir}/conf`;
  await Deno.mkdir(confDir);
  await Deno.writeTextFile(`${confDir}/config.yaml`, configMap.data["config.yaml"]);
  return confDir;
}

async function httpGet(port: number, path: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, body: await res.text() };
}

/** Probe endpoints answer once the operator has synced its caches. */
async function assertProbesAndMetrics(op: OperatorProcess, port: number): Promise<void> {
  await waitFor("/readyz to answer 200", async () => {
    if (op.exitCode !== undefined) {
      throw new Error(`operator exited with ${op.exitCode}\n${op.output}`);
    }
    return (await httpGet(port, "/readyz")).status === 200;
  }, { timeoutMs: 60_000, intervalMs: 200 });
  assert.equal((await httpGet(port, "/healthz")).status, 200);
  const metrics = await httpGet(port, "/metrics");
  assert.equal(metrics.status, 200);
  assert.match(metrics.body, /^flinkop_[a-z_]+(\{[^}]*\})? [0-9.e+-]+$/m, metrics.body);
}

/** Any request the API server refused shows up in the operator's log or events. */
function assertNothingForbidden(op: OperatorProcess): void {
  const refused = `${op.stdout}\n${op.stderr}`.split("\n")
    .filter((line) => /forbidden|\b403\b|cannot (list|get|create|update|patch|delete)/i.test(line));
  assert.deepEqual(refused, [], `the operator was refused something:\n${op.output}`);
}

async function assertNoRefusalEvents(admin: KubeClient, ns: string): Promise<void> {
  const events = await admin.list<KubeObject & { message?: string; reason?: string }>(
    Resources.events,
    ns,
  );
  const refused = events.items.filter((e) => /forbidden|\b403\b/i.test(e.message ?? ""));
  assert.deepEqual(refused.map((e) => `${e.reason}: ${e.message}`), []);
}

/** Deploy, observe, (optionally) upgrade with HA, and delete one FlinkDeployment. */
async function lifecycle(admin: KubeClient, ns: string, opts: { upgrade: boolean }) {
  const name = "rbac-app";
  await admin.create(
    FlinkDeployments,
    ns,
    application(ns, name, { ha: true, upgradeMode: opts.upgrade ? "last-state" : "stateless" }),
  );
  const fd = await waitForFd(admin, ns, name, "job RUNNING and STABLE", isRunningStable);
  assert.equal(fd.status?.jobManagerDeploymentStatus, "READY");
  assert.ok(fd.metadata.finalizers?.includes("flinkdeployments.flink.apache.org/finalizer"));
  assert.ok(await admin.get(Resources.services, ns, `${name}-rest`));
  assert.ok(await admin.get(Resources.configMaps, ns, `flink-config-${name}`));
  const reasons = (await admin.list<KubeObject & { reason?: string }>(Resources.events, ns, {
    fieldSelector: `involvedObject.name=${name}`,
  })).items.map((e) => e.reason);
  assert.ok(reasons.includes("Submit"), `events: ${reasons}`);

  if (opts.upgrade) {
    // last-state: the JobManager Deployment is deleted and recreated, keeping HA metadata whose
    // job graphs the operator strips (a ConfigMap patch) before resubmitting.
    await patchSpec(admin, ns, name, { job: { ...fd.spec.job, parallelism: 1 } });
    await waitForFd(admin, ns, name, "upgraded and STABLE again", (f) => {
      const spec = f.status?.reconciliationStatus?.lastReconciledSpec;
      return isRunningStable(f) && f.status?.observedGeneration === f.metadata.generation &&
        spec !== undefined && JSON.parse(spec).spec.job.parallelism === 1;
    });
  }

  const haMaps = await admin.list(Resources.configMaps, ns, {
    labelSelector: haLabelSelector(name),
  });
  assert.ok(haMaps.items.length > 0, "Kubernetes HA ConfigMaps exist before the deletion");

  await admin.delete(FlinkDeployments, ns, name);
  await waitFor(
    "the FlinkDeployment to be gone (finalizer released)",
    async () => !(await getFd(admin, ns, name)),
    { timeoutMs: 60_000 },
  );
  assert.equal(await admin.get(Resources.deployments, ns, name), undefined);
  const leftover = await admin.list(Resources.configMaps, ns, {
    labelSelector: haLabelSelector(name),
  });
  assert.deepEqual(leftover.items.map((c) => c.metadata.name), [], "HA data deleted");
}

Deno.test("rbac: the operator under deploy/rbac.yaml runs a FlinkDeployment end to end", async () => {
  await using namespace = await freshNamespace("rbac-cluster");
  const { client: admin, name: ns } = namespace;
  const suffix = ns;
  await installCrds(admin);
  const rbac = await loadManifest("rbac.yaml", ns, suffix);
  const flinkSa = await loadManifest("flink-serviceaccount.yaml", ns, suffix);
  const tmp = await Deno.makeTempDir({ dir: "/tmp", prefix: "flinkop-rbac-" });
  let op: OperatorProcess | undefined;
  try {
    await apply(admin, [...rbac, ...flinkSa]);
    const kubeconfig = await tokenKubeconfig(
      tmp,
      "flinkop",
      await serviceAccountToken(admin, ns, "flinkop"),
    );
    const port = freeLoopbackPort();
    op = new OperatorProcess(
      await compilePermissionFlags(),
      // operator-ha.yaml's configuration turns on leader election, which exercises the Lease
      // Role in the operator's namespace; flags (later on the command line) scope and speed it up.
      operatorArgs(kubeconfig, port, [
        "--config-dir",
        await shippedConfigDir(tmp, "operator-ha.yaml"),
        "--watch-namespaces",
        ns,
      ]),
      { OPERATOR_NAMESPACE: ns, HOSTNAME: "rbac-test-leader" },
    );
    await assertProbesAndMetrics(op, port);
    const lease = await admin.get<KubeObject & { spec?: { holderIdentity?: string } }>(
      TYPES.Lease,
      ns,
      LEASE_NAME,
    );
    assert.equal(lease?.spec?.holderIdentity, "rbac-test-leader");

    await lifecycle(admin, ns, { upgrade: true });
    assertNothingForbidden(op);
    await assertNoRefusalEvents(admin, ns);

    // A graceful stop hands the Lease back (get + update on leases).
    const status = await op.stop();
    assert.equal(status.code, 0, op.output);
    const released = await admin.get<KubeObject & { spec?: { holderIdentity?: string } }>(
      TYPES.Lease,
      ns,
      LEASE_NAME,
    );
    assert.equal(released?.spec?.holderIdentity, "", op.output);
    assertNothingForbidden(op);
  } catch (err) {
    if (op) console.error(op.output);
    throw err;
  } finally {
    await op?.stop();
    if (op && Deno.env.get("FLINKOP_TEST_LOG")) console.error(op.output);
    await deleteClusterScoped(admin, rbac);
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("rbac: deploy/rbac-namespaced.yaml suffices for --watch-own-namespace", async () => {
  await using namespace = await freshNamespace("rbac-ns");
  const { client: admin, name: ns } = namespace;
  await installCrds(admin);
  const tmp = await Deno.makeTempDir({ dir: "/tmp", prefix: "flinkop-rbac-" });
  let op: OperatorProcess | undefined;
  try {
    await apply(admin, [
      ...await loadManifest("rbac-namespaced.yaml", ns, ns),
      ...await loadManifest("flink-serviceaccount.yaml", ns, ns),
    ]);
    const kubeconfig = await tokenKubeconfig(
      tmp,
      "flinkop",
      await serviceAccountToken(admin, ns, "flinkop"),
    );
    const flags = await compilePermissionFlags();

    // Watching all namespaces is beyond a namespaced Role: the start-up check says so.
    const wide = new OperatorProcess(flags, operatorArgs(kubeconfig, freeLoopbackPort(), []), {});
    const wideStatus = await wide.exited(30_000);
    assert.equal(wideStatus.code, 1, wide.output);
    assert.match(wide.stderr.trim(), /^flinkop: forbidden: [^\n]*cluster-wide[^\n]*$/, wide.output);

    const port = freeLoopbackPort();
    const confDir = await shippedConfigDir(tmp, "operator.yaml");
    op = new OperatorProcess(
      flags,
      operatorArgs(kubeconfig, port, ["--config-dir", confDir, "--watch-own-namespace"]),
      { OPERATOR_NAMESPACE: ns },
    );
    await assertProbesAndMetrics(op, port);
    await lifecycle(admin, ns, { upgrade: false });
    assertNothingForbidden(op);
    await assertNoRefusalEvents(admin, ns);
    assert.equal((await op.stop()).code, 0, op.output);
  } catch (err) {
    if (op) console.error(op.output);
    throw err;
  } finally {
    await op?.stop();
    if (op && Deno.env.get("FLINKOP_TEST_LOG")) console.error(op.output);
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("rbac: an identity without the role is stopped by the start-up check", async () => {
  await using namespace = await freshNamespace("rbac-none");
  const { client: admin, name: ns } = namespace;
  await installCrds(admin);
  const tmp = await Deno.makeTempDir({ dir: "/tmp", prefix: "flinkop-rbac-" });
  try {
    // A ServiceAccount bound to nothing: authenticated, but authorized for discovery only.
    await createOrReplace(admin, Resources.serviceAccounts, {
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: { name: "nobody", namespace: ns },
    });
    const kubeconfig = await tokenKubeconfig(
      tmp,
      "nobody",
      await serviceAccountToken(admin, ns, "nobody"),
    );
    const op = new OperatorProcess(
      await compilePermissionFlags(),
      operatorArgs(kubeconfig, freeLoopbackPort(), ["--watch-namespaces", ns]),
      {},
    );
    const status = await op.exited(30_000);
    assert.equal(status.code, 1, op.output);
    // One line on stderr naming what is missing and where, and pointing at the fix.
    assert.match(
      op.stderr.trim(),
      new RegExp(
        `^flinkop: forbidden: [^\\n]*flinkdeployments\\.flink\\.apache\\.org in namespace ${ns}` +
          `[^\\n]*deploy/rbac\\.yaml[^\\n]*$`,
      ),
      op.output,
    );
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
