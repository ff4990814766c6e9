/**
 * Reads an RSA private key in PEM: PKCS#1 ("BEGIN RSA PRIVATE KEY", what
 * ZITADEL's key files hold) or PKCS#8 ("BEGIN PRIVATE KEY"). Returns PKCS#8
 * DER, the form WebCrypto imports, or a description of what is wrong. The
 * problem never quotes the key.
 */
export function rsaPrivateKeyToPkcs8(pem: string): { ok: true; der: Uint8Array<ArrayBuffer> } | { ok: false; problem: string } {
  const match = /-----BEGIN (RSA )?PRIVATE KEY-----([\s\S]*?)-----END (RSA )?PRIVATE KEY-----/.exec(pem);
  if (!match) {
    return {
      ok: false,
      problem: 'is not a PEM private key (expected "-----BEGIN RSA PRIVATE KEY-----" or "-----BEGIN PRIVATE KEY-----")',
    };
  }
  if ((match[1] === undefined) !== (match[3] === undefined)) return { ok: false, problem: "has mismatched BEGIN and END lines" };
  const base64 = (match[2] ?? "").replace(/\s+/g, "");
  let der: Uint8Array<ArrayBuffer>;
  try {
    der = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  } catch {
    return { ok: false, problem: "is not valid base64 between its BEGIN and END lines" };
  }
  if (!isDerSequence(der)) return { ok: false, problem: "does not hold a DER-encoded key between its BEGIN and END lines" };
  return { ok: true, der: match[1] ? wrapPkcs1InPkcs8(der) : der };
}

/** True when the bytes are exactly one DER SEQUENCE. */
function isDerSequence(der: Uint8Array): boolean {
  if (der.length < 2 || der[0] !== 0x30) return false;
  const first = der[1]!;
  if (first < 0x80) return der.length === 2 + first;
  const lengthBytes = first & 0x7f;
  if (lengthBytes === 0 || lengthBytes > 3 || der.length < 2 + lengthBytes) return false;
  let length = 0;
  for (let i = 0; i < lengthBytes; i++) length = length * 256 + der[2 + i]!;
  return der.length === 2 + lengthBytes + length;
}

/** rsaEncryption (1.2.840.113549.1.1.1) with NULL parameters. */
const rsaAlgorithmIdentifier = [0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00];

/** PrivateKeyInfo ::= SEQUENCE { version 0, algorithm, privateKey OCTET STRING } (RFC 5208). */
function wrapPkcs1InPkcs8(pkcs1: Uint8Array): Uint8Array<ArrayBuffer> {
  const octetString = [0x04, ...derLength(pkcs1.length)];
  const contentLength = 3 + rsaAlgorithmIdentifier.length + octetString.length + pkcs1.length;
  const head = [0x30, ...derLength(contentLength), 0x02, 0x01, 0x00, ...rsaAlgorithmIdentifier, ...octetString];
  const out = new Uint8Array(head.length + pkcs1.length);
  out.set(head, 0);
  out.set(pkcs1, head.length);
  return out;
}

function derLength(n: number): number[] {
  if (n < 0x80) return [n];
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
  return [0x80 | bytes.length, ...bytes];
}
