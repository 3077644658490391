import { MAIN_CONTAINER_NAME } from "./cluster_names.ts";

/**
 * Pod templates as plain JSON objects (`spec.podTemplate`, `jobManager.podTemplate`, ...), and
 * FKO's merge of a role template over the base template (reference §1.5).
 */
export type PodTemplate = Record<string, unknown>;

export interface MergeOptions {
  /** `kubernetes.operator.pod-template.merge-arrays-by-name`. */
  readonly mergeArraysByName: boolean;
}

/**
 * Deep-merges `override` onto `base`: objects merge recursively, scalars are replaced, arrays
 * merge element by element by index, or by `name` when the option is on and every element of
 * both arrays has a name (unmatched override elements are appended). Either side may be absent;
 * the result is a fresh copy.
 */
export function mergePodTemplates(
  base: PodTemplate | undefined,
  override: PodTemplate | undefined,
  options: MergeOptions,
): PodTemplate | undefined {
  if (override === undefined) return base === undefined ? undefined : structuredClone(base);
  if (base === undefined) return structuredClone(override);
  return mergeObjects(base, override, options);
}

function mergeObjects(
  base: Record<string, unknown>,
  override: Record<string, unknown>,
  options: MergeOptions,
): Record<string, unknown> {
  const merged = structuredClone(base);
  for (const [key, value] of Object.entries(override)) {
    merged[key] = mergeValues(merged[key], value, options);
  }
  return merged;
}

function mergeValues(base: unknown, override: unknown, options: MergeOptions): unknown {
  if (isObject(base) && isObject(override)) return mergeObjects(base, override, options);
  if (Array.isArray(base) && Array.isArray(override)) return mergeArrays(base, override, options);
  return structuredClone(override);
}

function mergeArrays(base: unknown[], override: unknown[], options: MergeOptions): unknown[] {
  const merged = structuredClone(base);
  if (options.mergeArraysByName && allNamed(base) && allNamed(override)) {
    for (const element of override) {
      const index = merged.findIndex((candidate) => nameOf(candidate) === nameOf(element));
      if (index < 0) merged.push(structuredClone(element));
      else merged[index] = mergeValues(merged[index], element, options);
    }
    return merged;
  }
  override.forEach((element, index) => {
    merged[index] = index < merged.length
      ? mergeValues(merged[index], element, options)
      : structuredClone(element);
  });
  return merged;
}

function allNamed(elements: unknown[]): boolean {
  return elements.every((element) => typeof nameOf(element) === "string");
}

function nameOf(element: unknown): unknown {
  return isObject(element) ? element.name : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * A copy of `template` (or an empty template) whose `spec.containers` holds a container named
 * `flink-main-container`: Flink decorates that container and keeps all others as sidecars.
 */
export function ensureMainContainer(template: PodTemplate | undefined): PodTemplate {
  const copy: PodTemplate = template === undefined ? {} : structuredClone(template);
  const spec = isObject(copy.spec) ? copy.spec : (copy.spec = {});
  const containers = Array.isArray(spec.containers) ? spec.containers : (spec.containers = []);
  if (!containers.some((container) => nameOf(container) === MAIN_CONTAINER_NAME)) {
    containers.push({ name: MAIN_CONTAINER_NAME });
  }
  return copy;
}

/** The main container of a template from {@link ensureMainContainer} (a live reference). */
export function mainContainerOf(template: PodTemplate): Record<string, unknown> {
  const containers = (template.spec as { containers?: unknown[] } | undefined)?.containers ?? [];
  const main = containers.find((container) => nameOf(container) === MAIN_CONTAINER_NAME);
  if (!isObject(main)) throw new Error(`the pod template has no ${MAIN_CONTAINER_NAME} container`);
  return main;
}
