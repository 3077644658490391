/** A Flink release as the simulator needs it: to pick version-dependent JSON and HA keys. */
export interface FlinkVersion {
  major: number;
  minor: number;
  patch: number;
}

/** What a JobManager reports when neither the config nor the image tag names a version. */
export const DEFAULT_FLINK_VERSION: FlinkVersion = { major: 1, minor: 20, patch: 0 };

/**
 * Parses the spellings that occur in practice: the operator's `v1_20` enum, image tags such as
 * `1.20`, `1.20.1-scala_2.12-java11` or `2.0.0-java17`, and plain `2.1.0`.
 */
export function parseFlinkVersion(text: string | undefined): FlinkVersion | undefined {
  if (!text) return undefined;
  const m = /^v?(\d+)[._](\d+)(?:[._](\d+))?(?![\d])/.exec(text.trim());
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), patch: m[3] ? Number(m[3]) : 0 };
}

export function isAtLeast(v: FlinkVersion, major: number, minor: number): boolean {
  return v.major > major || (v.major === major && v.minor >= minor);
}

export function formatFlinkVersion(v: FlinkVersion): string {
  return `${v.major}.${v.minor}.${v.patch}`;
}
