import assert from "node:assert/strict";
import { ContainerProbes } from "../../cluster/nodeagent/container_probes.ts";
import type { Container } from "../../cluster/nodeagent/pod_types.ts";
import type { ProbeResult } from "../../cluster/nodeagent/probe.ts";
import { resolvePort, runProbe } from "../../cluster/nodeagent/probe.ts";
import { type PeriodicCheck, SharedTicker } from "../../cluster/nodeagent/shared_ticker.ts";
import { FakeContainer } from "./nodeagent_fakes.ts";

/** A clock the test moves, plus a scripted probe outcome per probe path. */
function harness(container: Container, outcomes: Record<string, boolean[]>) {
  let now = 1_000_000;
  const calls: string[] = [];
  const log: string[] = [];
  const running = new FakeContainer({} as never);
  const probes = new ContainerProbes(
    container,
    "127.1.0.1",
    running,
    now,
    {
      changed: () => log.push(`changed started=${probes.started} ready=${probes.ready}`),
      fatal: (kind) => log.push(`fatal ${kind}`),
      unhealthy: (kind) => log.push(`unhealthy ${kind}`),
    },
    () => now,
    (probe): Promise<ProbeResult> => {
      const path = probe.httpGet?.path ?? "?";
      calls.push(`${path}@${now}`);
      return Promise.resolve({ ok: outcomes[path]?.shift() ?? true });
    },
  );
  return {
    probes,
    running,
    calls,
    log,
    advance: (ms: number) => now += ms,
    /** Runs the check if due, as the ticker would. */
    async step() {
      if (probes.dueAt <= now) await probes.run();
    },
  };
}

const httpProbe = (path: string, extra: Record<string, number> = {}) => ({
  httpGet: { path, port: 8081 },
  periodSeconds: 1,
  ...extra,
});

Deno.test("probes: startup gates readiness; readiness follows its probe's thresholds", async () => {
  const h = harness({
    name: "c",
    startupProbe: httpProbe("/config", { failureThreshold: 100 }),
    readinessProbe: httpProbe("/ready", { failureThreshold: 2 }),
  }, { "/config": [false, false, true], "/ready": [true, false, false] });
  assert.equal(h.probes.started, false);
  await h.step(); // startup fails
  h.advance(1000);
  await h.step(); // fails
  h.advance(1000);
  await h.step(); // succeeds -> started; readiness due at once
  assert.equal(h.probes.started, true);
  await h.step(); // readiness ok
  assert.equal(h.probes.ready, true);
  h.advance(1000);
  await h.step(); // readiness fails once: still ready (threshold 2)
  assert.equal(h.probes.ready, true);
  h.advance(1000);
  await h.step(); // second failure
  assert.equal(h.probes.ready, false);
  assert.deepEqual(h.calls.map((c) => c.split("@")[0]), [
    "/config",
    "/config",
    "/config",
    "/ready",
    "/ready",
    "/ready",
  ]);
  assert.ok(h.log.includes("unhealthy Readiness"));
  assert.ok(!h.log.some((l) => l.includes("Startup")), "startup failures are no events");
});

Deno.test("probes: without a readinessProbe readiness is the runtime's, polled synchronously", () => {
  const h = harness({ name: "c" }, {});
  assert.equal(h.probes.started, true);
  h.running.isReady = false;
  assert.equal(h.probes.run(), undefined, "no promise: polling needs no ticker slot");
  assert.equal(h.probes.ready, false);
  h.running.isReady = true;
  h.advance(500);
  h.probes.run();
  assert.equal(h.probes.ready, true);
  assert.deepEqual(h.log, ["changed started=true ready=true"]);
});

Deno.test("probes: failing liveness and startup probes ask for a restart", async () => {
  const live = harness({ name: "c", livenessProbe: httpProbe("/live", { failureThreshold: 2 }) }, {
    "/live": [false, false],
  });
  await live.step();
  live.advance(1000);
  await live.step();
  assert.deepEqual(live.log.filter((l) => l.startsWith("fatal")), ["fatal Liveness"]);

  const startup = harness({ name: "c", startupProbe: httpProbe("/s", { failureThreshold: 1 }) }, {
    "/s": [false],
  });
  await startup.step();
  assert.deepEqual(startup.log, ["fatal Startup"]);
});

Deno.test("shared ticker: due checks run most-overdue first and none starves", () => {
  const now = 0;
  const ticker = new SharedTicker(1_000_000, 2, () => now);
  const runs: number[] = [];
  const checks: PeriodicCheck[] = Array.from({ length: 10 }, (_, i) => {
    const check: PeriodicCheck = {
      dueAt: 0,
      run() {
        runs.push(i);
        check.dueAt = now + 100;
      },
    };
    ticker.add(check);
    return check;
  });
  ticker.tick();
  assert.deepEqual(
    runs.sort((a, b) => a - b),
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    "sync runs are free",
  );
  assert.equal(checks.every((c) => c.dueAt === 100), true);
  ticker.stop();
});

Deno.test("shared ticker: asynchronous runs are limited and never overlap themselves", async () => {
  const ticker = new SharedTicker(1_000_000, 2, () => 0);
  const gates: (() => void)[] = [];
  let started = 0;
  for (let i = 0; i < 5; i++) {
    ticker.add({
      dueAt: 0,
      run: () => {
        started++;
        return new Promise<void>((resolve) => gates.push(resolve));
      },
    });
  }
  ticker.tick();
  assert.equal(started, 2);
  ticker.tick();
  assert.equal(started, 2, "limit reached, busy checks are not started again");
  gates.shift()!();
  await new Promise((r) => setTimeout(r, 0));
  ticker.tick();
  assert.equal(started, 3);
  for (const open of gates) open();
  ticker.stop();
});

Deno.test("probe: httpGet and tcpSocket against a real listener; named ports", async () => {
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    (req) => new Response("", { status: new URL(req.url).pathname === "/ok" ? 200 : 500 }),
  );
  const port = server.addr.port;
  const container: Container = { name: "c", ports: [{ name: "rest", containerPort: port }] };
  try {
    assert.equal(resolvePort("rest", container), port);
    assert.equal(resolvePort("8081", container), 8081);
    assert.equal(resolvePort("nope", container), undefined);
    const ok = await runProbe({ httpGet: { path: "/ok", port: "rest" } }, container, "127.0.0.1");
    assert.deepEqual(ok, { ok: true });
    const bad = await runProbe({ httpGet: { path: "/bad", port } }, container, "127.0.0.1");
    assert.deepEqual(bad, { ok: false, detail: "HTTP probe failed with statuscode: 500" });
    const tcp = await runProbe({ tcpSocket: { port } }, container, "127.0.0.1");
    assert.equal(tcp.ok, true);
    const exec = await runProbe({ exec: { command: ["true"] } }, container, "127.0.0.1");
    assert.equal(exec.ok, true, "exec cannot run here and counts as success");
  } finally {
    await server.shutdown();
  }
  const refused = await runProbe({ tcpSocket: { port } }, container, "127.0.0.1");
  assert.equal(refused.ok, false);
});
