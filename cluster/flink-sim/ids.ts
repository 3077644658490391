/** Random lowercase hex of the given length, e.g. Flink's 32-character JobID or trigger ids. */
export function randomHex(chars: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(Math.ceil(chars / 2)));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("").slice(0, chars);
}

export function newJobId(): string {
  return randomHex(32);
}

/** Flink's JobID/TriggerId text form: 32 hex digits. */
export function isFlinkId(text: string): boolean {
  return /^[0-9a-fA-F]{32}$/.test(text);
}

/** Java's String.hashCode, needed to derive the job id Flink picks for HA application clusters. */
export function javaStringHashCode(text: string): number {
  let hash = 0;
  for (let i = 0; i < text.length; i++) hash = (Math.imul(31, hash) + text.charCodeAt(i)) | 0;
  return hash;
}

/**
 * The job id an HA application cluster gets when none is configured: Flink builds
 * `new JobID(clusterId.hashCode(), 0)`, i.e. the sign-extended hash as the first 8 bytes and
 * zeros after, so that a restarted JobManager finds its job again in the HA stores.
 */
export function haApplicationJobId(clusterId: string): string {
  const hash = BigInt.asUintN(64, BigInt(javaStringHashCode(clusterId)));
  return hash.toString(16).padStart(16, "0") + "0".repeat(16);
}

/** A stable 32-hex id derived from a seed (vertex ids must not change between REST calls). */
export function derivedId(seed: string): string {
  let out = "";
  for (let round = 0; out.length < 32; round++) {
    const h = BigInt.asUintN(32, BigInt(javaStringHashCode(`${round}:${seed}`)));
    out += h.toString(16).padStart(8, "0");
  }
  return out.slice(0, 32);
}
