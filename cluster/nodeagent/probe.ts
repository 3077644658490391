import type { Container, Probe } from "./pod_types.ts";

export interface ProbeResult {
  ok: boolean;
  /** Why it failed, worded like kubelet's Unhealthy events. */
  detail?: string;
}

/** kubelet's defaults for unset probe fields. */
export function probeTiming(probe: Probe) {
  return {
    initialDelayMs: (probe.initialDelaySeconds ?? 0) * 1000,
    periodMs: Math.max(1, probe.periodSeconds ?? 10) * 1000,
    timeoutMs: Math.max(1, probe.timeoutSeconds ?? 1) * 1000,
    successThreshold: Math.max(1, probe.successThreshold ?? 1),
    failureThreshold: Math.max(1, probe.failureThreshold ?? 3),
  };
}

/**
 * Runs one probe against the pod's address. httpGet and tcpSocket are real network checks; exec
 * and grpc cannot run without a container, so they count as success. HTTPS is checked at the TCP
 * level because Deno's fetch cannot skip certificate verification the way kubelet does.
 */
export async function runProbe(
  probe: Probe,
  container: Container,
  podIP: string,
): Promise<ProbeResult> {
  const { timeoutMs } = probeTiming(probe);
  if (probe.httpGet) {
    const port = resolvePort(probe.httpGet.port, container);
    if (port === undefined) return { ok: false, detail: `unknown port ${probe.httpGet.port}` };
    const host = probe.httpGet.host || podIP;
    if (probe.httpGet.scheme === "HTTPS") return await tcpCheck(host, port, timeoutMs);
    const path = probe.httpGet.path ?? "/";
    const url = `http://${host}:${port}${path.startsWith("/") ? path : `/${path}`}`;
    const headers: Record<string, string> = { "User-Agent": "kube-probe/1.35" };
    for (const h of probe.httpGet.httpHeaders ?? []) headers[h.name] = h.value;
    try {
      const res = await fetch(url, {
        headers,
        redirect: "manual",
        signal: AbortSignal.timeout(timeoutMs),
      });
      await res.body?.cancel();
      if (res.status >= 200 && res.status < 400) return { ok: true };
      return { ok: false, detail: `HTTP probe failed with statuscode: ${res.status}` };
    } catch (err) {
      return { ok: false, detail: `Get "${url}": ${err instanceof Error ? err.message : err}` };
    }
  }
  if (probe.tcpSocket) {
    const port = resolvePort(probe.tcpSocket.port, container);
    if (port === undefined) return { ok: false, detail: `unknown port ${probe.tcpSocket.port}` };
    return await tcpCheck(probe.tcpSocket.host || podIP, port, timeoutMs);
  }
  return { ok: true };
}

/** A number, a numeric string, or the name of one of the container's ports. */
export function resolvePort(port: number | string, container: Container): number | undefined {
  if (typeof port === "number") return port;
  if (/^\d+$/.test(port)) return Number(port);
  return container.ports?.find((p) => p.name === port)?.containerPort;
}

async function tcpCheck(host: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  const connecting = Deno.connect({ hostname: host, port });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), timeoutMs);
  });
  try {
    const conn = await Promise.race([connecting, timedOut]);
    if (conn === "timeout") {
      // Close the connection should it still come up, so a slow server does not leak sockets.
      connecting.then((late) => late.close(), () => {});
      return { ok: false, detail: `dial tcp ${host}:${port}: i/o timeout` };
    }
    conn.close();
    return { ok: true };
  } catch (err) {
    return {
      ok: false,
      detail: `dial tcp ${host}:${port}: ${err instanceof Error ? err.message : err}`,
    };
  } finally {
    clearTimeout(timer);
  }
}
