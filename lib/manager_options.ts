/**
 * The runtime settings of the operator configuration, as FKO hands them to JOSDK
 * (FlinkOperator.overrideOperatorConfigs): one place, used by `flinkop run` and by the in-process
 * operator of the tests, so an option set there has the same effect in both.
 */
import type { OperatorConfig } from "./config/operator_config.ts";
import type { KubeClient } from "./kube/client.ts";
import { MAX_TIMER_MS } from "./runtime/backoff.ts";
import type { ManagerOptions } from "./runtime/manager.ts";

export function managerOptionsFor(
  config: OperatorConfig,
  base: { client: KubeClient; namespaces?: string[] },
): ManagerOptions {
  const leader = config.leaderElection;
  return {
    ...base,
    // reconcile.parallelism: the size of the reconciler pool of all controllers; -1 unbounded.
    concurrency: config.reconcileParallelism > 0 ? config.reconcileParallelism : Infinity,
    // JOSDK GenericRetry: retry.max.attempts retries, the initial interval twice, then growing by
    // the multiplier, without a cap unless retry.max.interval is set.
    retry: {
      initialMs: config.retry.initialMs,
      factor: config.retry.multiplier,
      maxMs: config.retry.maxMs ?? MAX_TIMER_MS,
      initialAttempts: 2,
    },
    maxAttempts: config.retry.maxAttempts,
    resyncMs: config.reconcileIntervalMs,
    rateLimit: { limit: config.rateLimiter.limit, periodMs: config.rateLimiter.periodMs },
    watchStartErrors: config.stopOnInformerError ? "fail" : "retry",
    healthPort: config.health.enabled ? config.health.port : undefined,
    terminationTimeoutMs: config.terminationTimeoutMs,
    leaderElection: leader.enabled
      ? {
        namespace: leader.leaseNamespace ?? config.operatorNamespace ?? "default",
        leaseName: leader.leaseName!,
        identity: leader.identity ?? `flinkop-${crypto.randomUUID().slice(0, 8)}`,
        leaseDurationMs: leader.leaseDurationMs,
        renewDeadlineMs: leader.renewDeadlineMs,
        retryPeriodMs: leader.retryPeriodMs,
      }
      : undefined,
  };
}
