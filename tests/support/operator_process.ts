/** Runs `main.ts run` as a child process, for tests that kill or restart the operator. */
import { FAST_OPERATOR_CONFIG } from "./operator.ts";
import { testKubeconfig } from "./cluster.ts";

export interface OperatorProcess {
  /** Resolves with the exit code. */
  exited: Promise<number>;
  output(): string;
  kill(): Promise<void>;
}

export async function spawnOperator(
  namespace: string,
  opts: { env?: Record<string, string>; settings?: Record<string, string>; args?: string[] } = {},
): Promise<OperatorProcess> {
  const kubeconfig = await testKubeconfig();
  const settings = {
    ...FAST_OPERATOR_CONFIG,
    "kubernetes.operator.health.probe.enabled": "false",
    ...opts.settings,
  };
  const args = [
    "run",
    "-A",
    new URL("../../main.ts", import.meta.url).pathname,
    "run",
    "--kubeconfig",
    kubeconfig,
    "--watch-namespaces",
    namespace,
    "--rest-access",
    "pod-ip",
    "--log-format",
    "text",
    ...Object.entries(settings).flatMap(([k, v]) => ["--set", `${k}=${v}`]),
    ...(opts.args ?? []),
  ];
  const child = new Deno.Command(Deno.execPath(), {
    args,
    env: opts.env,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let text = "";
  const decoder = new TextDecoder();
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream) text += decoder.decode(chunk, { stream: true });
  };
  const pumps = Promise.all([pump(child.stdout), pump(child.stderr)]);
  const exited = child.status.then(async (s) => {
    await pumps;
    return s.code;
  });
  return {
    exited,
    output: () => text,
    async kill() {
      try {
        child.kill("SIGKILL");
      } catch {
        // already gone
      }
      await exited;
    },
  };
}
