import { KubeConfig } from "@kubernetes/client-node";
import { ApiError, ConnectionError, isNotFound } from "./errors.ts";
import {
  collectionPath,
  type KubeObject,
  type ObjectList,
  objectPath,
  type ResourceType,
} from "./resource.ts";

/**
 * A small typed facade over the Kubernetes REST API.
 *
 * client-node's KubeConfig resolves kubeconfig files, in-cluster service accounts and auth plugins
 * (token, exec, OIDC); requests themselves go through Deno's native fetch with an HttpClient
 * carrying the cluster CA and client certificate. That keeps streaming watches, timeouts and
 * cancellation under our control instead of relying on undici's node-compat layer under Deno.
 */
export class KubeClient {
  #authHeader: string | undefined;
  #authFetchedAt = 0;

  private constructor(
    readonly server: string,
    private readonly http: Deno.HttpClient | undefined,
    private readonly kubeConfig: KubeConfig,
    private readonly staticHeaders: Record<string, string>,
  ) {}

  /** Builds a client from a loaded KubeConfig (its current context). */
  static async fromKubeConfig(kc: KubeConfig): Promise<KubeClient> {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error("kubeconfig has no current cluster (set current-context)");
    const opts: {
      ca?: unknown;
      cert?: unknown;
      key?: unknown;
      headers?: Record<string, string>;
      auth?: string;
    } = {};
    await kc.applyToHTTPSOptions(opts as never);
    const pem = (v: unknown) => (v == null ? undefined : String(v));
    const ca = pem(opts.ca);
    const cert = pem(opts.cert);
    const key = pem(opts.key);
    const server = cluster.server.replace(/\/+$/, "");
    let http: Deno.HttpClient | undefined;
    if (server.startsWith("https:")) {
      if (cluster.skipTLSVerify && !ca) {
        throw new Error(
          "kubeconfig sets insecure-skip-tls-verify without a CA; give the cluster's " +
            "certificate-authority instead (Deno's fetch always verifies TLS)",
        );
      }
      const base: Deno.CreateHttpClientOptions = { caCerts: ca ? [ca] : undefined, http2: false };
      http = cert && key
        ? Deno.createHttpClient({ ...base, cert, key })
        : Deno.createHttpClient(base);
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(opts.headers ?? {})) {
      if (k.toLowerCase() !== "authorization") headers[k] = String(v);
    }
    if (opts.auth) headers["Authorization"] = `Basic ${btoa(opts.auth)}`;
    const client = new KubeClient(server, http, kc, headers);
    client.#authHeader = opts.headers?.["Authorization"] ?? opts.headers?.["authorization"];
    client.#authFetchedAt = Date.now();
    return client;
  }

  /**
   * Loads kubeconfig from an explicit path, else KUBECONFIG, else ~/.kube/config, else the
   * in-cluster service account. Errors name the file so a user can fix it.
   */
  static async connect(opts: { kubeconfig?: string } = {}): Promise<KubeClient> {
    return await KubeClient.fromKubeConfig(loadKubeConfig(opts.kubeconfig));
  }

  /** Tokens from exec plugins and projected service-account files rotate: refresh each minute. */
  private async authorization(): Promise<string | undefined> {
    if (Date.now() - this.#authFetchedAt > 60_000) {
      const opts: { headers?: Record<string, string> } = {};
      await this.kubeConfig.applyToHTTPSOptions(opts as never);
      this.#authHeader = opts.headers?.["Authorization"] ?? this.#authHeader;
      this.#authFetchedAt = Date.now();
    }
    return this.#authHeader;
  }

  async fetch(
    method: string,
    path: string,
    init: {
      query?: Record<string, string | number | boolean | undefined>;
      body?: unknown;
      contentType?: string;
      signal?: AbortSignal;
      timeoutMs?: number;
      accept?: string;
    } = {},
  ): Promise<Response> {
    const url = new URL(this.server + path);
    for (const [k, v] of Object.entries(init.query ?? {})) {
      if (v !== undefined) url.searchParams.set(k, String(v));
    }
    const headers: Record<string, string> = { ...this.staticHeaders };
    headers["Accept"] = init.accept ?? "application/json";
    const auth = await this.authorization();
    if (auth) headers["Authorization"] = auth;
    let body: string | Uint8Array<ArrayBuffer> | undefined;
    if (init.body !== undefined) {
      headers["Content-Type"] = init.contentType ?? "application/json";
      // Bytes (e.g. a multipart jar upload through the service proxy) pass through untouched.
      body = typeof init.body === "string" || init.body instanceof Uint8Array
        ? init.body as string | Uint8Array<ArrayBuffer>
        : JSON.stringify(init.body);
    }
    const signals: AbortSignal[] = [];
    if (init.signal) signals.push(init.signal);
    if (init.timeoutMs) signals.push(AbortSignal.timeout(init.timeoutMs));
    const signal = signals.length ? AbortSignal.any(signals) : undefined;
    try {
      return await fetch(url, { method, headers, body, signal, client: this.http });
    } catch (err) {
      if (init.signal?.aborted) throw init.signal.reason ?? err;
      throw new ConnectionError(this.server, err);
    }
  }

  async request<T>(
    method: string,
    path: string,
    init: Parameters<KubeClient["fetch"]>[2] = {},
  ): Promise<T> {
    const res = await this.fetch(method, path, { timeoutMs: 30_000, ...init });
    const text = await res.text();
    if (!res.ok) throw toApiError(res.status, text, method, path);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** Returns the object, or undefined when it does not exist. */
  async get<T extends KubeObject>(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
  ): Promise<T | undefined> {
    try {
      return await this.request<T>("GET", objectPath(type, namespace, name));
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  list<T extends KubeObject>(
    type: ResourceType,
    namespace?: string,
    opts: ListOptions = {},
  ): Promise<ObjectList<T>> {
    return this.request<ObjectList<T>>("GET", collectionPath(type, namespace), {
      query: { ...opts },
    });
  }

  create<T extends KubeObject>(type: ResourceType, namespace: string | undefined, obj: T) {
    return this.request<T>("POST", collectionPath(type, namespace), { body: obj });
  }

  /** PUT with the object's resourceVersion as the optimistic-lock precondition. */
  replace<T extends KubeObject>(type: ResourceType, namespace: string | undefined, obj: T) {
    return this.request<T>("PUT", objectPath(type, namespace, obj.metadata.name!), { body: obj });
  }

  replaceStatus<T extends KubeObject>(type: ResourceType, namespace: string | undefined, obj: T) {
    return this.request<T>("PUT", objectPath(type, namespace, obj.metadata.name!) + "/status", {
      body: obj,
    });
  }

  patch<T extends KubeObject>(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    patch: unknown,
    kind: PatchKind = "merge",
    opts: { subresource?: "status" | "scale"; fieldManager?: string; force?: boolean } = {},
  ): Promise<T> {
    const sub = opts.subresource ? `/${opts.subresource}` : "";
    return this.request<T>("PATCH", objectPath(type, namespace, name) + sub, {
      body: patch,
      contentType: PATCH_CONTENT_TYPES[kind],
      query: { fieldManager: opts.fieldManager, force: opts.force },
    });
  }

  /** Deletes; returns false when the object was already gone. */
  async delete(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    opts: {
      propagationPolicy?: "Foreground" | "Background" | "Orphan";
      gracePeriodSeconds?: number;
      preconditions?: { uid?: string; resourceVersion?: string };
    } = {},
  ): Promise<boolean> {
    try {
      await this.request("DELETE", objectPath(type, namespace, name), {
        body: { apiVersion: "v1", kind: "DeleteOptions", ...opts },
      });
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  /**
   * Opens one watch request and yields its events until the server closes it, the signal aborts,
   * or an error occurs. Reconnecting is the caller's job (see runtime/watcher.ts).
   */
  async *watch<T extends KubeObject>(
    type: ResourceType,
    namespace: string | undefined,
    opts: ListOptions & { resourceVersion?: string; timeoutSeconds?: number },
    signal: AbortSignal,
  ): AsyncGenerator<WatchEvent<T>> {
    const path = collectionPath(type, namespace);
    const res = await this.fetch("GET", path, {
      query: { ...opts, watch: true, allowWatchBookmarks: true },
      signal,
    });
    if (!res.ok) throw toApiError(res.status, await res.text(), "WATCH", path);
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffered = "";
    try {
      while (true) {
        const { value, done } = await reader.read();
        if (done) return;
        buffered += value;
        let nl: number;
        while ((nl = buffered.indexOf("\n")) >= 0) {
          const line = buffered.slice(0, nl).trim();
          buffered = buffered.slice(nl + 1);
          if (!line) continue;
          const event = JSON.parse(line) as WatchEvent<T>;
          if (event.type === "ERROR") {
            const status = event.object as unknown as KubeStatus;
            throw new ApiError(
              status.code ?? 500,
              status.reason ?? "",
              status.message ?? "watch error",
              "WATCH",
              path,
            );
          }
          yield event;
        }
      }
    } finally {
      await reader.cancel().catch(() => {});
    }
  }

  close(): void {
    this.http?.close();
  }
}

export type PatchKind = "merge" | "json" | "strategic" | "apply";

const PATCH_CONTENT_TYPES: Record<PatchKind, string> = {
  merge: "application/merge-patch+json",
  json: "application/json-patch+json",
  strategic: "application/strategic-merge-patch+json",
  apply: "application/apply-patch+yaml",
};

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: string;
}

export interface WatchEvent<T> {
  type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";
  object: T;
}

interface KubeStatus {
  code?: number;
  reason?: string;
  message?: string;
}

function toApiError(status: number, body: string, method: string, path: string): ApiError {
  let parsed: KubeStatus = {};
  try {
    parsed = JSON.parse(body) as KubeStatus;
  } catch {
    parsed = { message: body.slice(0, 500) };
  }
  const message = parsed.message || `HTTP ${status}`;
  return new ApiError(status, parsed.reason ?? "", message, method, path);
}

/** Resolves the kubeconfig the way kubectl does, with errors that name the file. */
export function loadKubeConfig(explicitPath?: string): KubeConfig {
  const kc = new KubeConfig();
  const path = explicitPath ?? firstKubeconfigPath();
  if (path) {
    try {
      kc.loadFromFile(path);
    } catch (err) {
      throw new Error(
        `cannot read kubeconfig ${path}: ${err instanceof Error ? err.message : err}`,
      );
    }
    if (!kc.getCurrentCluster()) {
      throw new Error(`kubeconfig ${path} has no current context with a cluster`);
    }
    return kc;
  }
  try {
    kc.loadFromCluster();
  } catch (err) {
    throw new Error(
      `no kubeconfig found (--kubeconfig, KUBECONFIG, ~/.kube/config) and not running in a pod: ${
        err instanceof Error ? err.message : err
      }`,
    );
  }
  if (!Deno.env.get("KUBERNETES_SERVICE_HOST")) {
    throw new Error(
      "no kubeconfig found (--kubeconfig, KUBECONFIG, ~/.kube/config) and not running in a pod",
    );
  }
  return kc;
}

function firstKubeconfigPath(): string | undefined {
  const env = Deno.env.get("KUBECONFIG");
  if (env) return env.split(":").find((p) => p.length > 0);
  const home = Deno.env.get("HOME");
  if (home) {
    const p = `${home}/.kube/config`;
    try {
      Deno.statSync(p);
      return p;
    } catch {
      return undefined;
    }
  }
  return undefined;
}
