import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type * as http from "node:http";
import type * as http2 from "node:http2";
import type { errors as JoseErrors, ProtectedHeaderParameters } from "jose";
import type { Store } from "./store.js";

type NodeRequest = http.IncomingMessage | http2.Http2ServerRequest;
type NodeResponse = http.ServerResponse | http2.Http2ServerResponse;

/** The handful of response methods both HTTP/1.1 and HTTP/2 responses share. */
interface Response {
  statusCode: number;
  setHeader(name: string, value: string): unknown;
  end(body?: string): unknown;
}

export const discoveryPath = "/.well-known/openid-configuration";
export const tokenPath = "/oauth/v2/token";

const jwtBearerGrant = "urn:ietf:params:oauth:grant-type:jwt-bearer";
const zitadelAudienceScope = "urn:zitadel:iam:org:project:id:zitadel:aud";
const requiredScopes = ["openid", zitadelAudienceScope];
const standardScopes = new Set(["openid", "profile", "email", "phone", "address", "offline_access"]);

/** How far an assertion's iat and exp may be off (clock skew between client and server). */
const clockSkewSeconds = 60;
/** Longest validity an assertion may claim, as ZITADEL.md says (exp ≤ 1 h after iat). */
const maxAssertionLifetimeSeconds = 3600;
/** Larger request bodies are refused; a token request is a few kilobytes. */
const maxBodyBytes = 64 * 1024;

export interface OAuthCounters {
  /** Requests to the token endpoint, successful or not. */
  token: number;
  /** Requests for the discovery document. */
  discovery: number;
}

export interface OAuthHandlerOptions {
  store: Store;
  /**
   * The emulator's base URL, known once it listens: the issuer (and every
   * assertion's audience) for a request without a usable Host header.
   */
  url: () => string;
  /** Lifetime of issued access tokens in whole seconds. */
  tokenTtlSeconds: number;
  /** Incremented per request, so tests can assert how often clients asked. */
  counters: OAuthCounters;
  /** One line per token request: grant, outcome, user; never a secret, assertion or token. */
  log?: (line: string) => void;
}

/** An OAuth error response (RFC 6749 §5.2). */
class OAuthError extends Error {
  constructor(
    readonly error: string,
    readonly description: string,
    readonly status = 400,
  ) {
    super(description);
  }
}

/**
 * ZITADEL's OAuth endpoints, as far as machine users need them: OpenID
 * discovery and the token endpoint with the JWT profile (RFC 7523) and client
 * credentials (HTTP Basic) grants. Returns whether it handled the request;
 * anything else is left for the RPC handlers.
 */
export function createOAuthHandler(options: OAuthHandlerOptions): (req: NodeRequest, res: NodeResponse) => boolean {
  return (req, nodeRes) => {
    const path = (req.url ?? "").split("?")[0];
    if (path !== discoveryPath && path !== tokenPath) return false;
    const res = nodeRes as unknown as Response;
    // CORS, preflights included, is cors.ts's job, in front of every route.
    if (path === discoveryPath) {
      if (req.method !== "GET" && req.method !== "HEAD") return methodNotAllowed(res, "GET, OPTIONS");
      options.counters.discovery++;
      writeJson(res, 200, discoveryDocument(issuerOf(req, options.url())));
      return true;
    }
    if (req.method !== "POST") return methodNotAllowed(res, "POST, OPTIONS");
    options.counters.token++;
    const started = performance.now();
    handleTokenRequest(req, options).then(
      ({ body, grant, userName }) => {
        options.log?.(`oauth token ${grant} ok ${userName} ${(performance.now() - started).toFixed(1)}ms`);
        res.setHeader("cache-control", "no-store");
        res.setHeader("pragma", "no-cache");
        writeJson(res, 200, body);
      },
      (e: unknown) => {
        const err = e instanceof OAuthError ? e : new OAuthError("server_error", "the token request could not be handled", 500);
        options.log?.(`oauth token ${err.error}: ${err.description} ${(performance.now() - started).toFixed(1)}ms`);
        if (err.error === "invalid_client") res.setHeader("www-authenticate", 'Basic realm="zitadel-emulator"');
        res.setHeader("cache-control", "no-store");
        writeJson(res, err.status, { error: err.error, error_description: err.description });
      },
    );
    return true;
  };
}

/**
 * The issuer as the client addressed the emulator, `http://<Host>`, the way
 * ZITADEL names an instance by the domain it is called on: a client that
 * reaches it as http://localhost:port finds that issuer in discovery, as
 * OpenID Connect Discovery requires, and signs assertions for it. A request
 * without a Host (or HTTP/2 :authority) that is a plain host[:port] gets `url`.
 */
function issuerOf(req: NodeRequest, url: string): string {
  const authority = req.headers[":authority"] ?? req.headers.host;
  if (typeof authority !== "string" || !/^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/.test(authority)) return url;
  try {
    return new URL(`http://${authority}`).origin;
  } catch {
    return url;
  }
}

function discoveryDocument(issuer: string) {
  return {
    issuer,
    token_endpoint: `${issuer}${tokenPath}`,
    grant_types_supported: ["client_credentials", jwtBearerGrant],
    token_endpoint_auth_methods_supported: ["client_secret_basic"],
    scopes_supported: [...standardScopes, zitadelAudienceScope],
    response_types_supported: [],
    subject_types_supported: ["public"],
  };
}

async function handleTokenRequest(req: NodeRequest, options: OAuthHandlerOptions): Promise<{ body: object; grant: string; userName: string }> {
  const contentType = String(req.headers["content-type"] ?? "")
    .split(";")[0]!
    .trim()
    .toLowerCase();
  if (contentType !== "application/x-www-form-urlencoded") {
    throw new OAuthError("invalid_request", "the request body must be application/x-www-form-urlencoded");
  }
  const form = new URLSearchParams(await readBody(req));
  for (const name of new Set(form.keys())) {
    if (form.getAll(name).length > 1) throw new OAuthError("invalid_request", `parameter "${name}" is given more than once`);
  }
  const grantType = form.get("grant_type");
  let userId: string;
  let grant: string;
  if (grantType === jwtBearerGrant) {
    grant = "jwt-bearer";
    userId = await verifyAssertion(form.get("assertion"), options.store, issuerOf(req, options.url()));
  } else if (grantType === "client_credentials") {
    grant = "client_credentials";
    userId = authenticateClient(req.headers.authorization, options.store);
  } else if (grantType === null) {
    throw new OAuthError("invalid_request", 'parameter "grant_type" is missing');
  } else {
    throw new OAuthError("unsupported_grant_type", `grant_type must be "${jwtBearerGrant}" or "client_credentials"`);
  }
  checkScope(form.get("scope"));
  const user = options.store.users.get(userId);
  if (!user) throw new OAuthError("invalid_grant", "the user of this credential does not exist");
  const token = randomBytes(32).toString("base64url");
  options.store.tokens.set(token, { userId, expiresAt: Date.now() + options.tokenTtlSeconds * 1000 });
  return {
    body: { access_token: token, token_type: "Bearer", expires_in: options.tokenTtlSeconds },
    grant,
    userName: user.userName,
  };
}

/**
 * Checks a JWT profile assertion with jose's jwtVerify and returns the id of
 * the user it speaks for. Only the key lookup by `kid` and the longest
 * lifetime are ours; jose checks the algorithm, the signature and the claims.
 */
async function verifyAssertion(assertion: string | null, store: Store, issuer: string): Promise<string> {
  const invalid = (description: string) => new OAuthError("invalid_grant", description);
  if (!assertion) throw new OAuthError("invalid_request", 'parameter "assertion" is missing');
  // Loaded on first use: jose is ESM-only, and import() works from the CommonJS build on every Node 20.
  const { decodeProtectedHeader, errors, jwtVerify } = await import("jose");
  let header: ProtectedHeaderParameters;
  try {
    header = decodeProtectedHeader(assertion);
  } catch {
    throw invalid("assertion is not a JWT");
  }
  // Read before verifying only to pick the key, whose user the claims must name.
  const key = typeof header.kid === "string" ? store.machineKeys.get(header.kid) : undefined;
  let claims: { iat?: number; exp?: number };
  try {
    ({ payload: claims } = await jwtVerify(
      assertion,
      // jose calls this after it has checked "alg", so an unsigned assertion is refused as such first.
      () => {
        if (typeof header.kid !== "string" || header.kid === "") throw invalid('assertion header has no "kid"');
        if (!key) throw invalid('no key with the assertion\'s "kid" is registered');
        return key.publicKey;
      },
      {
        algorithms: ["RS256"],
        // Without a key the resolver above has thrown before any claim is looked at.
        issuer: key?.userId,
        subject: key?.userId,
        audience: issuer,
        requiredClaims: ["iat", "exp"],
        maxTokenAge: maxAssertionLifetimeSeconds,
        clockTolerance: clockSkewSeconds,
      },
    ));
  } catch (e) {
    if (e instanceof OAuthError) throw e;
    if (e instanceof errors.JOSEError) throw invalid(assertionProblem(e, errors, issuer));
    throw e;
  }
  // jose bounds how old iat may be, not how long exp says the assertion lasts.
  if (claims.exp! - claims.iat! > maxAssertionLifetimeSeconds) {
    throw invalid("assertion may be valid for at most 1 hour (exp - iat)");
  }
  return key!.userId;
}

/** What jose found wrong with an assertion, in the words the emulator has always used. */
function assertionProblem(e: JoseErrors.JOSEError, jose: typeof JoseErrors, issuer: string): string {
  if (e instanceof jose.JWTClaimValidationFailed || e instanceof jose.JWTExpired) {
    const { claim, reason } = e;
    if (reason === "missing") return `assertion has no "${claim}"`;
    if (reason === "invalid") return `assertion "${claim}" is not a number`;
    switch (claim) {
      case "iss":
      case "sub":
        return "assertion iss and sub must both be the id of the user who owns the key";
      case "aud":
        return `assertion aud must be the issuer ${issuer}`;
      case "exp":
        return "assertion has expired";
      case "iat":
        return e instanceof jose.JWTExpired ? "assertion iat is more than 1 hour in the past" : "assertion iat is in the future";
      case "nbf":
        return "assertion nbf is in the future";
      default:
        return `assertion claim "${claim}" is not acceptable`;
    }
  }
  switch (e.code) {
    case "ERR_JOSE_ALG_NOT_ALLOWED":
      return "assertion must be signed with RS256";
    case "ERR_JWS_SIGNATURE_VERIFICATION_FAILED":
      return 'assertion signature does not verify with the key its "kid" names';
    case "ERR_JWT_INVALID":
      return "assertion is not a JWT: its payload is not a JSON object";
    case "ERR_JWS_INVALID":
      return "assertion is not a JWT";
    default:
      return `assertion is not acceptable (${e.code})`;
  }
}

/** HTTP Basic client authentication (RFC 6749 §2.3.1); returns the client's user id. */
function authenticateClient(authorization: string | undefined, store: Store): string {
  const invalid = (description: string) => new OAuthError("invalid_client", description, 401);
  if (!authorization) throw invalid("client authentication is required: send the client id and secret with HTTP Basic");
  const match = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(authorization);
  if (!match) throw invalid("the authorization header is not HTTP Basic");
  const decoded = Buffer.from(match[1]!, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) throw invalid("the HTTP Basic credentials have no ':' between client id and secret");
  let clientId: string;
  let secret: string;
  try {
    clientId = formDecode(decoded.slice(0, colon));
    secret = formDecode(decoded.slice(colon + 1));
  } catch {
    throw invalid("the HTTP Basic credentials are not form-encoded");
  }
  const client = store.clients.get(clientId);
  // Compare digests: equal length, so the comparison takes the same time whatever was sent.
  const digest = (s: string) => createHash("sha256").update(s).digest();
  if (!client || !timingSafeEqual(digest(client.clientSecret), digest(secret))) {
    throw invalid("client id or secret is wrong");
  }
  return client.userId;
}

function checkScope(scope: string | null): void {
  const scopes = (scope ?? "").split(" ").filter((s) => s !== "");
  const missing = requiredScopes.filter((s) => !scopes.includes(s));
  if (missing.length > 0) {
    throw new OAuthError("invalid_scope", `scope must include ${requiredScopes.join(" and ")}; missing ${missing.join(", ")}`);
  }
  const unknown = scopes.find((s) => !standardScopes.has(s) && !s.startsWith("urn:zitadel:iam:"));
  if (unknown !== undefined) throw new OAuthError("invalid_scope", `unknown scope "${unknown.slice(0, 100)}"`);
}

function formDecode(value: string): string {
  return decodeURIComponent(value.replace(/\+/g, " "));
}

async function readBody(req: NodeRequest): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBodyBytes) throw new OAuthError("invalid_request", `the request body exceeds ${maxBodyBytes} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function methodNotAllowed(res: Response, allow: string): true {
  res.setHeader("allow", allow);
  writeJson(res, 405, { error: "invalid_request", error_description: `method not allowed; use ${allow.split(",")[0]}` });
  return true;
}

function writeJson(res: Response, status: number, body: object): void {
  res.statusCode = status;
  res.setHeader("content-type", "application/json");
  res.end(JSON.stringify(body));
}
