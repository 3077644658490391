/**
 * The Helm chart end to end with a real helm: `helm install` puts the operator's Deployment,
 * ServiceAccount, RBAC and ConfigMap on the local cluster, where the node agent's flinkop runtime
 * runs the operator pod (this checkout under the compiled binary's permissions, authenticated with
 * the pod's own service-account token, so the chart's RBAC is what is enforced). The operator then
 * runs a FlinkDeployment on the simulator, a real Prometheus scrapes the operator pod and reads
 * FKO's lifecycle metric back (and every Grafana dashboard query is valid PromQL against it),
 * `helm upgrade` of a value rolls the operator without restarting the job, and `helm uninstall`
 * removes the release but leaves the CRDs (Helm's convention).
 *
 * Needs root (the flinkop runtime's mount namespace) and the pod network of the test namespace
 * (the operator reaches the JobManager by pod IP, set through the chart's defaultConfiguration:
 * there is no cluster DNS for its default service-dns mode).
 */
import assert from "node:assert/strict";
import { parse as parseYaml } from "yaml";
import { FlinkDeployments } from "../../lib/flink/resources.ts";
import { Resources } from "../../lib/kube/resource.ts";
import type { KubeObject } from "../../lib/kube/resource.ts";
import { freshNamespace, waitFor } from "../support/cluster.ts";
import { application, getFd, isRunningStable, waitForFd } from "../support/flink.ts";
import { CHART, helmOk, repoRoot } from "../support/helm.ts";
import { installCrds } from "../support/operator.ts";
import { testPodCidr } from "../support/pod_network.ts";
import { startPrometheus } from "../support/prometheus.ts";

const isRoot = Deno.uid() === 0;

interface Pod extends KubeObject {
  status?: {
    podIP?: string;
    phase?: string;
    conditions?: { type: string; status: string }[];
  };
}

const ready = (p: Pod) =>
  p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;

Deno.test({
  name: "helm chart: install, run a job, scrape FKO's metrics with Prometheus, upgrade, uninstall",
  ignore: !isRoot || !testPodCidr(),
  async fn(t) {
    await using opNs = await freshNamespace("helm-op");
    await using jobsNs = await freshNamespace("helm-jobs");
    const { client } = opNs;
    const jobs = jobsNs.name;
    await installCrds(client);
    const values = `${await Deno.makeTempDir()}/values.yaml`;
    await Deno.writeTextFile(
      values,
      [
        `watchNamespaces: [${jobs}]`,
        "defaultConfiguration:",
        "  config.yaml: |+",
        // No cluster DNS here: reach JobManagers by pod IP (docs/helm.md).
        "    flinkop.rest.access-mode: pod-ip",
        "    kubernetes.operator.reconcile.interval: 2 s",
        "    kubernetes.operator.observer.progress-check.interval: 300 ms",
        "    kubernetes.operator.observer.rest-ready.delay: 100 ms",
        "    kubernetes.operator.retry.initial.interval: 200 ms",
      ].join("\n") + "\n",
    );
    const release = "op";
    const opPods = async () =>
      (await client.list<Pod>(Resources.pods, opNs.name, {
        labelSelector: `app.kubernetes.io/instance=${release}`,
      })).items;

    let podName = "";
    let jobId = "";
    await t.step("helm install: the operator pod runs under the chart's objects", async () => {
      const out = await helmOk([
        "install",
        release,
        CHART,
        "--namespace",
        opNs.name,
        "--values",
        values,
        "--wait",
        "--timeout",
        "90s",
      ]);
      assert.match(out, /STATUS: deployed/);
      const pods = await opPods();
      assert.equal(pods.length, 1);
      assert.ok(ready(pods[0]), "operator pod Ready");
      podName = pods[0].metadata.name!;
      const manifest = await helmOk(["get", "manifest", release, "--namespace", opNs.name]);
      assert.doesNotMatch(manifest, /kind: CustomResourceDefinition/);
      // The job namespace got the Flink pods' service account from the chart.
      assert.ok(await client.get(Resources.serviceAccounts, jobs, "flink"));
    });

    await t.step("the operator runs a FlinkDeployment", async () => {
      await client.create(FlinkDeployments, jobs, application(jobs, "app"));
      const fd = await waitForFd(client, jobs, "app", "RUNNING and STABLE", isRunningStable);
      jobId = fd.status!.jobStatus!.jobId!;
      assert.ok(jobId);
    });

    const podIP = (await opPods())[0].status!.podIP!;
    await t.step(
      "a real Prometheus scrapes the operator and reads the lifecycle back",
      async () => {
        await using prom = await startPrometheus({ targets: [`${podIP}:8085`] });
        const stable =
          `flink_k8soperator_namespace_Lifecycle_State_STABLE_Count{resourcens="${jobs}",resourcetype="FlinkDeployment"}`;
        const samples = await waitFor("Prometheus to hold the STABLE count", async () => {
          const result = await prom.query(stable);
          return result.length > 0 && result[0].value[1] === "1" ? result : undefined;
        }, { timeoutMs: 30_000, intervalMs: 500 });
        assert.equal(samples[0].metric.namespace, opNs.name, "the operator's namespace label");
        assert.equal(samples[0].metric.name, `${release}-flinkop`);
        const [target] = await prom.targets();
        assert.equal(target.health, "up", target.lastError);
        // Transition histograms were filled by the deployment (CREATED -> ... -> STABLE).
        const submissions = await prom.query(
          `flink_k8soperator_FlinkDeployment_Lifecycle_Transition_Submission_TimeSeconds_count`,
        );
        assert.ok(Number(submissions[0]?.value[1]) >= 1, JSON.stringify(submissions));
        assert.ok((await prom.query("flinkop_reconcile_total")).length > 0);
        // Every dashboard query is valid PromQL and the resource panels find the job.
        const dashboard = JSON.parse(
          await Deno.readTextFile(`${repoRoot}/deploy/monitoring/grafana-dashboard.json`),
        );
        for (const panel of dashboard.panels) {
          for (const target of panel.targets ?? []) {
            await prom.query(target.expr.replaceAll("$namespace", jobs));
          }
        }
        const counts = await prom.query(
          `sum(flink_k8soperator_namespace_Count{resourcetype="FlinkDeployment",resourcens=~"${jobs}"})`,
        );
        assert.equal(counts[0]?.value[1], "1");
      },
    );

    await t.step("helm upgrade of a value rolls the operator, not the job", async () => {
      await helmOk([
        "upgrade",
        release,
        CHART,
        "--namespace",
        opNs.name,
        "--values",
        values,
        "--set",
        "operatorPod.resources.limits.memory=600Mi",
        "--set-string",
        "defaultConfiguration.config\\.yaml=flinkop.rest.access-mode: pod-ip\nkubernetes.operator.reconcile.interval: 3 s\n",
        "--wait",
        "--timeout",
        "90s",
      ]);
      const pods = await waitFor("one new Ready operator pod", async () => {
        const list = await opPods();
        return list.length === 1 && list[0].metadata.name !== podName && ready(list[0])
          ? list
          : undefined;
      }, { timeoutMs: 60_000 });
      const cm = await client.get<KubeObject & { data: Record<string, string> }>(
        Resources.configMaps,
        opNs.name,
        `${release}-flinkop-config`,
      );
      const config = parseYaml(cm!.data["config.yaml"]);
      assert.equal(config["kubernetes.operator.reconcile.interval"], "3 s");
      const deployment = await client.get<
        KubeObject & {
          spec: { template: { spec: { containers: { resources: { limits: object } }[] } } };
        }
      >(Resources.deployments, opNs.name, `${release}-flinkop`);
      assert.deepEqual(deployment!.spec.template.spec.containers[0].resources.limits, {
        memory: "600Mi",
      });
      assert.notEqual(pods[0].metadata.name, podName);
      // The new operator adopts the running job: same job, still stable.
      await waitFor("the new operator to reconcile the job", async () => {
        const fd = await getFd(client, jobs, "app");
        return fd && isRunningStable(fd) && fd.status?.jobStatus?.jobId === jobId;
      }, { timeoutMs: 30_000 });
    });

    await t.step("helm uninstall removes the release and keeps the CRDs", async () => {
      // Delete the job first, while the operator that holds its finalizer still runs.
      await client.delete(FlinkDeployments, jobs, "app");
      await waitFor(
        "the FlinkDeployment to be gone",
        async () => !(await getFd(client, jobs, "app")),
        { timeoutMs: 60_000 },
      );
      await helmOk(["uninstall", release, "--namespace", opNs.name, "--wait", "--timeout", "60s"]);
      await waitFor("the operator pods to be gone", async () => (await opPods()).length === 0, {
        timeoutMs: 60_000,
      });
      assert.equal(
        await client.get(Resources.deployments, opNs.name, `${release}-flinkop`),
        undefined,
      );
      assert.equal(await client.get(Resources.serviceAccounts, opNs.name, "flinkop"), undefined);
      for (const plural of ["flinkdeployments", "flinksessionjobs", "flinkstatesnapshots"]) {
        assert.ok(
          await client.get(Resources.crds, undefined, `${plural}.flink.apache.org`),
          `CRD ${plural} kept`,
        );
      }
      // The job service account carries helm.sh/resource-policy: keep, as in FKO's chart.
      assert.ok(await client.get(Resources.serviceAccounts, jobs, "flink"));
    });
  },
});
