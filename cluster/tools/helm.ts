/**
 * The real `helm` the chart's tests run, built with `go build` from the Go module proxy by the
 * wrapper module cluster/go/helm (its go.mod pins the version), once per version:
 *
 *   <cache>/helm-<version>/helm            the binary
 *   <cache>/helm-<version>/build-seconds   how long the cold build took
 *
 * `ensureHelm()` is what the test runner calls before the tests move into their network namespace
 * (a stat when the binary exists); inside, a missing binary is an error naming the fix.
 */
import { withFileLock } from "../file_lock.ts";
import { cacheRoot, repoRoot } from "../paths.ts";

const MODULE_DIR = `${repoRoot}/cluster/go/helm`;
const HELM_MODULE = "helm.sh/helm/v4";

export interface Helm {
  version: string;
  /** Path of the executable. */
  bin: string;
  buildSeconds?: number;
}

/** The helm version cluster/go/helm/go.mod pins. */
export async function helmVersion(): Promise<string> {
  const goMod = await Deno.readTextFile(`${MODULE_DIR}/go.mod`);
  const m = new RegExp(`^\\s*${HELM_MODULE.replaceAll(".", "\\.")}\\s+(v\\S+)`, "m").exec(goMod);
  if (!m) throw new Error(`cluster/go/helm/go.mod does not require ${HELM_MODULE}`);
  return m[1];
}

export async function helmDir(): Promise<string> {
  return `${cacheRoot()}/helm-${await helmVersion()}`;
}

/** The built helm, building it first when missing (about 2-4 minutes on 2 cores, once). */
export async function ensureHelm(
  log: (message: string) => void = (m) => console.error(`helm: ${m}`),
): Promise<Helm> {
  const version = await helmVersion();
  const dir = await helmDir();
  const helm = { version, bin: `${dir}/helm` };
  if (await isFile(helm.bin)) return { ...helm, buildSeconds: await buildSeconds(dir) };
  await Deno.mkdir(cacheRoot(), { recursive: true });
  return await withFileLock(`${cacheRoot()}/helm-build.lock`, async () => {
    if (await isFile(helm.bin)) return { ...helm, buildSeconds: await buildSeconds(dir) };
    const go = await new Deno.Command("go", { args: ["version"], stdout: "null", stderr: "null" })
      .output().catch(() => undefined);
    if (!go?.success) throw new Error("building helm needs Go (https://go.dev/dl) on the PATH");
    log(`building helm ${version} from the Go module proxy into ${dir} (a few minutes, once)`);
    const started = Date.now();
    const tmp = `${dir}.tmp`;
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
    await Deno.mkdir(tmp, { recursive: true });
    const out = await new Deno.Command("go", {
      args: [
        "build",
        "-trimpath",
        "-ldflags",
        `-s -w -X ${HELM_MODULE}/internal/version.version=${version}`,
        "-o",
        `${tmp}/helm`,
        `${HELM_MODULE}/cmd/helm`,
      ],
      cwd: MODULE_DIR,
      env: { CGO_ENABLED: "0" },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!out.success) {
      const text = new TextDecoder().decode(out.stderr).split("\n").slice(-20).join("\n");
      throw new Error(
        `go build of ${HELM_MODULE}/cmd/helm ${version} failed (exit ${out.code}); the Go module ` +
          `proxy must be reachable the first time. Output:\n${text}`,
      );
    }
    const seconds = Math.round((Date.now() - started) / 1000);
    await Deno.writeTextFile(`${tmp}/build-seconds`, `${seconds}\n`);
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    await Deno.rename(tmp, dir);
    log(`helm ${version} built in ${seconds}s`);
    return { ...helm, buildSeconds: seconds };
  });
}

async function isFile(path: string): Promise<boolean> {
  return (await Deno.stat(path).catch(() => undefined))?.isFile ?? false;
}

async function buildSeconds(dir: string): Promise<number | undefined> {
  const text = await Deno.readTextFile(`${dir}/build-seconds`).catch(() => "");
  return Number(text.trim()) || undefined;
}
