import type { FetchFn } from "./http.js";
import { exchange } from "./http.js";
import { displayUrl } from "../core/secure-url.js";
import { TokenRequestError } from "./token-request-error.js";

/** The parts of an OpenID Provider's configuration that token sources need. */
export interface OAuthEndpoints {
  /** The issuer identifier; a JWT profile assertion's audience. */
  issuer: string;
  tokenEndpoint: URL;
}

/** `<base>/.well-known/openid-configuration`, keeping a path the base may have. */
export function discoveryUrl(base: string): URL {
  return new URL(`${base.replace(/\/+$/, "")}/.well-known/openid-configuration`);
}

/**
 * Fetches `/.well-known/openid-configuration` (OpenID Connect Discovery 1.0)
 * and checks the two fields we rely on. The issuer must be `base` itself
 * (§4.3), so a document served for another instance, or one that a proxy
 * passed on from elsewhere, is refused before a credential goes anywhere.
 */
export async function discover(base: string, fetchFn: FetchFn, signal: AbortSignal, allowCrossOriginTokenEndpoint = false): Promise<OAuthEndpoints> {
  const url = discoveryUrl(base);
  const where = displayUrl(url);
  const res = await exchange(fetchFn, url, { method: "GET", headers: { accept: "application/json" } }, "OpenID discovery at", signal);
  const fail = (problem: string): never => {
    throw new TokenRequestError({
      message:
        `OpenID discovery at ${where} failed: ${problem}. ` +
        'Check that the base URL (or the "issuer" option) is your ZITADEL instance, e.g. "https://acme.zitadel.cloud".',
      url: where,
      status: res.status,
    });
  };
  if (!res.ok) return fail(`HTTP ${res.status}`);
  const { json } = res;
  if (!json) return fail("the response is not a JSON object");
  const { issuer, token_endpoint: tokenEndpoint } = json;
  if (typeof issuer !== "string" || issuer === "") return fail('the response has no "issuer"');
  const expected = base.replace(/\/+$/, "");
  if (issuer.replace(/\/$/, "") !== expected) {
    const named = JSON.stringify(issuer.slice(0, 200));
    throw new TokenRequestError({
      message:
        `OpenID discovery at ${where} failed: it names the issuer ${named}, but OpenID Connect Discovery requires the issuer to be ` +
        `${expected}, the URL it was fetched from; no token was requested. If ${named} is your ZITADEL instance, use that as the ` +
        'base URL (or the "issuer" option); behind a reverse proxy, give ZITADEL the external domain and port that clients use.',
      url: where,
      status: res.status,
    });
  }
  if (typeof tokenEndpoint !== "string") return fail('the response has no "token_endpoint"');
  let endpoint: URL;
  try {
    endpoint = new URL(tokenEndpoint);
  } catch {
    return fail('"token_endpoint" is not an absolute URL');
  }
  if (endpoint.protocol !== "https:" && endpoint.protocol !== "http:") return fail('"token_endpoint" is not an http(s) URL');
  if (endpoint.username !== "" || endpoint.password !== "") return fail('"token_endpoint" has a user name or password in it');
  const issuerOrigin = new URL(expected).origin;
  if (endpoint.origin !== issuerOrigin && !allowCrossOriginTokenEndpoint) {
    throw new TokenRequestError({
      message:
        `OpenID discovery at ${where} names the token endpoint ${displayUrl(endpoint)}, on another origin than the issuer ${issuerOrigin}; ` +
        'no credential was sent there. ZITADEL serves its token endpoint on its own origin; if this one is right, set the option "allowCrossOriginTokenEndpoint" (or "tokenEndpoint").',
      url: where,
      status: res.status,
    });
  }
  return { issuer, tokenEndpoint: endpoint };
}
