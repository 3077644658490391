import assert from "node:assert/strict";
import { type JsonSchemaProps, podTemplateSchema } from "../../lib/api/crd_gen.ts";
import {
  type OpenApiDocument,
  podTemplateSchemaFromOpenApi,
  renderPodTemplateSchema,
} from "../../lib/api/pod_template_schema_gen.ts";

const REF = "#/components/schemas/";

/** An OpenAPI document in the API server's style, small enough to read. */
const DOC: OpenApiDocument = {
  components: {
    schemas: {
      "io.k8s.api.core.v1.Pod": {
        description: "Pod is a collection of containers.",
        type: "object",
        properties: {
          kind: { type: "string", description: "Kind." },
          spec: { default: {}, allOf: [{ $ref: `${REF}io.k8s.api.core.v1.PodSpec` }] },
          apiVersion: { type: "string" },
        },
        "x-kubernetes-group-version-kind": [{ group: "", kind: "Pod", version: "v1" }],
      },
      "io.k8s.api.core.v1.PodSpec": {
        type: "object",
        required: ["containers"],
        properties: {
          containers: {
            type: "array",
            items: { default: {}, allOf: [{ $ref: `${REF}io.k8s.api.core.v1.Container` }] },
            "x-kubernetes-list-map-keys": ["name"],
            "x-kubernetes-list-type": "map",
            "x-kubernetes-patch-merge-key": "name",
            "x-kubernetes-patch-strategy": "merge",
          },
          nodeSelector: {
            type: "object",
            additionalProperties: { type: "string", default: "" },
            "x-kubernetes-map-type": "atomic",
          },
          terminationGracePeriodSeconds: { type: "integer", format: "int64" },
        },
      },
      "io.k8s.api.core.v1.Container": {
        type: "object",
        required: ["name"],
        properties: {
          name: { type: "string", default: "" },
          imagePullPolicy: { type: "string", enum: ["Always", "IfNotPresent", "Never"] },
          port: { allOf: [{ $ref: `${REF}io.k8s.apimachinery.pkg.util.intstr.IntOrString` }] },
          limits: {
            type: "object",
            additionalProperties: {
              $ref: `${REF}io.k8s.apimachinery.pkg.api.resource.Quantity`,
            },
          },
          fields: { $ref: `${REF}io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1` },
        },
      },
      "io.k8s.apimachinery.pkg.util.intstr.IntOrString": {
        format: "int-or-string",
        oneOf: [{ type: "integer" }, { type: "string" }],
      },
      "io.k8s.apimachinery.pkg.api.resource.Quantity": {
        oneOf: [{ type: "string" }, { type: "number" }],
      },
      "io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1": { type: "object", description: "Trie." },
      "io.example.Loop": {
        type: "object",
        properties: { next: { $ref: `${REF}io.example.Loop` } },
      },
    },
  },
};

const INT_OR_STRING: JsonSchemaProps = {
  anyOf: [{ type: "integer" }, { type: "string" }],
  "x-kubernetes-int-or-string": true,
};

Deno.test("pod template schema: FKO's shape — types and structure only, properties sorted", () => {
  assert.deepEqual(podTemplateSchemaFromOpenApi(DOC), {
    type: "object",
    properties: {
      apiVersion: { type: "string" },
      kind: { type: "string" },
      spec: {
        type: "object",
        properties: {
          containers: {
            type: "array",
            items: {
              type: "object",
              properties: {
                fields: { type: "object" },
                imagePullPolicy: { type: "string" },
                limits: { type: "object", additionalProperties: INT_OR_STRING },
                name: { type: "string" },
                port: INT_OR_STRING,
              },
            },
          },
          nodeSelector: { type: "object", additionalProperties: { type: "string" } },
          terminationGracePeriodSeconds: { type: "integer" },
        },
      },
    },
  });
});

Deno.test("pod template schema: recursion and unknown references are errors", () => {
  assert.throws(
    () => podTemplateSchemaFromOpenApi(DOC, "io.example.Loop"),
    /recursive schema io\.example\.Loop/,
  );
  assert.throws(() => podTemplateSchemaFromOpenApi(DOC, "io.example.Missing"), /no io\.example/);
});

Deno.test("pod template schema: the committed data is FKO-shaped and stable", async () => {
  const schema = podTemplateSchema();
  assert.deepEqual(Object.keys(schema.properties!), [
    "apiVersion",
    "kind",
    "metadata",
    "spec",
    "status",
  ]);
  const container = schema.properties!.spec.properties!.containers.items!;
  for (const field of ["name", "image", "env", "volumeMounts", "resources", "livenessProbe"]) {
    assert.ok(container.properties![field], field);
  }
  assert.deepEqual(container.properties!.resources.properties!.limits.additionalProperties, {
    anyOf: [{ type: "integer" }, { type: "string" }],
    "x-kubernetes-int-or-string": true,
  });
  const text = JSON.stringify(schema);
  for (
    const key of ["description", "default", "enum", "format", "required", "x-kubernetes-list-type"]
  ) {
    assert.ok(!text.includes(`"${key}":`), `no ${key} in the pod template schema`);
  }
  assert.ok(!text.includes("x-kubernetes-preserve-unknown-fields"));
  const file = await Deno.readTextFile(
    new URL("../../lib/api/pod_template_schema.json", import.meta.url),
  );
  assert.equal(renderPodTemplateSchema(schema), file, "rendering is the file's text");
});
