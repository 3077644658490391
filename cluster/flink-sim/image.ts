import { type FlinkVersion, parseFlinkVersion } from "./version.ts";

/** Splits `registry:5000/org/flink:1.20@sha256:…` into repository path and tag. */
function splitImage(image: string): { repository: string; tag?: string } {
  const withoutDigest = image.split("@")[0];
  const lastSlash = withoutDigest.lastIndexOf("/");
  const colon = withoutDigest.indexOf(":", lastSlash + 1);
  if (colon < 0) return { repository: withoutDigest };
  return { repository: withoutDigest.slice(0, colon), tag: withoutDigest.slice(colon + 1) };
}

/**
 * Flink images are recognised by name: the repository's last path segment starts with "flink"
 * (`flink:1.20`, `apache/flink:2.0.0-java17`, `registry/x/flink-custom:1`).
 */
export function isFlinkImage(image: string): boolean {
  const { repository } = splitImage(image.trim());
  const name = repository.slice(repository.lastIndexOf("/") + 1);
  return name.toLowerCase().startsWith("flink");
}

/** The Flink version an image tag announces, if it announces one (`latest` does not). */
export function flinkVersionOfImage(image: string): FlinkVersion | undefined {
  return parseFlinkVersion(splitImage(image.trim()).tag);
}
