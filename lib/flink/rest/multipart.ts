/**
 * multipart/form-data encoding for a single file part.
 *
 * Built by hand rather than with FormData so both transports send identical bytes: the API-server
 * proxy transport needs the body as plain bytes, and tests can assert exactly what Flink receives.
 */

/** One file part of a multipart/form-data upload. */
export interface MultipartFile {
  /** Form field name; Flink's jar upload expects `jarfile`. */
  field: string;
  filename: string;
  contentType: string;
  bytes: Uint8Array;
}

export interface EncodedMultipart {
  body: Uint8Array<ArrayBuffer>;
  contentType: string;
}

export function encodeMultipart(
  file: MultipartFile,
  boundary = randomBoundary(),
): EncodedMultipart {
  const head = `--${boundary}\r\n` +
    `Content-Disposition: form-data; name="${quote(file.field)}"; ` +
    `filename="${quote(file.filename)}"\r\n` +
    `Content-Type: ${file.contentType}\r\n\r\n`;
  const tail = `\r\n--${boundary}--\r\n`;
  const encoder = new TextEncoder();
  const headBytes = encoder.encode(head);
  const tailBytes = encoder.encode(tail);
  const body = new Uint8Array(headBytes.length + file.bytes.length + tailBytes.length);
  body.set(headBytes, 0);
  body.set(file.bytes, headBytes.length);
  body.set(tailBytes, headBytes.length + file.bytes.length);
  return { body, contentType: `multipart/form-data; boundary=${boundary}` };
}

/** Quotes and line breaks would end the header value early; RFC 7578 percent-encodes them. */
function quote(value: string): string {
  return value.replace(/"/g, "%22").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

function randomBoundary(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `----flinkop${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}
