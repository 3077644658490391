import type { ContainerRuntime } from "./runtime.ts";
import { describeRuntimes, UnavailableRuntime } from "./runtime_registry.ts";

/**
 * Picks a pod's runtime, the way a RuntimeClass would on a real node: this annotation on the pod
 * or anything up its owner chain (FlinkDeployment podTemplate metadata, Deployment, …; nearest
 * wins) names the runtime; without it the first runtime that accepts the image runs it. The choice
 * is made once per pod, when it starts.
 */
export const RUNTIME_ANNOTATION = "flinkop.dev/runtime";

export type RuntimeChoice =
  | { runtime: ContainerRuntime }
  | { reason: string };

export function chooseRuntime(
  runtimes: ContainerRuntime[],
  image: string,
  annotations: Record<string, string>,
): RuntimeChoice {
  const wanted = annotations[RUNTIME_ANNOTATION]?.trim();
  if (!wanted) {
    const runtime = runtimes.find((r) => r.claims?.(image)) ??
      runtimes.find((r) => r.accepts(image));
    if (runtime) return { runtime };
    return {
      reason:
        `image "${image}" is not runnable on the local node agent: only Flink images run here (runtimes: ${
          describeRuntimes(runtimes)
        })`,
    };
  }
  const runtime = runtimes.find((r) => r.name === wanted);
  const asked = `runtime "${wanted}" (annotation ${RUNTIME_ANNOTATION})`;
  if (!runtime) {
    return {
      reason: `${asked} is not one this node agent runs (runtimes: ${describeRuntimes(runtimes)})`,
    };
  }
  if (runtime instanceof UnavailableRuntime) {
    return { reason: `${asked} is unavailable: ${runtime.reason}` };
  }
  if (!runtime.accepts(image)) {
    return { reason: `${asked} cannot run image "${image}": only Flink images run here` };
  }
  return { runtime };
}
