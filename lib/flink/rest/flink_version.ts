/**
 * Ordering of the CRD's `flinkVersion` enum names (`v1_13` … `v2_4`), for the REST calls whose
 * request shape depends on the Flink version of the cluster.
 */
import { FLINK_VERSIONS, type FlinkVersion } from "../../api/enums.ts";

export type { FlinkVersion };
export { isFlinkVersionAtLeast } from "../../api/enums.ts";

/** Negative when `a` is older than `b`, zero when equal, positive when newer. */
export function compareFlinkVersion(a: FlinkVersion, b: FlinkVersion): number {
  return rank(a) - rank(b);
}

/**
 * Maps a version reported by a running cluster (`/config` → `flink-version`, e.g. "1.20.1" or
 * "2.1-SNAPSHOT") to the enum name, or undefined when the enum has no such major.minor.
 */
export function flinkVersionFromRuntime(reported: string): FlinkVersion | undefined {
  const match = /^(\d+)\.(\d+)/.exec(reported.trim());
  if (!match) return undefined;
  const name = `v${Number(match[1])}_${Number(match[2])}`;
  return (FLINK_VERSIONS as readonly string[]).includes(name) ? name as FlinkVersion : undefined;
}

function rank(version: FlinkVersion): number {
  const i = FLINK_VERSIONS.indexOf(version);
  if (i < 0) throw new RangeError(`unknown Flink version ${JSON.stringify(version)}`);
  return i;
}
