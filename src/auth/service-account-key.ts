import type { GrantRequest, OAuthSourceOptions } from "./oauth-source.js";
import { createOAuthTokenSource } from "./oauth-source.js";
import { rsaPrivateKeyToPkcs8 } from "./pem.js";
import type { TokenSource } from "./token-source.js";
import { ZitadelConfigError } from "../core/config-error.js";

/** A ZITADEL service account key file, as the console or API hands it out. */
export interface ServiceAccountKeyJson {
  /**
   * Always "serviceaccount", the key of a machine user. Any other type (an
   * API application's key is "application") is refused with a
   * ZitadelConfigError ERR_INVALID_KEY_FILE.
   */
  type: "serviceaccount";
  /** The id of the key in ZITADEL; sent as the assertion's `kid`, so ZITADEL knows which public key verifies it. */
  keyId: string;
  /** The RSA private key in PEM ("-----BEGIN RSA PRIVATE KEY-----…"). */
  key: string;
  /** The machine user the key belongs to. */
  userId: string;
  /**
   * When ZITADEL stops accepting the key, as a date-time text (e.g.
   * "2030-01-01T00:00:00Z"). A date already past is refused when the key is
   * given (ERR_INVALID_KEY_FILE, asking for a new key); absent or not a
   * date: not checked.
   */
  expirationDate?: string;
}

/** Options of {@link serviceAccountKey}. */
export type ServiceAccountKeyOptions = OAuthSourceOptions;

/** A checked key file: everything needed to sign assertions. @private */
export interface ParsedServiceAccountKey {
  keyId: string;
  userId: string;
  /** PKCS#8 DER of the private key. */
  der: Uint8Array<ArrayBuffer>;
}

/** How long an assertion is valid: it is used at once, so a few minutes cover clock skew and nothing more. */
const assertionLifetimeSeconds = 300;

const grantType = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/**
 * A token source for a ZITADEL service account (machine user) key: it signs
 * a short-lived RS256 JWT (`kid` = keyId, `iss` = `sub` = userId, `aud` =
 * the issuer from the instance's OpenID discovery) and exchanges it at the
 * token endpoint (JWT profile, RFC 7523). Tokens are cached until shortly
 * before `expires_in` runs out; concurrent calls share one request.
 *
 * This entry takes the key file's content (the parsed object or its JSON
 * text); the Node entry also takes a path to the file.
 *
 * @example
 * const transport = createZitadelTransport({
 *   baseUrl: "https://acme.zitadel.cloud",
 *   protocol: "grpc-web",
 *   auth: serviceAccountKey(keyJson),
 * });
 */
export function serviceAccountKey(key: ServiceAccountKeyJson | string, options: ServiceAccountKeyOptions = {}): TokenSource {
  const entry = "serviceAccountKey";
  if (typeof key === "string" && !looksLikeJson(key)) {
    throw new ZitadelConfigError({
      code: "ERR_INVALID_KEY_FILE",
      entry,
      problem:
        "expected the key file's content (its JSON text or the parsed object). " +
        'Reading a key file from a path needs Node: import serviceAccountKey from "zitadel-metadata".',
    });
  }
  return serviceAccountKeySource(parseServiceAccountKey(key, "the key", entry), options, entry);
}

/** True when a string is JSON text rather than a file path. @private */
export function looksLikeJson(text: string): boolean {
  return /^\s*[[{]/.test(text);
}

/**
 * Checks a key file's content. Errors name the missing or bad field and where
 * it came from (`where`, e.g. `key file "bot.json"`), never any of the key.
 * @private
 */
export function parseServiceAccountKey(input: unknown, where: string, entry: string): ParsedServiceAccountKey {
  const bad = (problem: string) => new ZitadelConfigError({ code: "ERR_INVALID_KEY_FILE", entry, problem: `${where} ${problem}.` });
  let json = input;
  if (typeof input === "string") {
    try {
      json = JSON.parse(input);
    } catch {
      // JSON.parse's message quotes the text around the error, which may be the key.
      throw bad("is not valid JSON");
    }
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) throw bad("is not a JSON object");
  const file = json as Record<string, unknown>;
  if (file.type !== "serviceaccount") {
    throw bad(
      file.type === undefined
        ? 'has no "type"; a service account key file has "type": "serviceaccount"'
        : file.type === "application"
          ? 'has "type": "application": that key authenticates an API application; this needs a service account (machine user) key, "type": "serviceaccount"'
          : 'has a "type" other than "serviceaccount"; this needs a service account (machine user) key file',
    );
  }
  const text = (field: "keyId" | "userId" | "key", what: string): string => {
    const value = file[field];
    if (value === undefined) throw bad(`has no "${field}" (${what})`);
    if (typeof value !== "string" || value.trim() === "") throw bad(`has a "${field}" that is not a non-empty string (${what})`);
    return value;
  };
  const keyId = text("keyId", "the id of the key in ZITADEL");
  const userId = text("userId", "the id of the machine user");
  const pem = text("key", "the RSA private key in PEM");
  if (/[\x00-\x20\x7f]/.test(keyId) || /[\x00-\x20\x7f]/.test(userId)) {
    throw bad('has a "keyId" or "userId" with spaces or control characters');
  }
  const expires = typeof file.expirationDate === "string" ? Date.parse(file.expirationDate) : Number.NaN;
  if (!Number.isNaN(expires) && expires <= Date.now()) {
    throw bad(`expired on ${new Date(expires).toISOString()} ("expirationDate"); create a new key for the machine user`);
  }
  const der = rsaPrivateKeyToPkcs8(pem);
  if (!der.ok) throw bad(`has a "key" that ${der.problem}`);
  return { keyId, userId, der: der.der };
}

/** The token source for a checked key. @private */
export function serviceAccountKeySource(parsed: ParsedServiceAccountKey, options: ServiceAccountKeyOptions, entry: string): TokenSource {
  const { keyId, userId } = parsed;
  let der: Uint8Array<ArrayBuffer> | undefined = parsed.der;
  let imported: Promise<CryptoKey> | undefined;
  const privateKey = (): Promise<CryptoKey> => {
    if (!imported) {
      const bytes = der!;
      // Not extractable: once imported, the key cannot be read back out of this process's objects.
      imported = crypto.subtle.importKey("pkcs8", bytes, { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, false, ["sign"]).catch(() => {
        throw new ZitadelConfigError({
          code: "ERR_INVALID_KEY_FILE",
          entry,
          problem: `the "key" of the key file for user ${userId} is not a valid RSA private key.`,
        });
      });
      der = undefined;
    }
    return imported;
  };
  return createOAuthTokenSource({
    entry,
    label: `serviceAccountKey({ userId: "${userId}", keyId: "${keyId}" })`,
    credential: "a service account key assertion",
    options,
    needsIssuer: true,
    secrets: [],
    async grant({ issuer, scope }): Promise<GrantRequest> {
      const key = await privateKey();
      // Loaded on first use: jose is ESM-only, and import() works from the CommonJS build on every Node 20.
      const { SignJWT } = await import("jose");
      const now = Math.floor(Date.now() / 1000);
      const assertion = await new SignJWT({})
        .setProtectedHeader({ alg: "RS256", kid: keyId })
        .setIssuer(userId)
        .setSubject(userId)
        .setAudience(issuer)
        .setIssuedAt(now)
        .setExpirationTime(now + assertionLifetimeSeconds)
        .sign(key);
      // The signature alone is what makes the assertion usable; a server may echo just that part.
      const signature = assertion.slice(assertion.lastIndexOf(".") + 1);
      return { form: new URLSearchParams({ grant_type: grantType, scope, assertion }), secrets: [assertion, signature] };
    },
    hint: (error) =>
      error === "invalid_grant"
        ? "Check that the key belongs to this ZITADEL instance and has not been removed or expired."
        : error === "invalid_scope"
          ? 'Check the "scope" option.'
          : undefined,
  });
}
