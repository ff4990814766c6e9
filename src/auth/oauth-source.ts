import { parseBaseUrl } from "../core/base-url.js";
import { conceal } from "../core/conceal.js";
import type { OAuthEndpoints } from "./discovery.js";
import { discover, discoveryUrl } from "./discovery.js";
import type { FetchFn } from "./http.js";
import { insecureUrlProblem } from "../core/secure-url.js";
import type { IssuedToken } from "./token-endpoint.js";
import { requestToken } from "./token-endpoint.js";
import { untilAborted } from "../core/abort.js";
import { TokenCache } from "./token-cache.js";
import type { TokenContext, TokenSource } from "./token-source.js";
import { instanceUrlNeeded } from "./token-source.js";
import { ZitadelConfigError } from "../core/config-error.js";

/** The scope ZITADEL needs for a token that may call its APIs. */
export const defaultScope = "openid urn:zitadel:iam:org:project:id:zitadel:aud";

/** Options shared by the token sources that ask ZITADEL's token endpoint. */
export interface OAuthSourceOptions {
  /**
   * Scopes to request, as one space-separated string or a list.
   * Default: "openid urn:zitadel:iam:org:project:id:zitadel:aud", which
   * makes the token valid for ZITADEL's own APIs.
   */
  scope?: string | readonly string[];
  /**
   * The ZITADEL instance, e.g. "https://acme.zitadel.cloud". Default: the
   * base URL of the transport the source serves (on your own transport, the
   * interceptor's `baseUrl`). Its `/.well-known/openid-configuration` is
   * fetched once and names the token endpoint and the issuer (the audience of
   * a JWT profile assertion), which must be this same URL. Set it to use the
   * source outside a transport, or to pin it to one instance.
   */
  issuer?: string;
  /** The token endpoint, to skip discovery. Default: the one discovery names. */
  tokenEndpoint?: string;
  /** A fetch implementation; defaults to the global one. */
  fetch?: FetchFn;
  /**
   * Allow discovery and token requests (which carry the credential) over
   * plain http:// to a host other than loopback. Default: what the
   * transport's own `allowInsecure` says.
   */
  allowInsecure?: boolean;
  /**
   * Accept a token endpoint that discovery names on another origin than the
   * issuer. Default false: ZITADEL serves it on its own origin, and a
   * document that points elsewhere would send the credential there.
   */
  allowCrossOriginTokenEndpoint?: boolean;
}

/** What a grant needs to build its token request. */
export interface GrantInput {
  /** The issuer from discovery (or the "issuer" option when the token endpoint is given). */
  issuer: string;
  scope: string;
}

/** One token request's credential part. */
export interface GrantRequest {
  form: URLSearchParams;
  headers?: Record<string, string>;
  /** Values to keep out of errors (an assertion, an Authorization header). */
  secrets: readonly string[];
}

export interface OAuthSourceSpec {
  /** The public function's name, for messages: "serviceAccountKey". */
  entry: string;
  /** What `util.inspect` and `JSON.stringify` show; no secrets. */
  label: string;
  /** What the credential is called in the plain-http refusal, e.g. "a client secret". */
  credential: string;
  options: OAuthSourceOptions;
  /** Whether the issuer must be known to build a request (JWT profile: it is the audience). */
  needsIssuer: boolean;
  grant(input: GrantInput): Promise<GrantRequest>;
  /** Secrets fixed for the source's lifetime, such as a client secret. */
  secrets: readonly string[];
  hint(oauthError: string): string | undefined;
}

/** Per ZITADEL instance: where to ask, and the token it gave us. */
interface InstanceState {
  endpoints: Promise<OAuthEndpoints> | undefined;
  cache: TokenCache;
}

/**
 * The machinery behind serviceAccountKey and clientCredentials: a token
 * cache per instance (one, when "issuer" pins it), discovery fetched once per
 * instance, the plain-http guard, and `invalidate()` for the interceptor's
 * retry. The returned function hides everything but `spec.label` from
 * `JSON.stringify` and `util.inspect`.
 */
export function createOAuthTokenSource(spec: OAuthSourceSpec): TokenSource {
  const { entry, options } = spec;
  const scope = normalizeScope(options.scope, entry);
  const pinned = options.issuer === undefined ? undefined : normalizeBaseUrl(options.issuer, entry, "issuer");
  const tokenEndpoint = options.tokenEndpoint === undefined ? undefined : new URL(normalizeBaseUrl(options.tokenEndpoint, entry, "tokenEndpoint"));
  if (tokenEndpoint && spec.needsIssuer && pinned === undefined) {
    throw new ZitadelConfigError({
      code: "ERR_INVALID_OPTION",
      option: "tokenEndpoint",
      entry: entry,
      problem: `option "tokenEndpoint" needs option "issuer" too: the assertion's audience must be the issuer, and without discovery it cannot be looked up.`,
    });
  }
  if (options.allowCrossOriginTokenEndpoint !== undefined && typeof options.allowCrossOriginTokenEndpoint !== "boolean") {
    throw new ZitadelConfigError({
      code: "ERR_INVALID_OPTION",
      option: "allowCrossOriginTokenEndpoint",
      entry,
      problem: 'option "allowCrossOriginTokenEndpoint" must be true or false.',
    });
  }
  if (options.fetch !== undefined && typeof options.fetch !== "function") {
    throw new ZitadelConfigError({ code: "ERR_INVALID_OPTION", option: "fetch", entry, problem: 'option "fetch" must be a fetch function.' });
  }
  const instances = new Map<string, InstanceState>();

  const instanceFor = (base: string, allowInsecure: boolean): InstanceState => {
    // Keyed by the flag too, so a transport that may use plain http never lends its token to one that may not.
    const key = `${allowInsecure ? "insecure" : "secure"} ${base}`;
    let state = instances.get(key);
    if (!state) {
      const created: InstanceState = {
        endpoints: undefined,
        cache: new TokenCache((signal) => fetchToken(created, base, allowInsecure, signal)),
      };
      instances.set(key, created);
      state = created;
    }
    return state;
  };

  const guard = (url: URL, allowInsecure: boolean) => {
    const problem = insecureUrlProblem(url, allowInsecure, spec.credential);
    if (problem) throw new ZitadelConfigError({ code: "ERR_INSECURE_URL", entry, problem });
  };

  const endpointsOf = (state: InstanceState, base: string, allowInsecure: boolean) => {
    if (tokenEndpoint) return Promise.resolve({ issuer: base, tokenEndpoint });
    if (!state.endpoints) {
      guard(discoveryUrl(base), allowInsecure);
      // Shared by every request of this instance, so it is bound to no single caller's
      // signal: one caller giving up must not fail the others waiting for it.
      // Bounded by discovery's own time limit (tokenRequestTimeoutMs), on a timer of its own.
      const fetched = discover(base, options.fetch ?? globalThis.fetch, new AbortController().signal, options.allowCrossOriginTokenEndpoint === true);
      state.endpoints = fetched;
      // Remember the answer, not a failure: the next request asks again.
      fetched.catch(() => {
        if (state.endpoints === fetched) state.endpoints = undefined;
      });
    }
    return state.endpoints;
  };

  const fetchToken = async (state: InstanceState, base: string, allowInsecure: boolean, signal: AbortSignal): Promise<IssuedToken> => {
    const endpoints = await untilAborted(endpointsOf(state, base, allowInsecure), signal);
    guard(endpoints.tokenEndpoint, allowInsecure);
    const grant = await spec.grant({ issuer: endpoints.issuer, scope });
    return requestToken({
      endpoint: endpoints.tokenEndpoint,
      form: grant.form,
      headers: grant.headers,
      fetch: options.fetch ?? globalThis.fetch,
      signal,
      secrets: [...spec.secrets, ...grant.secrets],
      hint: spec.hint,
    });
  };

  const source: TokenSource = async (signal: AbortSignal, context?: TokenContext) => {
    const base = pinned ?? (context ? normalizeBaseUrl(context.baseUrl, entry, "baseUrl") : undefined);
    if (base === undefined) {
      throw new ZitadelConfigError({
        code: "ERR_INVALID_OPTION",
        option: "issuer",
        entry: entry,
        problem: `no ZITADEL instance to ask for a token: use the source as "auth" of a transport, or pass the option "issuer".`,
      });
    }
    const allowInsecure = options.allowInsecure ?? context?.allowInsecure ?? false;
    return instanceFor(base, allowInsecure).cache.get(signal ?? new AbortController().signal);
  };
  source.invalidate = (token: string) => {
    for (const state of instances.values()) state.cache.invalidate(token);
  };
  // Unpinned, the source asks whatever instance the call's context names, so that must be known for sure.
  if (pinned === undefined) Object.defineProperty(source, instanceUrlNeeded, { value: entry });
  return conceal(source, spec.label);
}

function normalizeScope(scope: string | readonly string[] | undefined, entry: string): string {
  if (scope === undefined) return defaultScope;
  const list = typeof scope === "string" ? scope.split(" ") : Array.isArray(scope) ? scope : undefined;
  if (!list || list.some((s) => typeof s !== "string")) {
    throw new ZitadelConfigError({
      code: "ERR_INVALID_OPTION",
      option: "scope",
      entry: entry,
      problem: `option "scope" must be a space-separated string or a list of strings.`,
    });
  }
  const scopes = list.filter((s) => s !== "");
  if (scopes.length === 0)
    throw new ZitadelConfigError({
      code: "ERR_INVALID_OPTION",
      option: "scope",
      entry: entry,
      problem: `option "scope" is empty; leave it out for "${defaultScope}".`,
    });
  // Scope tokens are printable ASCII other than space, '"' and '\' (RFC 6749 §3.3).
  if (scopes.some((s) => !/^[\x21\x23-\x5b\x5d-\x7e]+$/.test(s))) {
    throw new ZitadelConfigError({
      code: "ERR_INVALID_OPTION",
      option: "scope",
      entry: entry,
      problem: `option "scope" holds a character a scope cannot have (only printable ASCII, no quotes or backslashes).`,
    });
  }
  return scopes.join(" ");
}

/** An absolute http(s) URL without a trailing slash, query, fragment or credentials. */
function normalizeBaseUrl(value: unknown, entry: string, option: string): string {
  return parseBaseUrl(value, `${entry}: "${option}"`, option).normalized;
}
