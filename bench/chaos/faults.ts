/**
 * Landing one fault: through the simulator's fault annotations (docs/simulator.md, "Fault
 * injection"), the cluster tooling (API server restart) or a signal (the operator). Each returns
 * once the fault is over — the annotation removed, the operator started again, the API server
 * back — and says whether it landed (a JobManager crash needs a JobManager to crash).
 */
import { FlinkDeployments } from "../../lib/flink/resources.ts";
import type { KubeClient } from "../../lib/kube/client.ts";
import { type KubeObject, Resources } from "../../lib/kube/resource.ts";
import type { ChaosOperator } from "./operator.ts";
import type { FaultKind, PlannedFault } from "./plan.ts";
import { World } from "./world.ts";

export interface FaultContext {
  client: KubeClient;
  ns: string;
  operator: ChaosOperator;
  restartApiServer: () => Promise<void>;
  note: (text: string) => void;
  /**
   * Called when a JobManager crashed (its cluster may have lost state without HA); `since` is
   * when the crash was provoked (Date.now()).
   */
  onJobManagerCrash: (cluster: string, since: number) => void;
}

export interface FaultOutcome {
  landed: boolean;
  /** When the fault was over (Date.now()). */
  clearedAt: number;
}

const ANNOTATION: Partial<Record<FaultKind, [string, string]>> = {
  "rest-refused": ["sim.flinkop.dev/rest-unreachable", "refuse"],
  "rest-hanging": ["sim.flinkop.dev/rest-unreachable", "hang"],
  "savepoint-failure": ["sim.flinkop.dev/savepoint-fail", "chaos: savepoint failure"],
  "checkpoint-failure": ["sim.flinkop.dev/checkpoint-fail", "chaos: checkpoint failure"],
};

export async function landFault(ctx: FaultContext, fault: PlannedFault): Promise<FaultOutcome> {
  switch (fault.kind) {
    case "operator-kill": {
      await ctx.operator.kill();
      ctx.note(`FAULT operator SIGKILLed; restarting it in ${fault.durationMs} ms`);
      await sleep(fault.durationMs);
      ctx.operator.start();
      ctx.note("operator started");
      return { landed: true, clearedAt: Date.now() };
    }
    case "apiserver-restart": {
      ctx.note("FAULT API server restarting");
      await ctx.restartApiServer();
      ctx.note("API server back");
      return { landed: true, clearedAt: Date.now() };
    }
    case "jobmanager-crash":
      return await crashJobManager(ctx, fault.cluster!);
    default: {
      const [key, value] = ANNOTATION[fault.kind]!;
      const set = await retry(() => annotate(ctx, fault.cluster!, key, value));
      if (!set) {
        ctx.note(`FAULT ${fault.kind} on ${fault.cluster}: no such FlinkDeployment now, skipped`);
        return { landed: false, clearedAt: Date.now() };
      }
      ctx.note(`FAULT ${fault.kind} on ${fault.cluster} for ${fault.durationMs} ms`);
      await sleep(fault.durationMs);
      await retry(() => annotate(ctx, fault.cluster!, key, null));
      ctx.note(`fault ${fault.kind} on ${fault.cluster} removed`);
      return { landed: true, clearedAt: Date.now() };
    }
  }
}

/** Sets (or with null removes) an annotation on a FlinkDeployment; false if it does not exist. */
async function annotate(
  ctx: FaultContext,
  name: string,
  key: string,
  value: string | null,
): Promise<boolean> {
  try {
    await ctx.client.patch(FlinkDeployments, ctx.ns, name, {
      metadata: { annotations: { [key]: value } },
    });
    return true;
  } catch (err) {
    if ((err as { status?: number }).status === 404) return false;
    throw err;
  }
}

/**
 * The JobManager process exits (code 2) while its pod stays: the pod's container is restarted
 * by the node agent after its crash back-off, as a kubelet would. The annotation goes on the pod
 * and is removed once the crash happened, so the restarted container runs normally.
 */
async function crashJobManager(ctx: FaultContext, cluster: string): Promise<FaultOutcome> {
  const key = "sim.flinkop.dev/jobmanager-crash";
  // A JobManager pod is looked for during 3 s (longer while the API server is away).
  let deadline = Date.now() + 3000;
  const limit = Date.now() + 60_000;
  let pod: KubeObject | undefined;
  while (!pod && Date.now() < deadline) {
    try {
      pod = await jobManagerPod(ctx, cluster);
    } catch {
      deadline = Math.min(limit, Date.now() + 3000);
    }
    if (!pod) await sleep(250);
  }
  if (!pod) {
    ctx.note(`FAULT jobmanager-crash on ${cluster}: no running JobManager pod, skipped`);
    return { landed: false, clearedAt: Date.now() };
  }
  const name = pod.metadata.name!;
  const before = World.restartCount(pod);
  try {
    await ctx.client.patch(Resources.pods, ctx.ns, name, {
      metadata: { annotations: { [key]: "1" } },
    });
  } catch {
    ctx.note(`FAULT jobmanager-crash on ${cluster}: pod ${name} went away, skipped`);
    return { landed: false, clearedAt: Date.now() };
  }
  const provokedAt = Date.now();
  ctx.note(`FAULT jobmanager-crash on ${cluster} (pod ${name})`);
  let crashed = false;
  const until = Date.now() + 6000;
  while (Date.now() < until) {
    const now = await ctx.client.get(Resources.pods, ctx.ns, name).catch(() => pod);
    if (!now || now.metadata.uid !== pod.metadata.uid) break; // deleted meanwhile
    const containers = (now as {
      status?: {
        containerStatuses?: { state?: Record<string, unknown>; restartCount?: number }[];
      };
    })
      .status?.containerStatuses ?? [];
    if (
      World.restartCount(now) > before ||
      containers.some((c) => c.state?.terminated || c.state?.waiting)
    ) {
      crashed = true;
      break;
    }
    await sleep(200);
  }
  await retry(async () => {
    try {
      await ctx.client.patch(Resources.pods, ctx.ns, name, {
        metadata: { annotations: { [key]: null } },
      });
    } catch (err) {
      if ((err as { status?: number }).status !== 404) throw err;
    }
  });
  if (crashed) ctx.onJobManagerCrash(cluster, provokedAt);
  ctx.note(
    `JobManager of ${cluster} ${
      crashed ? "crashed" : "did not crash (pod replaced)"
    }; annotation removed`,
  );
  return { landed: crashed, clearedAt: Date.now() };
}

async function jobManagerPod(ctx: FaultContext, cluster: string): Promise<KubeObject | undefined> {
  const pods = await ctx.client.list<KubeObject & { status?: { phase?: string; podIP?: string } }>(
    Resources.pods,
    ctx.ns,
    { labelSelector: `app=${cluster},component=jobmanager` },
  );
  return pods.items.find((p) => !p.metadata.deletionTimestamp && p.status?.phase === "Running");
}

/** Retries through an API server restart (up to a minute). */
export async function retry<T>(fn: () => Promise<T>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(500);
    }
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
