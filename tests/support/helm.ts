/**
 * The real `helm` (built from the Go module proxy by cluster/tools/helm.ts in the test run's online
 * phase) against the test cluster, and the chart's rendered objects.
 */
import { parseAllDocuments } from "yaml";
import { ensureHelm } from "../../cluster/tools/helm.ts";
import type { KubeObject } from "../../lib/kube/resource.ts";
import { testKubeconfig } from "./cluster.ts";

export const repoRoot = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
export const CHART = `${repoRoot}/helm/flinkop`;

export interface HelmResult {
  ok: boolean;
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs helm with the test cluster's kubeconfig and a private Helm home (no user state). */
export async function helm(args: string[]): Promise<HelmResult> {
  const { bin } = await ensureHelm();
  const home = `${await Deno.makeTempDir({ prefix: "flinkop-helm-" })}`;
  try {
    const out = await new Deno.Command(bin, {
      args: ["--kubeconfig", await testKubeconfig(), ...args],
      env: {
        HELM_CACHE_HOME: `${home}/cache`,
        HELM_CONFIG_HOME: `${home}/config`,
        HELM_DATA_HOME: `${home}/data`,
      },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const dec = new TextDecoder();
    return {
      ok: out.success,
      code: out.code,
      stdout: dec.decode(out.stdout),
      stderr: dec.decode(out.stderr),
    };
  } finally {
    await Deno.remove(home, { recursive: true }).catch(() => {});
  }
}

/** `helm …` that must succeed; the error carries helm's own output. */
export async function helmOk(args: string[]): Promise<string> {
  const r = await helm(args);
  if (!r.ok) {
    throw new Error(`helm ${args.join(" ")} failed (exit ${r.code}):\n${r.stderr}${r.stdout}`);
  }
  return r.stdout;
}

/** The chart's objects for `args` (e.g. --set …), via `helm template`. */
export async function renderChart(
  namespace: string,
  args: string[] = [],
  release = "op",
): Promise<KubeObject[]> {
  const text = await helmOk(["template", release, CHART, "--namespace", namespace, ...args]);
  return parseAllDocuments(text)
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`helm template output: ${doc.errors[0]}`);
      return doc.toJS() as KubeObject | null;
    })
    .filter((obj): obj is KubeObject => obj !== null);
}
