/**
 * Which route the operator takes to JobManager REST endpoints, decided once at startup from where
 * the operator runs relative to the cluster.
 */

export const REST_ACCESS_MODES = ["service-dns", "pod-ip", "api-proxy"] as const;
export type RestAccessMode = typeof REST_ACCESS_MODES[number];

export interface RestAccessDecision {
  mode: RestAccessMode;
  /** Why this mode was picked, for the startup log. */
  reason: string;
}

/** Validates a user-supplied mode (flag `--rest-access`, key `flinkop.rest.access-mode`). */
export function parseRestAccessMode(value: string): RestAccessMode {
  const mode = value.trim().toLowerCase();
  if ((REST_ACCESS_MODES as readonly string[]).includes(mode)) return mode as RestAccessMode;
  throw new Error(
    `unknown REST access mode ${JSON.stringify(value)}; expected one of ${
      REST_ACCESS_MODES.join(", ")
    }`,
  );
}

export function chooseRestAccessMode(opts: {
  explicit?: RestAccessMode;
  inCluster: boolean;
  apiServerUrl: string;
}): RestAccessDecision {
  if (opts.explicit) return { mode: opts.explicit, reason: "set explicitly" };
  if (opts.inCluster) {
    return {
      mode: "service-dns",
      reason: "running in a pod, so cluster DNS and the pod network are reachable " +
        "(the same <cluster-id>-rest.<namespace> address FKO uses)",
    };
  }
  const host = hostOf(opts.apiServerUrl);
  if (host !== undefined && isLoopbackHost(host)) {
    return {
      mode: "pod-ip",
      reason: `API server ${opts.apiServerUrl} is on a loopback address: a local cluster whose ` +
        "pod IPs this process can reach directly, but whose service DNS it cannot resolve",
    };
  }
  return {
    mode: "api-proxy",
    reason: `running outside the cluster against ${opts.apiServerUrl}: pod IPs and service DNS ` +
      "are not assumed reachable, so requests go through the API server's service proxy",
  };
}

/**
 * True for names and addresses that always mean this machine: `localhost` (and `*.localhost`,
 * RFC 6761), 127.0.0.0/8, `::1`, and IPv4-mapped loopback. Accepts IPv6 with or without brackets.
 */
export function isLoopbackHost(host: string): boolean {
  let h = host.trim().toLowerCase();
  if (h.startsWith("[") && h.endsWith("]")) h = h.slice(1, -1);
  if (h.endsWith(".")) h = h.slice(0, -1);
  if (h === "localhost" || h.endsWith(".localhost")) return true;
  if (isLoopbackIPv4(h)) return true;
  if (h === "::1" || /^(0{1,4}:){7}0{0,3}1$/.test(h)) return true;
  const mapped = /^(?:0{0,4}:){0,5}:?ffff:(.+)$/.exec(h);
  if (mapped) {
    const tail = mapped[1];
    // WHATWG URL parsing rewrites ::ffff:127.0.0.1 as ::ffff:7f00:1.
    return isLoopbackIPv4(tail) || /^7f[0-9a-f]{2}:[0-9a-f]{1,4}$/.test(tail);
  }
  return false;
}

/** True inside a pod: the kubelet sets KUBERNETES_SERVICE_HOST and mounts a service-account token. */
export function isRunningInPod(
  tokenPath = "/var/run/secrets/kubernetes.io/serviceaccount/token",
): boolean {
  try {
    if (!Deno.env.get("KUBERNETES_SERVICE_HOST")) return false;
    return Deno.statSync(tokenPath).isFile;
  } catch {
    // Missing file or no permission to look: not something we can treat as "in a pod".
    return false;
  }
}

function isLoopbackIPv4(h: string): boolean {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(h);
  return m !== null && Number(m[1]) === 127 && m.slice(2).every((o) => Number(o) <= 255);
}

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).hostname;
  } catch {
    return undefined;
  }
}
