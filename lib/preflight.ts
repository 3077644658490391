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

/** The option that lets the operator start although some watch cannot (FKO/JOSDK's switch). */
export const STOP_ON_INFORMER_ERROR_KEY = "kubernetes.operator.startup.stop-on-informer-error";

/** Appended to a fatal watch problem: how to start anyway. */
export const START_ANYWAY_HINT =
  ` (or set ${STOP_ON_INFORMER_ERROR_KEY}: false to start anyway and retry it)`;

/**
 * How long start-up waits for an API server that does not answer, or answers 503 while it
 * starts: a restarting API server is back within seconds, and exiting would leave a pod to the
 * kubelet's crash back-off (found by the chaos run: an operator started during an API server
 * restart exited).
 */
export const API_SERVER_WAIT_MS = 30_000;

/**
 * Reaches the API server and returns its version (e.g. v1.35.4). Waits up to `waitMs` for one
 * that cannot be reached yet, telling `onWait` each time; then, or at once for rejected
 * credentials, throws a StartupError. Within the same wait, an API server that answers but is
 * not ready yet is waited for (apiServerReady): the resource checks that follow would otherwise
 * take its start-up answers for a missing CRD or missing RBAC and end the start.
 */
export async function checkApiServer(
  client: Pick<KubeClient, "request" | "fetch" | "server">,
  opts: { waitMs?: number; retryMs?: number; onWait?: (problem: string) => void } = {},
): Promise<string> {
  const deadline = Date.now() + (opts.waitMs ?? API_SERVER_WAIT_MS);
  const retry = () => new Promise((r) => setTimeout(r, opts.retryMs ?? 1000));
  for (;;) {
    try {
      const v = await client.request<{ gitVersion: string }>("GET", "/version", {
        timeoutMs: 10_000,
      });
      for (;;) {
        const notReady = await apiServerReady(client);
        if (notReady === undefined || Date.now() >= deadline) return v.gitVersion;
        opts.onWait?.(notReady);
        await retry();
      }
    } catch (err) {
      const transient = err instanceof ConnectionError || isApiError(err, 503);
      if (transient && Date.now() < deadline) {
        opts.onWait?.(err instanceof Error ? err.message : String(err));
        await retry();
        continue;
      }
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
}

/**
 * Undefined when the API server says it is ready (`/readyz`), or cannot say (a cluster that does
 * not let us read it: starting is then not held up); else what it is still waiting for. A
 * restarted API server answers `/version` a few seconds before its CRDs are served and its RBAC
 * authorizer has synced: lists then fail with 404 and 403 (found by the chaos run: an operator
 * started during an API-server restart took them for a missing CRD and exited).
 */
export async function apiServerReady(
  client: Pick<KubeClient, "fetch">,
): Promise<string | undefined> {
  let res: Response;
  try {
    res = await client.fetch("GET", "/readyz", { accept: "text/plain", timeoutMs: 10_000 });
  } catch (err) {
    if (err instanceof ConnectionError) return err.message;
    throw err;
  }
  const body = await res.text().catch(() => "");
  if (res.status !== 500 && res.status !== 503) return undefined;
  const failing = body.split("\n").filter((line) => line.startsWith("[-]")).map((line) =>
    line.slice(3).replace(/ failed:.*$/, "")
  );
  return `the API server is not ready yet (HTTP ${res.status} from /readyz${
    failing.length ? `: ${failing.join(", ")}` : ""
  })`;
}

/**
 * What a refused list of `type` (in `namespace`, or cluster-wide) means and how to fix it, for
 * the refusals a user can fix: a missing CRD (404) and missing RBAC (403).
 */
export function accessProblem(
  type: ResourceType,
  namespace: string | undefined,
  err: unknown,
): string | undefined {
  const where = namespace ? `in namespace ${namespace}` : "cluster-wide";
  const resource = type.group ? `${type.plural}.${type.group}` : type.plural;
  if (isApiError(err, 404) && type.group) {
    return `CRD ${resource} is not installed: install the CRDs with ` +
      "`flinkop crds | kubectl apply --server-side -f -` (or `kubectl apply -f crds/`)";
  }
  if (isApiError(err, 403)) {
    return `forbidden: the operator's identity cannot list ${resource} ${where}; ` +
      "grant the RBAC in deploy/rbac.yaml (or watch only namespaces it may access " +
      "with --watch-namespaces)";
  }
  return undefined;
}

/**
 * Lists each kind once where the operator will watch it. A 404 means the CRD is missing (say how
 * to install it); a 403 means RBAC does not allow it (say what to grant). With `stopOnError`
 * (FKO's `startup.stop-on-informer-error`, the default) the first such problem is a
 * {@link StartupError}; without it the problems are returned for the caller to warn about, and
 * the watches keep retrying.
 */
export async function checkResourceAccess(
  client: KubeClient,
  types: ResourceType[],
  namespaces: string[] | undefined,
  opts: { stopOnError?: boolean } = {},
): Promise<string[]> {
  const stopOnError = opts.stopOnError ?? true;
  const problems: string[] = [];
  for (const type of types) {
    for (const ns of namespaces ?? [undefined]) {
      try {
        await client.list(type, ns, { limit: 1 });
      } catch (err) {
        // An API server going away or busy now says nothing about CRDs or RBAC: the watches
        // retry such answers, and refuse at start only on a real refusal (runtime/controller.ts).
        if (isTransient(err)) continue;
        const problem = accessProblem(type, ns, err);
        if (problem === undefined) throw err;
        if (stopOnError) throw new StartupError(problem + START_ANYWAY_HINT);
        problems.push(problem);
      }
    }
  }
  return problems;
}

/** No answer, or one that may be different in a moment (429, 5xx). */
function isTransient(err: unknown): boolean {
  return err instanceof ConnectionError ||
    (isApiError(err) && (err.status === 429 || err.status >= 500));
}
