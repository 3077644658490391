/**
 * PKCS#12 (RFC 7292) key and trust stores, as Java's keytool, OpenSSL and cert-manager write
 * them: certificates and private keys, in plain or password-encrypted safes, with the integrity
 * MAC checked. Encryption: PBES2 (PBKDF2 with HMAC-SHA1/224/256/384/512, AES-128/192/256-CBC or
 * 3DES-CBC; the default of Java 11.0.12+/17 and OpenSSL 3) and the legacy PKCS#12 PBE schemes
 * (SHA-1 with 3DES or RC2, the default of Java 8, OpenSSL 1.x and cert-manager's LegacyRC2
 * profile). Not supported: PBMAC1 integrity (RFC 9579) and public-key (non-password) privacy.
 */
import crypto from "node:crypto";
import { Buffer } from "node:buffer";
import { children, type DerNode, expect, explicit, integer, oid, readNode, TAG } from "./der.ts";
import { rc2CbcDecrypt } from "./rc2.ts";

export class StoreFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StoreFormatError";
  }
}

/** The password did not open the store or one of its keys. */
export class StorePasswordError extends Error {
  constructor(message: string, readonly which: "store" | "key" = "store") {
    super(message);
    this.name = "StorePasswordError";
  }
}

export interface RawStore {
  /** Certificates (DER), with the local key id that ties a certificate to its key. */
  certificates: { der: Uint8Array; localKeyId?: string }[];
  /** PKCS#8 private keys (DER). */
  keys: { der: Uint8Array; localKeyId?: string }[];
}

const OID = {
  data: "1.2.840.113549.1.7.1",
  encryptedData: "1.2.840.113549.1.7.6",
  keyBag: "1.2.840.113549.1.12.10.1.1",
  shroudedKeyBag: "1.2.840.113549.1.12.10.1.2",
  certBag: "1.2.840.113549.1.12.10.1.3",
  safeContentsBag: "1.2.840.113549.1.12.10.1.6",
  x509Certificate: "1.2.840.113549.1.9.22.1",
  localKeyId: "1.2.840.113549.1.9.21",
  pbes2: "1.2.840.113549.1.5.13",
  pbkdf2: "1.2.840.113549.1.5.12",
  pbmac1: "1.2.840.113549.1.5.14",
} as const;

const PRFS: Record<string, string> = {
  "1.2.840.113549.2.7": "sha1",
  "1.2.840.113549.2.8": "sha224",
  "1.2.840.113549.2.9": "sha256",
  "1.2.840.113549.2.10": "sha384",
  "1.2.840.113549.2.11": "sha512",
};

const CIPHERS: Record<string, { name: string; keyLength: number }> = {
  "2.16.840.1.101.3.4.1.2": { name: "aes-128-cbc", keyLength: 16 },
  "2.16.840.1.101.3.4.1.22": { name: "aes-192-cbc", keyLength: 24 },
  "2.16.840.1.101.3.4.1.42": { name: "aes-256-cbc", keyLength: 32 },
  "1.2.840.113549.3.7": { name: "des-ede3-cbc", keyLength: 24 },
};

/** The legacy PKCS#12 PBE schemes (RFC 7292 Appendix C). */
const PKCS12_PBE: Record<string, { cipher: "3des" | "rc2"; keyLength: number }> = {
  "1.2.840.113549.1.12.1.3": { cipher: "3des", keyLength: 24 },
  "1.2.840.113549.1.12.1.5": { cipher: "rc2", keyLength: 16 },
  "1.2.840.113549.1.12.1.6": { cipher: "rc2", keyLength: 5 },
};

/** Digest algorithms of the MAC (DigestInfo), with their PKCS#12 KDF block sizes. */
const DIGESTS: Record<string, { name: string; size: number; block: number }> = {
  "1.3.14.3.2.26": { name: "sha1", size: 20, block: 64 },
  "2.16.840.1.101.3.4.2.4": { name: "sha224", size: 28, block: 64 },
  "2.16.840.1.101.3.4.2.1": { name: "sha256", size: 32, block: 64 },
  "2.16.840.1.101.3.4.2.2": { name: "sha384", size: 48, block: 128 },
  "2.16.840.1.101.3.4.2.3": { name: "sha512", size: 64, block: 128 },
};

/** True when the bytes start like a DER SEQUENCE, as a PKCS#12 file does. */
export function looksLikePkcs12(bytes: Uint8Array): boolean {
  return bytes.length > 4 && bytes[0] === 0x30 && (bytes[1] & 0x80) !== 0;
}

/** Parses a PKCS#12 file, checking its MAC with `password` and decrypting what it protects. */
export function parsePkcs12(bytes: Uint8Array, password: string | undefined): RawStore {
  let pfx: DerNode[];
  try {
    pfx = children(expect(readNode(bytes), TAG.sequence, "a PKCS#12 PFX"));
  } catch (err) {
    throw new StoreFormatError(`not a PKCS#12 file (${(err as Error).message})`);
  }
  const [version, authSafe, macData] = pfx;
  if (integer(version) !== 3) throw new StoreFormatError("unsupported PKCS#12 version");
  const [contentType, content] = children(expect(authSafe, TAG.sequence, "a ContentInfo"));
  if (oid(contentType) !== OID.data) {
    throw new StoreFormatError("PKCS#12 with public-key integrity is not supported");
  }
  const authSafeBytes = expect(explicit(content, 0), TAG.octetString, "the authenticated safe")
    .value;
  if (macData && password !== undefined) verifyMac(macData, authSafeBytes, password);

  const store: RawStore = { certificates: [], keys: [] };
  for (const info of children(readNode(authSafeBytes))) {
    const [type, value] = children(info);
    const kind = oid(type);
    if (kind === OID.data) {
      readSafeContents(
        expect(explicit(value, 0), TAG.octetString, "safe contents").value,
        store,
        password,
      );
    } else if (kind === OID.encryptedData) {
      const encrypted = children(explicit(value, 0));
      const [, algorithm, data] = children(encrypted[1]);
      const plain = decrypt(
        algorithm,
        implicitOctets(data),
        need(password, "encrypted safe"),
        "store",
      );
      readSafeContents(plain, store, password);
    } else {
      throw new StoreFormatError(`PKCS#12 safe of type ${kind} is not supported`);
    }
  }
  return store;
}

function need(password: string | undefined, what: string): string {
  if (password === undefined) throw new StorePasswordError(`a password is needed for the ${what}`);
  return password;
}

/** `[0] IMPLICIT OCTET STRING`: primitive (0x80), or constructed from OCTET STRING chunks. */
function implicitOctets(node: DerNode): Uint8Array {
  if (node.tag === 0x80) return node.value;
  if (node.tag === 0xa0) return concat(children(node).map((c) => c.value));
  throw new StoreFormatError("unexpected encrypted content encoding");
}

function readSafeContents(bytes: Uint8Array, store: RawStore, password: string | undefined): void {
  for (const bag of children(readNode(bytes))) {
    const [id, value, attributes] = children(bag);
    const localKeyId = attributes ? localKeyIdOf(attributes) : undefined;
    const inner = explicit(value, 0);
    switch (oid(id)) {
      case OID.keyBag:
        store.keys.push({ der: inner.bytes, localKeyId });
        break;
      case OID.shroudedKeyBag:
        store.keys.push({
          der: decryptPrivateKeyInfo(inner, need(password, "private key"), "store"),
          localKeyId,
        });
        break;
      case OID.certBag: {
        const [certType, certValue] = children(inner);
        if (oid(certType) !== OID.x509Certificate) break; // SDSI certificates: not for TLS
        const der = expect(explicit(certValue, 0), TAG.octetString, "a certificate").value;
        store.certificates.push({ der, localKeyId });
        break;
      }
      case OID.safeContentsBag:
        readSafeContents(inner.bytes, store, password);
        break;
      default:
        break; // CRLs, secrets: not for TLS
    }
  }
}

function localKeyIdOf(attributes: DerNode): string | undefined {
  for (const attribute of children(attributes)) {
    const [type, values] = children(attribute);
    if (oid(type) === OID.localKeyId) {
      const first = children(values)[0];
      return first ? Buffer.from(first.value).toString("hex") : undefined;
    }
  }
  return undefined;
}

/** EncryptedPrivateKeyInfo → PKCS#8 PrivateKeyInfo (DER). Also used for encrypted PEM keys. */
export function decryptPrivateKeyInfo(
  node: DerNode,
  password: string,
  which: "store" | "key" = "key",
): Uint8Array {
  const [algorithm, data] = children(expect(node, TAG.sequence, "an encrypted private key"));
  return decrypt(
    algorithm,
    expect(data, TAG.octetString, "encrypted key data").value,
    password,
    which,
  );
}

function decrypt(
  algorithm: DerNode,
  data: Uint8Array,
  password: string,
  which: "store" | "key",
): Uint8Array {
  const [id, params] = children(algorithm);
  const scheme = oid(id);
  try {
    if (scheme === OID.pbes2) return pbes2Decrypt(params, data, password);
    const legacy = PKCS12_PBE[scheme];
    if (legacy) return pkcs12PbeDecrypt(legacy, params, data, password);
  } catch (err) {
    if (err instanceof StoreFormatError) throw err;
    // A wrong password shows as bad padding (or, rarely, as garbage that does not parse).
    throw new StorePasswordError("the password does not decrypt it", which);
  }
  throw new StoreFormatError(`encryption ${scheme} is not supported`);
}

function pbes2Decrypt(params: DerNode, data: Uint8Array, password: string): Uint8Array {
  const [kdf, scheme] = children(params);
  const [kdfId, kdfParams] = children(kdf);
  if (oid(kdfId) !== OID.pbkdf2) {
    throw new StoreFormatError(`key derivation ${oid(kdfId)} is not supported`);
  }
  const fields = children(kdfParams);
  const salt = expect(fields[0], TAG.octetString, "a PBKDF2 salt").value;
  const iterations = integer(fields[1]);
  let prf = "sha1";
  for (const field of fields.slice(2)) {
    if (field.tag === TAG.sequence) {
      const prfId = oid(children(field)[0]);
      prf = PRFS[prfId] ?? "";
      if (!prf) throw new StoreFormatError(`PBKDF2 PRF ${prfId} is not supported`);
    }
  }
  const [cipherId, iv] = children(scheme);
  const cipher = CIPHERS[oid(cipherId)];
  if (!cipher) throw new StoreFormatError(`cipher ${oid(cipherId)} is not supported`);
  // PBES2 takes the password as bytes: UTF-8, as OpenSSL and Java's PBKDF2 use.
  const key = crypto.pbkdf2Sync(password, salt, iterations, cipher.keyLength, prf);
  const decipher = crypto.createDecipheriv(
    cipher.name,
    key,
    expect(iv, TAG.octetString, "an IV").value,
  );
  return new Uint8Array(Buffer.concat([decipher.update(data), decipher.final()]));
}

function pkcs12PbeDecrypt(
  scheme: { cipher: "3des" | "rc2"; keyLength: number },
  params: DerNode,
  data: Uint8Array,
  password: string,
): Uint8Array {
  const [saltNode, iterationsNode] = children(params);
  const salt = expect(saltNode, TAG.octetString, "a salt").value;
  const iterations = integer(iterationsNode);
  const sha1 = DIGESTS["1.3.14.3.2.26"];
  const key = pkcs12Kdf(password, salt, 1, iterations, scheme.keyLength, sha1);
  const iv = pkcs12Kdf(password, salt, 2, iterations, 8, sha1);
  if (scheme.cipher === "rc2") return rc2CbcDecrypt(key, scheme.keyLength * 8, iv, data);
  const decipher = crypto.createDecipheriv("des-ede3-cbc", key, iv);
  return new Uint8Array(Buffer.concat([decipher.update(data), decipher.final()]));
}

function verifyMac(macData: DerNode, content: Uint8Array, password: string): void {
  const [digestInfo, saltNode, iterationsNode] = children(macData);
  const [algorithm, digest] = children(digestInfo);
  const algorithmId = oid(children(algorithm)[0]);
  if (algorithmId === OID.pbmac1) {
    throw new StoreFormatError("PBMAC1 integrity (RFC 9579) is not supported");
  }
  const hash = DIGESTS[algorithmId];
  if (!hash) throw new StoreFormatError(`MAC digest ${algorithmId} is not supported`);
  const salt = expect(saltNode, TAG.octetString, "a MAC salt").value;
  const iterations = iterationsNode ? integer(iterationsNode) : 1;
  const expected = expect(digest, TAG.octetString, "a MAC").value;
  // An empty password is written either as an empty BMPString or as none at all.
  const candidates = password === "" ? [password, undefined] : [password];
  for (const candidate of candidates) {
    const key = pkcs12Kdf(candidate, salt, 3, iterations, hash.size, hash);
    const mac = crypto.createHmac(hash.name, key).update(content).digest();
    if (crypto.timingSafeEqual(mac, expected)) return;
  }
  throw new StorePasswordError("the store password does not match its integrity check");
}

/** The key derivation of RFC 7292 Appendix B.2. */
export function pkcs12Kdf(
  password: string | undefined,
  salt: Uint8Array,
  id: 1 | 2 | 3,
  iterations: number,
  length: number,
  hash: { name: string; size: number; block: number },
): Uint8Array {
  const v = hash.block;
  const u = hash.size;
  const d = new Uint8Array(v).fill(id);
  const pass = password === undefined ? new Uint8Array(0) : bmpString(password);
  const fill = (source: Uint8Array) => {
    if (source.length === 0) return new Uint8Array(0);
    const out = new Uint8Array(v * Math.ceil(source.length / v));
    for (let i = 0; i < out.length; i++) out[i] = source[i % source.length];
    return out;
  };
  const i = concat([fill(salt), fill(pass)]);
  const out = new Uint8Array(length);
  for (let done = 0; done < length; done += u) {
    let a = crypto.createHash(hash.name).update(d).update(i).digest();
    for (let r = 1; r < iterations; r++) a = crypto.createHash(hash.name).update(a).digest();
    out.set(a.subarray(0, Math.min(u, length - done)), done);
    if (done + u >= length) break;
    const b = new Uint8Array(v);
    for (let k = 0; k < v; k++) b[k] = a[k % u];
    for (let block = 0; block < i.length; block += v) {
      let carry = 1;
      for (let k = v - 1; k >= 0; k--) {
        const sum = i[block + k] + b[k] + carry;
        i[block + k] = sum & 0xff;
        carry = sum >>> 8;
      }
    }
  }
  return out;
}

/** The password as a BMPString with its two-byte terminator, as PKCS#12 hashes it. */
function bmpString(password: string): Uint8Array {
  const out = new Uint8Array(password.length * 2 + 2);
  for (let i = 0; i < password.length; i++) {
    const code = password.charCodeAt(i);
    out[2 * i] = code >>> 8;
    out[2 * i + 1] = code & 0xff;
  }
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
