/**
 * Java KeyStore (JKS) files, as keytool and cert-manager (`keystores.jks`, FKO's TLS example)
 * write them: trusted certificate entries and private key entries with their chains, the store's
 * integrity digest checked and keys decrypted with Sun's key protector (JKS is undocumented but
 * stable since JDK 1.2; the format is that of sun.security.provider.JavaKeyStore and KeyProtector).
 * JCEKS (0xCECECECE) keys use another protector and are not supported.
 */
import crypto from "node:crypto";
import { children, expect, oid, readNode, TAG } from "./der.ts";
import { type RawStore, StoreFormatError, StorePasswordError } from "./pkcs12.ts";

const JKS_MAGIC = 0xfeedfeed;
const JCEKS_MAGIC = 0xcececece;
/** Sun's proprietary key protection algorithm. */
const KEY_PROTECTOR_OID = "1.3.6.1.4.1.42.2.17.1.1";

export function looksLikeJks(bytes: Uint8Array): boolean {
  if (bytes.length < 4) return false;
  const magic = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0);
  return magic === JKS_MAGIC || magic === JCEKS_MAGIC;
}

/**
 * Parses a JKS file. `storePassword` checks the integrity digest (skipped when undefined, as
 * Java does); private keys are decrypted with `keyPassword`, else with the store password.
 */
export function parseJks(
  bytes: Uint8Array,
  storePassword: string | undefined,
  keyPassword?: string,
): RawStore {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 0;
  const u32 = () => {
    if (offset + 4 > bytes.length) throw new StoreFormatError("truncated JKS file");
    const value = view.getUint32(offset);
    offset += 4;
    return value;
  };
  const take = (length: number) => {
    if (offset + length > bytes.length) throw new StoreFormatError("truncated JKS file");
    const out = bytes.subarray(offset, offset + length);
    offset += length;
    return out;
  };
  const utf = () => new TextDecoder().decode(take(view.getUint16((offset += 2) - 2)));

  const magic = u32();
  if (magic === JCEKS_MAGIC) {
    throw new StoreFormatError("JCEKS stores are not supported; convert the store to PKCS12");
  }
  if (magic !== JKS_MAGIC) throw new StoreFormatError("not a JKS file");
  const version = u32();
  if (version !== 1 && version !== 2) throw new StoreFormatError(`JKS version ${version}`);
  const count = u32();
  const store: RawStore = { certificates: [], keys: [] };
  const certificate = () => {
    if (version === 2) {
      const type = utf();
      if (type !== "X.509") throw new StoreFormatError(`certificate type ${type}`);
    }
    return take(u32());
  };
  const protectedKeys: { data: Uint8Array; alias: string }[] = [];
  for (let i = 0; i < count; i++) {
    const tag = u32();
    const alias = utf();
    take(8); // timestamp
    if (tag === 1) {
      const key = take(u32());
      const chain: Uint8Array[] = [];
      for (let n = u32(); n > 0; n--) chain.push(certificate());
      protectedKeys.push({ data: key, alias });
      chain.forEach((der, index) =>
        store.certificates.push({ der, localKeyId: index === 0 ? alias : undefined })
      );
    } else if (tag === 2) {
      store.certificates.push({ der: certificate() });
    } else {
      throw new StoreFormatError(`JKS entry type ${tag}`);
    }
  }
  if (storePassword !== undefined) {
    const digest = crypto.createHash("sha1")
      .update(utf16be(storePassword))
      .update(new TextEncoder().encode("Mighty Aphrodite"))
      .update(bytes.subarray(0, offset))
      .digest();
    const stored = take(20);
    if (!crypto.timingSafeEqual(digest, stored)) {
      throw new StorePasswordError("the store password does not match its integrity check");
    }
  }
  for (const key of protectedKeys) {
    store.keys.push({
      der: recoverKey(key.data, keyPassword ?? storePassword),
      localKeyId: key.alias,
    });
  }
  return store;
}

/** sun.security.provider.KeyProtector#recover: SHA-1 keystream XOR, then a SHA-1 check. */
function recoverKey(encryptedKeyInfo: Uint8Array, password: string | undefined): Uint8Array {
  if (password === undefined) {
    throw new StorePasswordError("a password is needed for the key", "key");
  }
  const [algorithm, data] = children(
    expect(readNode(encryptedKeyInfo), TAG.sequence, "an encrypted private key"),
  );
  const scheme = oid(children(algorithm)[0]);
  if (scheme !== KEY_PROTECTOR_OID) {
    throw new StoreFormatError(`key protection ${scheme} is not supported`);
  }
  const protectedKey = expect(data, TAG.octetString, "protected key data").value;
  if (protectedKey.length < 40) throw new StoreFormatError("protected key too short");
  const salt = protectedKey.subarray(0, 20);
  const encrypted = protectedKey.subarray(20, protectedKey.length - 20);
  const check = protectedKey.subarray(protectedKey.length - 20);
  const passwordBytes = utf16be(password);
  const plain = new Uint8Array(encrypted.length);
  let digest: Uint8Array = salt;
  for (let offset = 0; offset < encrypted.length; offset += 20) {
    digest = crypto.createHash("sha1").update(passwordBytes).update(digest).digest();
    for (let i = 0; i < 20 && offset + i < encrypted.length; i++) {
      plain[offset + i] = encrypted[offset + i] ^ digest[i];
    }
  }
  const expected = crypto.createHash("sha1").update(passwordBytes).update(plain).digest();
  if (!crypto.timingSafeEqual(expected, check)) {
    throw new StorePasswordError("the key password does not decrypt the private key", "key");
  }
  return plain;
}

function utf16be(text: string): Uint8Array {
  const out = new Uint8Array(text.length * 2);
  for (let i = 0; i < text.length; i++) {
    out[2 * i] = text.charCodeAt(i) >>> 8;
    out[2 * i + 1] = text.charCodeAt(i) & 0xff;
  }
  return out;
}
