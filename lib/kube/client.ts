import type { KubeConfig } from "@kubernetes/client-node";
import { ApiError, ConnectionError, isNotFound } from "./errors.ts";
import { type Connection, resolveConnection } from "./kubeconfig.ts";
import {
  collectionPath,
  type KubeObject,
  type ObjectList,
  objectPath,
  type ResourceType,
} from "./resource.ts";

/**
 * A small typed facade over the Kubernetes REST API. Requests go through Deno's native fetch with
 * an HttpClient carrying the cluster CA and client certificate, which keeps streaming watches,
 * timeouts and cancellation under our control. Kubeconfigs are resolved by kubeconfig.ts, and by
 * @kubernetes/client-node when they need an auth plugin (exec, OIDC, cloud providers).
 */
export class KubeClient {
  /**
   * Told about every request before it is sent (the operator counts them for /metrics). `query`
   * is the request's query string parameters.
   */
  onRequest?: (method: string, path: string, query?: Record<string, unknown>) => void;

  private constructor(
    readonly server: string,
    private readonly http: Deno.HttpClient | undefined,
    private readonly authorization: () => Promise<string | undefined>,
    private readonly staticHeaders: Record<string, string>,
  ) {}

  static fromConnection(conn: Connection): KubeClient {
    let http: Deno.HttpClient | undefined;
    if (conn.server.startsWith("https:")) {
      if (conn.skipTlsVerify && !conn.ca) {
        throw new Error(
          `kubeconfig ${conn.describe} sets insecure-skip-tls-verify without a CA; give the ` +
            "cluster's certificate-authority instead (Deno's fetch always verifies TLS)",
        );
      }
      const base: Deno.CreateHttpClientOptions = {
        caCerts: conn.ca ? [conn.ca] : undefined,
        http2: false,
      };
      http = conn.cert && conn.key
        ? Deno.createHttpClient({ ...base, cert: conn.cert, key: conn.key })
        : Deno.createHttpClient(base);
    }
    const authorization = conn.authorization ?? (() => Promise.resolve(undefined));
    return new KubeClient(conn.server, http, authorization, conn.headers);
  }

  /** Builds a client from a client-node KubeConfig (its current context), e.g. with auth plugins. */
  static async fromKubeConfig(kc: KubeConfig): Promise<KubeClient> {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error("kubeconfig has no current cluster (set current-context)");
    type Opts = { ca?: unknown; cert?: unknown; key?: unknown; headers?: Record<string, string> };
    const opts: Opts = {};
    await kc.applyToHTTPSOptions(opts as never);
    const pem = (v: unknown) => (v == null ? undefined : String(v));
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(opts.headers ?? {})) {
      if (k.toLowerCase() !== "authorization") headers[k] = String(v);
    }
    // Plugin tokens (exec, OIDC) expire: ask client-node again once a minute.
    let header = opts.headers?.["Authorization"];
    let fetchedAt = Date.now();
    const authorization = async () => {
      if (Date.now() - fetchedAt > 60_000) {
        const fresh: Opts = {};
        await kc.applyToHTTPSOptions(fresh as never);
        header = fresh.headers?.["Authorization"] ?? header;
        fetchedAt = Date.now();
      }
      return header;
    };
    return KubeClient.fromConnection({
      server: cluster.server.replace(/\/+$/, ""),
      ca: pem(opts.ca),
      cert: pem(opts.cert),
      key: pem(opts.key),
      skipTlsVerify: cluster.skipTLSVerify ?? false,
      authorization,
      headers,
      describe: "client-node KubeConfig",
    });
  }

  /**
   * Connects with `--kubeconfig`, else KUBECONFIG, else ~/.kube/config, else the in-cluster
   * service account. Errors name the file so a user can fix it.
   */
  static async connect(opts: { kubeconfig?: string } = {}): Promise<KubeClient> {
    const conn = resolveConnection(opts.kubeconfig);
    if (!conn.needsPlugin) return KubeClient.fromConnection(conn);
    return await KubeClient.fromKubeConfig(await loadKubeConfig(conn.needsPlugin));
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
    this.onRequest?.(method, path, init.query);
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

/** A client-node KubeConfig for a file (loaded lazily: the package is large). */
export async function loadKubeConfig(path: string): Promise<KubeConfig> {
  const { KubeConfig } = await import("@kubernetes/client-node");
  const kc = new KubeConfig();
  try {
    kc.loadFromFile(path);
  } catch (err) {
    throw new Error(`cannot read kubeconfig ${path}: ${err instanceof Error ? err.message : err}`);
  }
  if (!kc.getCurrentCluster()) {
    throw new Error(`kubeconfig ${path} has no current context with a cluster`);
  }
  return kc;
}
