import assert from "node:assert/strict";
import { resolveConnection } from "../../lib/kube/kubeconfig.ts";

async function kubeconfig(user: Record<string, unknown>, cluster: Record<string, unknown> = {}) {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/ca.crt`, "CA-PEM");
  await Deno.writeTextFile(`${dir}/token`, "file-token\n");
  const doc = {
    apiVersion: "v1",
    kind: "Config",
    "current-context": "c",
    contexts: [{ name: "c", context: { cluster: "k", user: "u" } }],
    clusters: [{
      name: "k",
      cluster: { server: "https://127.0.0.1:6443/", "certificate-authority": "ca.crt", ...cluster },
    }],
    users: [{ name: "u", user }],
  };
  await Deno.writeTextFile(`${dir}/config`, JSON.stringify(doc));
  return { path: `${dir}/config`, dir };
}

Deno.test("kubeconfig: relative CA file, static token, impersonation", async () => {
  const { path } = await kubeconfig({ token: "abc", as: "alice" });
  const conn = resolveConnection(path);
  assert.equal(conn.server, "https://127.0.0.1:6443");
  assert.equal(conn.ca, "CA-PEM");
  assert.equal(await conn.authorization!(), "Bearer abc");
  assert.deepEqual(conn.headers, { "Impersonate-User": "alice" });
  assert.equal(conn.needsPlugin, undefined);
});

Deno.test("kubeconfig: inline client certificate data and a token file re-read per call", async () => {
  const { path, dir } = await kubeconfig({
    "client-certificate-data": btoa("CERT"),
    "client-key-data": btoa("KEY"),
    tokenFile: "token",
  }, { "certificate-authority-data": btoa("INLINE-CA") });
  const conn = resolveConnection(path);
  assert.equal(conn.ca, "INLINE-CA");
  assert.equal(conn.cert, "CERT");
  assert.equal(conn.key, "KEY");
  assert.equal(await conn.authorization!(), "Bearer file-token");
  await Deno.writeTextFile(`${dir}/token`, "rotated");
  assert.equal(await conn.authorization!(), "Bearer rotated");
});

Deno.test("kubeconfig: exec and auth-provider users are handed to client-node", async () => {
  const { path } = await kubeconfig({
    exec: { command: "aws", apiVersion: "client.authentication.k8s.io/v1" },
  });
  assert.equal(resolveConnection(path).needsPlugin, path);
});

Deno.test("kubeconfig: clear errors naming the file", async () => {
  assert.throws(
    () => resolveConnection("/nonexistent/kubeconfig"),
    /cannot read kubeconfig \/nonexistent\/kubeconfig/,
  );
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/empty`, "apiVersion: v1\nkind: Config\n");
  assert.throws(() => resolveConnection(`${dir}/empty`), /has no current context/);
});
