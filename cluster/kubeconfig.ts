import { stringify } from "yaml";
import type { CertPair } from "./pki.ts";

/**
 * Writes a kubeconfig for one client certificate. Certificates are embedded (`*-data`) rather
 * than referenced, so the file stays valid when copied elsewhere and does not depend on the
 * reader's working directory.
 */
export async function writeKubeconfig(
  path: string,
  opts: { server: string; caCertFile: string; client: CertPair; user: string },
): Promise<void> {
  const base64File = async (file: string) => encodeBase64(await Deno.readFile(file));
  const config = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{
      name: "flinkop",
      cluster: {
        server: opts.server,
        "certificate-authority-data": await base64File(opts.caCertFile),
      },
    }],
    users: [{
      name: opts.user,
      user: {
        "client-certificate-data": await base64File(opts.client.cert),
        "client-key-data": await base64File(opts.client.key),
      },
    }],
    contexts: [{ name: "flinkop", context: { cluster: "flinkop", user: opts.user } }],
    "current-context": "flinkop",
  };
  await Deno.writeTextFile(path, stringify(config), { mode: 0o600 });
}

function encodeBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}
