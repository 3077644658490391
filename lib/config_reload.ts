/**
 * What the running operator does with a reloaded configuration (FKO's FlinkConfigManager and
 * FlinkOperator.handleNamespaceChanges): log it, warn about what changed without effect, and —
 * with `kubernetes.operator.dynamic.namespaces.enabled` — watch the new namespace list.
 */
import { describeConfig, type ReloadResult } from "./config/dynamic_config.ts";
import { noEffectWarnings } from "./config/no_effect.ts";
import type { OperatorConfig } from "./config/operator_config.ts";
import { OPTIONS } from "./config/options.ts";
import { errorMessage } from "./error_message.ts";
import type { Logger } from "./log.ts";

/** The part of the Manager a reload may change. */
export interface NamespaceSwitch {
  readonly namespaces: readonly string[] | undefined;
  setNamespaces(namespaces: readonly string[] | undefined): void;
}

export function applyReload(result: ReloadResult, manager: NamespaceSwitch, log: Logger): void {
  if (result.kind === "unchanged") {
    log.debug("Default configuration did not change, nothing to do");
    return;
  }
  if (result.kind === "invalid") {
    log.error(
      "Error while updating operator configuration, keeping the previous one: {error}",
      { error: errorMessage(result.error) },
    );
    return;
  }
  const { previous, next, changedKeys } = result;
  log.info("Setting default configuration to {config}", { config: describeConfig(next.raw) });
  log.info(
    "operator configuration changed ({changed}); resources use it from their next reconcile",
    { changed: changedKeys.join(", ") },
  );
  for (const warning of next.warnings) {
    if (!previous.warnings.includes(warning)) log.warn(warning);
  }
  for (const warning of noEffectWarnings(next.raw, changedKeys)) log.warn(warning);
  applyNamespaces(previous, next, manager, log);
}

function applyNamespaces(
  previous: OperatorConfig,
  next: OperatorConfig,
  manager: NamespaceSwitch,
  log: Logger,
): void {
  const wanted = next.watchNamespaces === "all" ? undefined : [...next.watchNamespaces];
  if (sameNamespaces(wanted, manager.namespaces)) return;
  if (!next.dynamicConfig.namespacesEnabled) {
    if (!sameNamespaces(wanted, asList(previous.watchNamespaces))) {
      log.warn(
        "the watched namespaces changed to {wanted} but {option} is false: they apply after a " +
          "restart",
        { wanted: describe(wanted), option: OPTIONS.dynamicNamespacesEnabled.key },
      );
    }
    return;
  }
  log.info("Changing watched namespaces from {from} to {to}", {
    from: describe(manager.namespaces),
    to: describe(wanted),
  });
  manager.setNamespaces(wanted);
}

function asList(namespaces: OperatorConfig["watchNamespaces"]): readonly string[] | undefined {
  return namespaces === "all" ? undefined : namespaces;
}

function sameNamespaces(
  a: readonly string[] | undefined,
  b: readonly string[] | undefined,
): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.length === b.length && [...a].sort().join(",") === [...b].sort().join(",");
}

function describe(namespaces: readonly string[] | undefined): string {
  return namespaces === undefined ? "all namespaces" : namespaces.join(",");
}
