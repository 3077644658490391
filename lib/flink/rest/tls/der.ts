/** A minimal DER reader: enough ASN.1 to walk PKCS#12 and the key blobs of Java key stores. */

export interface DerNode {
  /** The tag byte (class, constructed bit and number; tags above 30 are not used here). */
  readonly tag: number;
  /** The whole encoding: tag, length and contents. */
  readonly bytes: Uint8Array;
  /** The contents only. */
  readonly value: Uint8Array;
}

export const TAG = {
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  null: 0x05,
  oid: 0x06,
  utf8String: 0x0c,
  sequence: 0x30,
  set: 0x31,
  bmpString: 0x1e,
} as const;

export class DerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DerError";
  }
}

/** Reads the node at `offset`; `end` is the end of the node within `data`. */
export function readNode(data: Uint8Array, offset = 0): DerNode & { end: number } {
  if (offset + 2 > data.length) throw new DerError("truncated DER");
  const tag = data[offset];
  if ((tag & 0x1f) === 0x1f) throw new DerError("multi-byte DER tags are not supported");
  let length = data[offset + 1];
  let header = 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    // Indefinite lengths (0x80) are BER, not DER; Java and OpenSSL write definite lengths.
    if (count === 0 || count > 4) throw new DerError("unsupported DER length");
    if (offset + 2 + count > data.length) throw new DerError("truncated DER");
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + data[offset + 2 + i];
    header += count;
  }
  const end = offset + header + length;
  if (end > data.length) throw new DerError("truncated DER");
  return {
    tag,
    bytes: data.subarray(offset, end),
    value: data.subarray(offset + header, end),
    end,
  };
}

/** The children of a constructed node (a SEQUENCE, SET or context-specific wrapper). */
export function children(node: DerNode): DerNode[] {
  const out: DerNode[] = [];
  let offset = 0;
  while (offset < node.value.length) {
    const child = readNode(node.value, offset);
    out.push(child);
    offset = child.end;
  }
  return out;
}

export function expect(node: DerNode | undefined, tag: number, what: string): DerNode {
  if (!node || node.tag !== tag) {
    throw new DerError(`expected ${what} (tag 0x${tag.toString(16)})`);
  }
  return node;
}

/** The dotted form of an OBJECT IDENTIFIER. */
export function oid(node: DerNode): string {
  expect(node, TAG.oid, "an object identifier");
  const bytes = node.value;
  const parts: number[] = [];
  let value = 0;
  for (let i = 0; i < bytes.length; i++) {
    value = value * 128 + (bytes[i] & 0x7f);
    if (!(bytes[i] & 0x80)) {
      if (parts.length === 0) {
        parts.push(value < 80 ? Math.floor(value / 40) : 2, value < 80 ? value % 40 : value - 80);
      } else parts.push(value);
      value = 0;
    }
  }
  return parts.join(".");
}

/** A non-negative INTEGER as a number (iteration counts, versions). */
export function integer(node: DerNode): number {
  expect(node, TAG.integer, "an integer");
  let value = 0;
  for (const b of node.value) value = value * 256 + b;
  return value;
}

/** The content of an `[n]` EXPLICIT wrapper. */
export function explicit(node: DerNode, n: number): DerNode {
  if (node.tag !== (0xa0 | n)) throw new DerError(`expected [${n}]`);
  return readNode(node.value);
}
