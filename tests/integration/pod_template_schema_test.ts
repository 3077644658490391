/**
 * Pod templates typed as in FKO's CRD, on the real API server: the committed schema is what the
 * API server's own OpenAPI gives, a typo or a wrong type in a pod template is refused, unknown
 * fields are pruned when a client does not ask for strict validation (as with FKO's CRD), and
 * the operator still reads and merges pod templates into the JobManager Deployment.
 */
import assert from "node:assert/strict";
import { podTemplateSchema } from "../../lib/api/crd_gen.ts";
import {
  type OpenApiDocument,
  podTemplateSchemaFromOpenApi,
} from "../../lib/api/pod_template_schema_gen.ts";
import { FlinkDeployments } from "../../lib/flink/resources.ts";
import { Resources } from "../../lib/kube/resource.ts";
import { dryRunCreate } from "../support/admission.ts";
import { application as admissionApplication } from "../support/admission_cases.ts";
import { testKubeconfig } from "../support/cluster.ts";
import { application, getFd } from "../support/flink.ts";
import { integrationTest, waitFor } from "../support/integration.ts";
import { installCrds, startOperator } from "../support/operator.ts";

integrationTest(
  "pod template schema: the committed schema is what the API server's OpenAPI gives",
  async ({ client }) => {
    const doc = await client.request<OpenApiDocument>("GET", "/openapi/v3/api/v1");
    assert.deepEqual(
      podTemplateSchemaFromOpenApi(doc),
      podTemplateSchema(),
      "lib/api/pod_template_schema.json is stale: run " +
        "`deno run -A lib/api/pod_template_schema_gen.ts --kubeconfig <kubeconfig>` and `deno task crds`",
    );
  },
);

integrationTest(
  "pod templates: a typo or a wrong type is refused at once, naming the field",
  async ({ client, ns }) => {
    await installCrds(client);
    const withTemplate = (
      path: "podTemplate" | "jobManager" | "taskManager",
      template: unknown,
    ) => {
      const obj = admissionApplication("typed");
      if (path === "podTemplate") obj.spec.podTemplate = template;
      else (obj.spec[path] as Record<string, unknown>).podTemplate = template;
      return obj;
    };
    const typo = await dryRunCreate(
      client,
      ns,
      withTemplate("podTemplate", { spec: { containres: [{ name: "flink-main-container" }] } }),
    );
    assert.equal(typo.ok, false);
    assert.match(
      (typo as { message: string }).message,
      /unknown field "spec\.podTemplate\.spec\.containres"/,
    );

    const nestedTypo = await dryRunCreate(
      client,
      ns,
      withTemplate("taskManager", {
        spec: { containers: [{ name: "flink-main-container", volumeMount: [] }] },
      }),
    );
    assert.match(
      (nestedTypo as { message: string }).message,
      /unknown field "spec\.taskManager\.podTemplate\.spec\.containers\[0\]\.volumeMount"/,
    );

    // A wrong type is refused whatever the client's field validation.
    const wrongType = await dryRunCreate(
      client,
      ns,
      withTemplate("jobManager", { spec: { containers: "flink-main-container" } }),
      { strict: false },
    );
    assert.equal(wrongType.ok, false);
    assert.match(
      (wrongType as { message: string }).message,
      /spec\.jobManager\.podTemplate\.spec\.containers: Invalid value: "string": .*must be of type array/,
    );

    // kubectl validates strictly by default: the user sees the typo on apply.
    const yaml = JSON.stringify(withTemplate("podTemplate", { metadata: { lables: { a: "b" } } }));
    const kubectl = new Deno.Command("kubectl", {
      args: ["--kubeconfig", await testKubeconfig(), "-n", ns, "apply", "-f", "-"],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const writer = kubectl.stdin.getWriter();
    await writer.write(new TextEncoder().encode(yaml));
    await writer.close();
    const out = await kubectl.output();
    assert.equal(out.success, false);
    assert.match(
      new TextDecoder().decode(out.stderr),
      /unknown field "spec\.podTemplate\.metadata\.lables"/,
    );
    assert.equal(await client.get(FlinkDeployments, ns, "typed"), undefined);
  },
);

integrationTest(
  "pod templates: the operator still merges them; unknown fields are pruned as with FKO's CRD",
  async ({ client, ns }) => {
    const op = await startOperator(client, ns);
    try {
      const fd = application(ns, "templated");
      const spec = fd.spec as Record<string, unknown>;
      Object.assign(spec, {
        podTemplate: {
          apiVersion: "v1",
          kind: "Pod",
          metadata: { labels: { team: "data" } },
          spec: {
            containers: [{
              name: "flink-main-container",
              env: [{ name: "FROM_TEMPLATE", value: "base" }],
              notAField: true,
            }],
            volumes: [{ name: "scratch", emptyDir: {} }],
          },
        },
      });
      (spec.jobManager as Record<string, unknown>).podTemplate = {
        spec: {
          containers: [{
            name: "flink-main-container",
            volumeMounts: [{ name: "scratch", mountPath: "/scratch" }],
          }],
        },
      };
      // No strict field validation here: the API server prunes the unknown field and warns.
      await client.create(FlinkDeployments, ns, fd);
      const stored = (await getFd(client, ns, "templated"))!;
      const container = ((stored.spec.podTemplate as { spec: { containers: unknown[] } }).spec
        .containers[0]) as Record<string, unknown>;
      assert.equal(container.notAField, undefined, "pruned");
      assert.deepEqual(container.env, [{ name: "FROM_TEMPLATE", value: "base" }]);

      const deployment = await waitFor(
        "the JobManager Deployment",
        () => client.get(Resources.deployments, ns, "templated"),
      );
      const pod = (deployment as unknown as {
        spec: { template: { metadata: { labels: Record<string, string> }; spec: PodSpec } };
      }).spec.template;
      assert.equal(pod.metadata.labels.team, "data");
      const main = pod.spec.containers.find((c) => c.name === "flink-main-container")!;
      assert.ok(main.env?.some((e) => e.name === "FROM_TEMPLATE" && e.value === "base"));
      assert.ok(main.volumeMounts?.some((m) => m.name === "scratch" && m.mountPath === "/scratch"));
      assert.ok(pod.spec.volumes?.some((v) => v.name === "scratch"));
    } finally {
      await op.stop();
    }
  },
);

interface PodSpec {
  containers: {
    name: string;
    env?: { name: string; value?: string }[];
    volumeMounts?: { name: string; mountPath: string }[];
  }[];
  volumes?: { name: string }[];
}
