export * from "./client.ts";
export * from "./errors.ts";
export * from "./resource.ts";
export * from "./kubeconfig.ts";
