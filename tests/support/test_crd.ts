import type { KubeClient } from "../../lib/kube/client.ts";
import { isAlreadyExists } from "../../lib/kube/errors.ts";
import { type KubeObject, Resources, type ResourceType } from "../../lib/kube/resource.ts";

/**
 * A tiny CRD (with a status subresource) for testing the domain-free runtime against the real API
 * server without involving any Flink logic.
 */
export const Widgets: ResourceType = {
  group: "test.flinkop.dev",
  version: "v1",
  plural: "widgets",
  kind: "Widget",
  namespaced: true,
};

export interface Widget extends KubeObject {
  spec?: { size?: number; note?: string };
  status?: { seen?: number; note?: string; writer?: string };
}

export async function installWidgetCrd(client: KubeClient): Promise<void> {
  const crd = {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: "widgets.test.flinkop.dev" },
    spec: {
      group: Widgets.group,
      scope: "Namespaced",
      names: { plural: "widgets", singular: "widget", kind: "Widget" },
      versions: [{
        name: "v1",
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: {
          openAPIV3Schema: {
            type: "object",
            properties: {
              spec: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
              status: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
            },
          },
        },
      }],
    },
  };
  try {
    await client.create(Resources.crds, undefined, crd as unknown as KubeObject);
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
  // Established takes a moment; listing succeeds once the endpoint serves.
  for (let i = 0; i < 100; i++) {
    try {
      await client.list(Widgets, "default", { limit: 1 });
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error("widgets CRD did not become served within 10 s");
}

export function widget(namespace: string, name: string, size = 1): Widget {
  return {
    apiVersion: `${Widgets.group}/${Widgets.version}`,
    kind: Widgets.kind,
    metadata: { name, namespace },
    spec: { size },
  };
}
