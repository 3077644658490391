import { parse } from "yaml";
import { errorMessage } from "../error_message.ts";

/**
 * Where and how to reach the API server. Certificates, static and file-backed tokens and the
 * in-cluster service account are resolved here directly; kubeconfigs that need an auth plugin
 * (exec, auth-provider) are left to @kubernetes/client-node, loaded only then — the package costs
 * ~80 MB of memory to import, more than the operator's whole cache of 10,000 resources.
 */
export interface Connection {
  server: string;
  /** PEM. */
  ca?: string;
  cert?: string;
  key?: string;
  skipTlsVerify: boolean;
  /** Authorization header value, re-read on each call (rotating service-account tokens). */
  authorization?: () => Promise<string | undefined>;
  /** Extra headers (impersonation). */
  headers: Record<string, string>;
  /** A kubeconfig needing an auth plugin: resolve it with client-node instead. */
  needsPlugin?: string;
  describe: string;
}

const SA_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

/** Resolves `--kubeconfig`, else KUBECONFIG, else ~/.kube/config, else the pod's service account. */
export function resolveConnection(explicitPath?: string): Connection {
  const path = explicitPath ?? defaultKubeconfigPath();
  if (path) return fromKubeconfigFile(path);
  return inCluster();
}

function defaultKubeconfigPath(): string | undefined {
  const env = Deno.env.get("KUBECONFIG");
  if (env) return env.split(":").find((p) => p.length > 0);
  const home = Deno.env.get("HOME");
  if (!home) return undefined;
  const p = `${home}/.kube/config`;
  try {
    Deno.statSync(p);
    return p;
  } catch {
    return undefined;
  }
}

interface NamedEntry<T> {
  name: string;
  [key: string]: unknown;
  cluster?: T;
  user?: T;
  context?: T;
}

type Fields = Record<string, unknown>;

function fromKubeconfigFile(path: string): Connection {
  let doc: Fields;
  try {
    doc = (parse(Deno.readTextFileSync(path)) ?? {}) as Fields;
  } catch (err) {
    throw new Error(`cannot read kubeconfig ${path}: ${err instanceof Error ? err.message : err}`);
  }
  const dir = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : ".";
  const pick = (list: unknown, name: unknown, field: "cluster" | "user" | "context") =>
    ((list as NamedEntry<Fields>[] | undefined) ?? []).find((e) => e.name === name)?.[field];
  const context = pick(doc.contexts, doc["current-context"], "context");
  if (!context) {
    throw new Error(`kubeconfig ${path} has no current context with a cluster (current-context)`);
  }
  const cluster = pick(doc.clusters, context.cluster, "cluster");
  if (!cluster?.server) throw new Error(`kubeconfig ${path}: context's cluster has no server`);
  const user = pick(doc.users, context.user, "user") ?? {};
  const read = (dataKey: string, fileKey: string, from: Fields) => {
    const data = from[dataKey];
    if (typeof data === "string") return atob(data);
    const file = from[fileKey];
    if (typeof file !== "string") return undefined;
    const full = file.startsWith("/") ? file : `${dir}/${file}`;
    try {
      return Deno.readTextFileSync(full);
    } catch (err) {
      throw new Error(
        `kubeconfig ${path}: cannot read ${fileKey} ${full}: ${errorMessage(err)}`,
      );
    }
  };
  const headers: Record<string, string> = {};
  if (typeof user.as === "string") headers["Impersonate-User"] = user.as;
  const plugin = user.exec ? "exec" : user["auth-provider"] ? "auth-provider" : undefined;
  let authorization: Connection["authorization"];
  if (typeof user.token === "string") {
    const value = `Bearer ${user.token}`;
    authorization = () => Promise.resolve(value);
  } else if (typeof user.tokenFile === "string") {
    const file = user.tokenFile.startsWith("/") ? user.tokenFile : `${dir}/${user.tokenFile}`;
    authorization = () => Promise.resolve(`Bearer ${Deno.readTextFileSync(file).trim()}`);
  } else if (typeof user.username === "string") {
    const value = `Basic ${btoa(`${user.username}:${user.password ?? ""}`)}`;
    authorization = () => Promise.resolve(value);
  }
  return {
    server: String(cluster.server).replace(/\/+$/, ""),
    ca: read("certificate-authority-data", "certificate-authority", cluster),
    cert: read("client-certificate-data", "client-certificate", user),
    key: read("client-key-data", "client-key", user),
    skipTlsVerify: cluster["insecure-skip-tls-verify"] === true,
    authorization,
    headers,
    needsPlugin: plugin && path,
    describe: path,
  };
}

function inCluster(): Connection {
  const host = Deno.env.get("KUBERNETES_SERVICE_HOST");
  const port = Deno.env.get("KUBERNETES_SERVICE_PORT") ?? "443";
  let ca: string | undefined;
  try {
    ca = Deno.readTextFileSync(`${SA_DIR}/ca.crt`);
  } catch {
    ca = undefined;
  }
  if (!host || !ca) {
    throw new Error(
      "no kubeconfig found (--kubeconfig, KUBECONFIG, ~/.kube/config) and not running in a pod",
    );
  }
  const server = host.includes(":") ? `https://[${host}]:${port}` : `https://${host}:${port}`;
  return {
    server,
    ca,
    skipTlsVerify: false,
    // Projected tokens rotate; the kubelet rewrites the file, so read it for every request.
    authorization: () =>
      Deno.readTextFile(`${SA_DIR}/token`).then((t) => `Bearer ${t.trim()}`, () => undefined),
    headers: {},
    describe: "in-cluster service account",
  };
}
