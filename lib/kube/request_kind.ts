/**
 * What a request to the API server is, for counting (`flinkop_kube_requests_total`): its verb as
 * Kubernetes names them (get, list, watch, create, update, patch, delete) and the resource and
 * subresource it addresses, read from the path.
 */
export interface RequestKind {
  verb: string;
  resource: string;
  /** "status", "scale", "proxy", ... or "" for the object itself. */
  subresource: string;
}

const VERBS: Record<string, string> = {
  POST: "create",
  PUT: "update",
  PATCH: "patch",
  DELETE: "delete",
};

/** Writes change the cluster; the rest only read it. */
export function isWrite(verb: string): boolean {
  return verb === "create" || verb === "update" || verb === "patch" || verb === "delete";
}

export function requestKind(
  method: string,
  path: string,
  query: Record<string, unknown> | undefined,
): RequestKind {
  // /api/v1/[namespaces/<ns>/]<resource>[/<name>[/<subresource>...]]
  // /apis/<group>/<version>/[namespaces/<ns>/]<resource>[/<name>[/<subresource>...]]
  const parts = path.split("?")[0].split("/").filter((p) => p !== "");
  let rest = parts[0] === "api" ? parts.slice(2) : parts[0] === "apis" ? parts.slice(3) : [];
  // `namespaces/<ns>/<resource>`, but `namespaces` and `namespaces/<name>` are namespaces.
  if (rest[0] === "namespaces" && rest.length >= 3) rest = rest.slice(2);
  const [resource = "", name, subresource = ""] = rest;
  let verb = VERBS[method.toUpperCase()] ?? method.toLowerCase();
  if (method.toUpperCase() === "GET") {
    verb = query?.watch === true || query?.watch === "true" ? "watch" : name ? "get" : "list";
  }
  return { verb, resource, subresource };
}
