/**
 * The local cluster's PKI, generated with openssl: one CA that signs the apiserver's serving
 * certificate and every client certificate, plus the service-account signing key pair.
 *
 * Client certificates are the only authentication method: the apiserver maps CN to the user name
 * and each O to a group (`--client-ca-file`), so RBAC sees real identities without a token file.
 * Keys are ECDSA P-256: quick to generate and accepted by Go, rustls (Deno) and kubectl alike.
 */

/** File paths of a certificate and its key. */
export interface CertPair {
  cert: string;
  key: string;
}

export interface Pki {
  dir: string;
  ca: CertPair;
  apiserver: CertPair;
  /** Signs service-account tokens (apiserver) and token Secrets (controller manager). */
  serviceAccountKey: string;
  serviceAccountPub: string;
  admin: CertPair;
  controllerManager: CertPair;
  nodeAgent: CertPair;
}

/** A client identity as the apiserver will see it. */
export interface ClientIdentity {
  user: string;
  groups?: string[];
}

export const ADMIN_USER = "flinkop-admin";
export const CONTROLLER_MANAGER_USER = "system:kube-controller-manager";
export const nodeUser = (nodeName: string): string => `system:node:${nodeName}`;

/** Names and IPs a client may use for the apiserver, in and outside the (virtual) cluster. */
const APISERVER_SANS = [
  "IP:127.0.0.1",
  "IP:10.0.0.1", // first address of --service-cluster-ip-range: the `kubernetes` Service
  "DNS:localhost",
  "DNS:kubernetes",
  "DNS:kubernetes.default",
  "DNS:kubernetes.default.svc",
  "DNS:kubernetes.default.svc.cluster.local",
];

const VALIDITY_DAYS = "3650";

/** Generates the whole PKI into `dir` (which should be empty). */
export async function generatePki(dir: string, nodeName: string): Promise<Pki> {
  await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  await writeMinimalOpensslConfig(dir);
  const ca = { cert: `${dir}/ca.crt`, key: `${dir}/ca.key` };
  await openssl(dir, [
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-noenc",
    "-keyout",
    ca.key,
    "-subj",
    "/CN=flinkop-local-ca",
    "-days",
    VALIDITY_DAYS,
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
    "-out",
    ca.cert,
  ]);
  const pki: Pki = {
    dir,
    ca,
    apiserver: await signLeaf(dir, "apiserver", "/CN=kube-apiserver", [
      "extendedKeyUsage=serverAuth",
      `subjectAltName=${APISERVER_SANS.join(",")}`,
    ]),
    serviceAccountKey: `${dir}/sa.key`,
    serviceAccountPub: `${dir}/sa.pub`,
    admin: await issueClientCert(dir, "admin", { user: ADMIN_USER, groups: ["system:masters"] }),
    controllerManager: await issueClientCert(dir, "kube-controller-manager", {
      user: CONTROLLER_MANAGER_USER,
    }),
    nodeAgent: await issueClientCert(dir, "nodeagent", {
      user: nodeUser(nodeName),
      groups: ["system:nodes"],
    }),
  };
  await openssl(dir, [
    "genpkey",
    "-algorithm",
    "EC",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-out",
    pki.serviceAccountKey,
  ]);
  await openssl(dir, [
    "pkey",
    "-in",
    pki.serviceAccountKey,
    "-pubout",
    "-out",
    pki.serviceAccountPub,
  ]);
  return pki;
}

/** The file layout generatePki produced in `dir`, without generating anything. */
export function pkiLayout(dir: string): Pki {
  const pair = (name: string): CertPair => ({
    cert: `${dir}/${name}.crt`,
    key: `${dir}/${name}.key`,
  });
  return {
    dir,
    ca: pair("ca"),
    apiserver: pair("apiserver"),
    serviceAccountKey: `${dir}/sa.key`,
    serviceAccountPub: `${dir}/sa.pub`,
    admin: pair("admin"),
    controllerManager: pair("kube-controller-manager"),
    nodeAgent: pair("nodeagent"),
  };
}

/**
 * Signs a client certificate with the cluster CA in `pkiDir`, e.g. for a test that needs an
 * unprivileged user. `fileName` names the .crt/.key files.
 */
export async function issueClientCert(
  pkiDir: string,
  fileName: string,
  identity: ClientIdentity,
): Promise<CertPair> {
  // The apiserver reads groups from O and the user from CN; order does not matter to it.
  const subject = [...(identity.groups ?? []).map((g) => `/O=${g}`), `/CN=${identity.user}`]
    .join("");
  return await signLeaf(pkiDir, fileName, subject, ["extendedKeyUsage=clientAuth"]);
}

async function signLeaf(
  dir: string,
  fileName: string,
  subject: string,
  extensions: string[],
): Promise<CertPair> {
  const pair = { cert: `${dir}/${fileName}.crt`, key: `${dir}/${fileName}.key` };
  const args = [
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-noenc",
    "-keyout",
    pair.key,
    "-subj",
    subject,
    "-CA",
    `${dir}/ca.crt`,
    "-CAkey",
    `${dir}/ca.key`,
    "-days",
    VALIDITY_DAYS,
    "-addext",
    "basicConstraints=critical,CA:FALSE",
    "-addext",
    "keyUsage=critical,digitalSignature,keyEncipherment",
  ];
  for (const ext of extensions) args.push("-addext", ext);
  args.push("-out", pair.cert);
  await openssl(dir, args);
  return pair;
}

/**
 * `openssl req` otherwise reads the system openssl.cnf, whose default x509 extensions (CA:TRUE
 * on every certificate) would clash with ours; an empty config leaves only what -addext says.
 */
async function writeMinimalOpensslConfig(dir: string): Promise<void> {
  await Deno.writeTextFile(`${dir}/openssl.cnf`, "[req]\ndistinguished_name = dn\n[dn]\n");
}

async function openssl(dir: string, args: string[]): Promise<void> {
  const withConfig = args[0] === "req"
    ? [args[0], "-config", `${dir}/openssl.cnf`, ...args.slice(1)]
    : args;
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command("openssl", {
      args: withConfig,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      throw new Error("openssl is required to generate the local cluster's certificates");
    }
    throw err;
  }
  if (!output.success) {
    const stderr = new TextDecoder().decode(output.stderr).trim();
    throw new Error(`openssl ${args[0]} failed: ${stderr}`);
  }
}
