import assert from "node:assert/strict";
import { releaseForImage, UnsupportedImageError } from "../../cluster/flink-real/versions.ts";
import { javaMajor } from "../../cluster/flink-real/toolchain.ts";

Deno.test("real flink: the image tag picks the assembled release of its line", () => {
  const cases: [string, string, string][] = [
    ["flink:1.20", "1.20.5", "flink-conf.yaml"],
    ["flink:1.20.1-scala_2.12-java17", "1.20.5", "flink-conf.yaml"],
    ["registry:5000/team/flink:1.20.0@sha256:abc", "1.20.5", "flink-conf.yaml"],
    ["flink:2.2", "2.2.1", "config.yaml"],
    ["apache/flink:2.0.0-java17", "2.2.1", "config.yaml"],
    ["flink:2.1.1", "2.2.1", "config.yaml"],
  ];
  for (const [image, version, configFile] of cases) {
    const release = releaseForImage(image);
    assert.equal(release.version, version, image);
    assert.equal(release.configFile, configFile, image);
  }
});

Deno.test("real flink: other tags are refused with the tags that work", () => {
  for (const image of ["flink:1.19", "flink:1.18.1", "flink:latest", "flink", "flink:3.0"]) {
    assert.throws(
      () => releaseForImage(image),
      (err: Error) =>
        err instanceof UnsupportedImageError &&
        err.message.includes(`"${image}"`) &&
        err.message.includes("flink:1.20*") &&
        err.message.includes("flink:2.*") &&
        err.message.includes("flinkop.dev/runtime: sim"),
      image,
    );
  }
});

Deno.test("real flink: java -version output gives the major version", () => {
  assert.equal(javaMajor('openjdk version "17.0.15" 2025-04-15'), 17);
  assert.equal(javaMajor('openjdk version "21" 2023-09-19'), 21);
  assert.equal(javaMajor('java version "1.8.0_392"'), 8);
  assert.equal(javaMajor("no version here"), undefined);
});
