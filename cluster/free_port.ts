/**
 * Asks the kernel for an unused loopback TCP port. The port is released before the component
 * binds it, so another process could take it in between; components that then fail to bind are
 * reported with their log, and a retry of `cluster up` picks new ports.
 */
export function freeLoopbackPort(exclude: ReadonlySet<number> = new Set()): number {
  for (let attempt = 0; attempt < 20; attempt++) {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (listener.addr as Deno.NetAddr).port;
    listener.close();
    if (!exclude.has(port)) return port;
  }
  throw new Error("could not find a free loopback port");
}
