import { flinkVersionOfImage } from "../flink-sim/image.ts";

/**
 * The real Flink releases the local cluster can run, each assembled from Maven Central by the pom
 * in `dist/<line>/`. An image tag picks the release of its line: `flink:1.20`, `flink:1.20.1-java17`
 * → 1.20.5; `flink:2`, `flink:2.0.0`, `flink:2.2` → 2.2.1 (the only 2.x assembled).
 */
export interface RealFlinkRelease {
  /** Maven version of the Flink modules, e.g. "1.20.5". */
  version: string;
  /** The release line, the directory of its pom under dist/, e.g. "1.20". */
  line: string;
  major: number;
  /** Which configuration file this release reads from its conf dir. */
  configFile: "flink-conf.yaml" | "config.yaml";
}

export const REAL_FLINK_RELEASES: readonly RealFlinkRelease[] = [
  { version: "1.20.5", line: "1.20", major: 1, configFile: "flink-conf.yaml" },
  { version: "2.2.1", line: "2.2", major: 2, configFile: "config.yaml" },
];

export class UnsupportedImageError extends Error {
  override name = "UnsupportedImageError";
}

/** The release an image runs on the real runtime; throws with the supported tags otherwise. */
export function releaseForImage(image: string): RealFlinkRelease {
  const v = flinkVersionOfImage(image);
  const release = v &&
    REAL_FLINK_RELEASES.find((r) =>
      r.major === v.major && (r.major === 2 || `${v.major}.${v.minor}` === r.line)
    );
  if (release) return release;
  throw new UnsupportedImageError(
    `image "${image}" names ${
      v ? `Flink ${v.major}.${v.minor}` : "no Flink version in its tag"
    }, which the real runtime does not run: it runs flink:1.20* (as Flink 1.20.5) and flink:2.* ` +
      `(as Flink 2.2.1); use one of those tags, or the simulator (pod annotation ` +
      `flinkop.dev/runtime: sim)`,
  );
}
