/** `spec.ingress` of a FlinkDeployment: an operator-managed Ingress to the REST service. */
import { z } from "zod";
import { fabric8Model, stringMap } from "./wire_hints.ts";

export const IngressTlsSchema = fabric8Model(z.looseObject({
  hosts: z.array(z.string()).optional(),
  secretName: z.string().optional(),
}));
export type IngressTls = z.infer<typeof IngressTlsSchema>;

export const IngressSpecSchema = z.looseObject({
  template: z.string().optional().describe(
    "URL template; {{name}} and {{namespace}} are substituted. Required.",
  ),
  className: z.string().optional().describe("Ingress class name."),
  annotations: stringMap().optional().describe("Annotations of the Ingress."),
  labels: stringMap().optional().describe("Labels of the Ingress."),
  tls: z.array(IngressTlsSchema).optional().describe("TLS settings of the Ingress."),
});
export type IngressSpec = z.infer<typeof IngressSpecSchema>;
