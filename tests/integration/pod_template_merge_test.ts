/**
 * `kubernetes.operator.pod-template.merge-arrays-by-name`: how `jobManager.podTemplate` merges
 * over `podTemplate` in the JobManager Deployment the operator creates — element by element
 * (default, as FKO) or by the elements' names.
 */
import assert from "node:assert/strict";
import { FlinkDeployments } from "../../lib/flink/resources.ts";
import { type KubeObject, Resources } from "../../lib/kube/resource.ts";
import { integrationTest, waitFor } from "../support/integration.ts";
import { startOperator } from "../support/operator.ts";
import { application } from "../support/flink.ts";

const MAIN = "flink-main-container";

function withTemplates(ns: string, name: string, conf: Record<string, string>): KubeObject {
  return application(ns, name, {
    flinkConfiguration: conf,
    extra: {
      podTemplate: {
        spec: {
          containers: [{
            name: MAIN,
            env: [{ name: "SHARED", value: "base" }, { name: "OVERRIDDEN", value: "base" }],
          }],
        },
      },
      jobManager: {
        resource: { memory: "1024m", cpu: 0.5 },
        podTemplate: {
          spec: {
            containers: [{ name: MAIN, env: [{ name: "OVERRIDDEN", value: "jobmanager" }] }],
          },
        },
      },
    },
  });
}

interface Container {
  name: string;
  env?: { name: string; value?: string }[];
}

async function userEnv(
  client: Parameters<Parameters<typeof integrationTest>[1]>[0]["client"],
  ns: string,
  name: string,
) {
  const jm = await waitFor(
    `${name}: the JobManager Deployment`,
    () =>
      client.get<KubeObject & { spec: { template: { spec: { containers: Container[] } } } }>(
        Resources.deployments,
        ns,
        name,
      ),
  );
  const main = jm.spec.template.spec.containers.find((c) => c.name === MAIN)!;
  // Only what the templates set; the operator adds its own variables.
  return (main.env ?? [])
    .filter((e) => e.name === "SHARED" || e.name === "OVERRIDDEN")
    .map((e) => `${e.name}=${e.value}`);
}

integrationTest(
  "pod-template.merge-arrays-by-name: the JobManager template merges by name, else by position",
  async ({ client, ns }) => {
    const op = await startOperator(client, ns);
    try {
      await client.create(
        FlinkDeployments,
        ns,
        withTemplates(ns, "by-name", {
          "kubernetes.operator.pod-template.merge-arrays-by-name": "true",
        }),
      );
      await client.create(FlinkDeployments, ns, withTemplates(ns, "by-position", {}));
      assert.deepEqual(await userEnv(client, ns, "by-name"), [
        "SHARED=base",
        "OVERRIDDEN=jobmanager",
      ]);
      // By position the JobManager's first variable lands on the base's first one.
      assert.deepEqual(await userEnv(client, ns, "by-position"), [
        "OVERRIDDEN=jobmanager",
        "OVERRIDDEN=base",
      ]);
    } finally {
      await op.stop();
    }
  },
);
