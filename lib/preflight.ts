import type { KubeClient } from "./kube/client.ts";
import { ConnectionError, isApiError } from "./kube/errors.ts";
import type { ResourceType } from "./kube/resource.ts";

/** A start-up problem the user must fix; main prints its message as one line and exits 1. */
export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StartupError";
  }
}

/** Reaches the API server and returns its version (e.g. v1.35.4). */
export async function checkApiServer(client: KubeClient): Promise<string> {
  try {
    const v = await client.request<{ gitVersion: string }>("GET", "/version", {
      timeoutMs: 10_000,
    });
    return v.gitVersion;
  } catch (err) {
    if (err instanceof ConnectionError) throw new StartupError(err.message);
    if (isApiError(err, 401)) {
      throw new StartupError(
        `the Kubernetes API server at ${client.server} rejected our credentials (401): ` +
          "check the kubeconfig user or the service account token",
      );
    }
    throw err;
  }
}

/**
 * Lists each kind once where the operator will watch it. A 404 means the CRD is missing (say how
 * to install it); a 403 means RBAC does not allow it (say what to grant).
 */
export async function checkResourceAccess(
  client: KubeClient,
  types: ResourceType[],
  namespaces: string[] | undefined,
): Promise<void> {
  for (const type of types) {
    for (const ns of namespaces ?? [undefined]) {
      try {
        await client.list(type, ns, { limit: 1 });
      } catch (err) {
        const where = ns ? `in namespace ${ns}` : "cluster-wide";
        const resource = `${type.plural}.${type.group}`;
        if (isApiError(err, 404)) {
          throw new StartupError(
            `CRD ${resource} is not installed: install the CRDs with ` +
              "`flinkop crds | kubectl apply --server-side -f -` (or `kubectl apply -f crds/`)",
          );
        }
        if (isApiError(err, 403)) {
          throw new StartupError(
            `forbidden: the operator's identity cannot list ${resource} ${where}; ` +
              "grant the RBAC in deploy/rbac.yaml (or watch only namespaces it may access " +
              "with --watch-namespaces)",
          );
        }
        if (err instanceof ConnectionError) throw new StartupError(err.message);
        throw err;
      }
    }
  }
}
