import type { MetadataApiName, ZitadelProtocol } from "../index.js";
import { isLoopbackHost } from "../index.js";
import type { Env, OptionSpec, OptionValues } from "./parse-options.js";
import { maxTimerMs, nonEmpty, parseDuration, stringValue } from "./parse-options.js";
import { v1Limits, zitadelProtocols } from "../index.js";

/**
 * How the CLI gets its bearer token. `source` names the flag or environment
 * variable the setting came from, so a message can point at it.
 */
export type AuthSetting =
  | { kind: "token"; token: string; source: string }
  | { kind: "key-file"; keyFile: string; source: string }
  | { kind: "client-credentials"; clientId: string; clientSecret: string; source: string };

/** Everything needed to reach ZITADEL, from flags or the environment. */
export interface ConnectionSettings {
  url: string;
  auth: AuthSetting;
  /**
   * --api (or ZITADEL_API): which of ZITADEL's metadata APIs to call. v1
   * (the default) works with every ZITADEL; v2 needs v4.0 for users, v4.7 for orgs.
   */
  api: MetadataApiName;
  /**
   * v1: x-zitadel-orgid on every call; undefined means the token user's own
   * organization. v2: the organization of --org (v2 takes it in the request;
   * users are found wherever they are, so it is not sent as a header).
   */
  orgId: string | undefined;
  protocol: ZitadelProtocol;
  /** --connect-v1: Connect on the v1 APIs, which only an emulator started with --connect-v1 serves. */
  connectV1: boolean;
  allowInsecure: boolean;
  /** Deadline of each request. */
  timeoutMs: number;
  /** --retries (or ZITADEL_RETRIES): most attempts per request, 1 for none; the library's default (4) when absent. */
  maxAttempts?: number;
  /**
   * --rate (or ZITADEL_RATE), on list, rm, export and import: at most this
   * many requests per second for the whole command. Undefined: no pacing.
   */
  rate?: number;
  /** --ca (or ZITADEL_CA): a PEM file of the certificate authority that signed the server's certificate. */
  caFile?: string;
}

export const protocols: readonly ZitadelProtocol[] = zitadelProtocols;

/** Long enough for a 3 MiB bulk request over a slow link, short enough that a dead server does not hang a script. */
export const defaultTimeoutMs = 30_000;

export const authOptions: OptionSpec = {
  token: { type: "string" },
  "key-file": { type: "string" },
  "client-id": { type: "string" },
  "client-secret": { type: "string" },
};

export const connectionOptions: OptionSpec = {
  url: { type: "string" },
  ...authOptions,
  "org-id": { type: "string" },
  api: { type: "string" },
  protocol: { type: "string" },
  "connect-v1": { type: "boolean" },
  "allow-insecure": { type: "boolean" },
  timeout: { type: "string" },
  retries: { type: "string" },
  ca: { type: "string" },
};

const credentialsHelp =
  "--token (ZITADEL_TOKEN), --key-file (ZITADEL_KEY_FILE), or --client-id with --client-secret (ZITADEL_CLIENT_ID, ZITADEL_CLIENT_SECRET)";

type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };

/**
 * The one way to authenticate. Flags: exactly one method (two is a mistake,
 * not a precedence question). Environment, when no flag chose: a token beats
 * a key file beats client credentials, so a shell that exports several still
 * works. Undefined when nothing is set at all.
 */
export function parseAuth(values: OptionValues, env: Env): Parsed<AuthSetting | undefined> {
  const token = stringValue(values.token);
  const keyFile = stringValue(values["key-file"]);
  const clientId = stringValue(values["client-id"]);
  const clientSecret = stringValue(values["client-secret"]);
  for (const [flag, value] of [
    ["--token", token],
    ["--key-file", keyFile],
    ["--client-id", clientId],
    ["--client-secret", clientSecret],
  ] as const) {
    if (value === "") return { ok: false, problem: `${flag} is empty` };
  }

  const chosen: string[] = [];
  if (token !== undefined) chosen.push("--token");
  if (keyFile !== undefined) chosen.push("--key-file");
  if (clientId !== undefined || clientSecret !== undefined) chosen.push("--client-id/--client-secret");
  if (chosen.length > 1) {
    return {
      ok: false,
      problem: `give one way to authenticate, not ${chosen.join(" and ")}: --token, --key-file, or --client-id with --client-secret`,
    };
  }
  if (token !== undefined) return { ok: true, value: { kind: "token", token, source: "--token" } };
  if (keyFile !== undefined) return { ok: true, value: { kind: "key-file", keyFile, source: "--key-file" } };
  if (clientId !== undefined || clientSecret !== undefined) {
    // The secret may well come from the environment while the id is on the command line.
    const id = clientId ?? nonEmpty(env.ZITADEL_CLIENT_ID);
    const secret = clientSecret ?? nonEmpty(env.ZITADEL_CLIENT_SECRET);
    if (id === undefined) return { ok: false, problem: "--client-secret needs --client-id (or ZITADEL_CLIENT_ID)" };
    if (secret === undefined) return { ok: false, problem: "--client-id needs --client-secret (or ZITADEL_CLIENT_SECRET)" };
    return { ok: true, value: { kind: "client-credentials", clientId: id, clientSecret: secret, source: "--client-id/--client-secret" } };
  }

  const envToken = nonEmpty(env.ZITADEL_TOKEN);
  if (envToken !== undefined) return { ok: true, value: { kind: "token", token: envToken, source: "ZITADEL_TOKEN" } };
  const envKeyFile = nonEmpty(env.ZITADEL_KEY_FILE);
  if (envKeyFile !== undefined) return { ok: true, value: { kind: "key-file", keyFile: envKeyFile, source: "ZITADEL_KEY_FILE" } };
  const envId = nonEmpty(env.ZITADEL_CLIENT_ID);
  const envSecret = nonEmpty(env.ZITADEL_CLIENT_SECRET);
  if (envId !== undefined || envSecret !== undefined) {
    if (envId === undefined) return { ok: false, problem: "ZITADEL_CLIENT_SECRET is set but ZITADEL_CLIENT_ID is not; set both (or pass --client-id)" };
    if (envSecret === undefined) return { ok: false, problem: "ZITADEL_CLIENT_ID is set but ZITADEL_CLIENT_SECRET is not; set both (or pass --client-secret)" };
    return {
      ok: true,
      value: { kind: "client-credentials", clientId: envId, clientSecret: envSecret, source: "ZITADEL_CLIENT_ID/ZITADEL_CLIENT_SECRET" },
    };
  }
  return { ok: true, value: undefined };
}

/** The connection settings of get, set, list, rm, export and import. */
export function parseConnection(values: OptionValues, env: Env): Parsed<ConnectionSettings> {
  const urlFlag = stringValue(values.url);
  const url = urlFlag ?? nonEmpty(env.ZITADEL_URL);
  const auth = parseAuth(values, env);
  if (!auth.ok) return auth;
  const missing = [url === undefined ? "--url (or ZITADEL_URL)" : undefined, auth.value === undefined ? `credentials: ${credentialsHelp}` : undefined].filter(
    (m) => m !== undefined,
  );
  if (url === undefined || auth.value === undefined) {
    return { ok: false, problem: `missing connection settings: ${missing.join(" and ")}` };
  }

  const allowInsecure = values["allow-insecure"] === true;
  const urlProblem = checkUrl(url, urlFlag !== undefined ? "--url" : "ZITADEL_URL", allowInsecure);
  if (urlProblem !== undefined) return { ok: false, problem: urlProblem };

  const api = parseApi(values, env);
  if (!api.ok) return api;

  const protocolFlag = stringValue(values.protocol);
  const protocolText = protocolFlag ?? nonEmpty(env.ZITADEL_PROTOCOL) ?? "grpc";
  const protocol = protocols.find((p) => p === protocolText);
  if (protocol === undefined) {
    const source = protocolFlag !== undefined ? "--protocol" : "ZITADEL_PROTOCOL";
    return { ok: false, problem: `${source} must be one of ${protocols.join(", ")}, got "${protocolText}"` };
  }

  const connectV1 = values["connect-v1"] === true;
  const protocolProblem = checkConnectV1(protocol, connectV1, protocolFlag !== undefined ? "--protocol" : "ZITADEL_PROTOCOL", api.value);
  if (protocolProblem !== undefined) return { ok: false, problem: protocolProblem };

  const orgFlag = stringValue(values["org-id"]);
  const orgId = orgFlag ?? nonEmpty(env.ZITADEL_ORG_ID);
  if (orgId !== undefined && !isIdLike(orgId)) {
    const source = orgFlag !== undefined ? "--org-id" : "ZITADEL_ORG_ID";
    return { ok: false, problem: `${source} must be an organization id such as 69629023906488334, got "${orgId}"` };
  }

  const timeoutText = stringValue(values.timeout);
  const timeoutMs = timeoutText === undefined ? defaultTimeoutMs : parseDuration(timeoutText, "ms");
  if (timeoutMs === undefined) {
    return { ok: false, problem: `--timeout must be a positive number of milliseconds (or 30s, 2m), got "${timeoutText}"` };
  }
  if (timeoutMs > maxTimerMs) {
    return { ok: false, problem: `--timeout must be at most ${maxTimerMs} ms (about 24.8 days, the longest timer Node supports), got "${timeoutText}"` };
  }

  const retriesFlag = stringValue(values.retries);
  const retriesText = retriesFlag ?? nonEmpty(env.ZITADEL_RETRIES);
  let maxAttempts: number | undefined;
  if (retriesText !== undefined) {
    maxAttempts = /^\d{1,2}$/.test(retriesText) ? Number(retriesText) : NaN;
    if (!(maxAttempts >= 1 && maxAttempts <= 20)) {
      const source = retriesFlag !== undefined ? "--retries" : "ZITADEL_RETRIES";
      return { ok: false, problem: `${source} must be the most attempts per request, from 1 (no retries) to 20, got "${retriesText}"` };
    }
  }

  const caFlag = stringValue(values.ca);
  if (caFlag === "") return { ok: false, problem: "--ca is empty: give the PEM file of the certificate authority, e.g. --ca ./ca.pem" };
  const caFile = caFlag ?? nonEmpty(env.ZITADEL_CA);

  return {
    ok: true,
    value: {
      url,
      auth: auth.value,
      api: api.value,
      orgId,
      protocol,
      connectV1,
      allowInsecure,
      timeoutMs,
      maxAttempts,
      ...(caFile === undefined ? {} : { caFile }),
    },
  };
}

/** The APIs --api takes, in the order help lists them. */
export const apiNames: readonly MetadataApiName[] = ["v1", "v2"];

/** --api, else ZITADEL_API, else v1: the one every ZITADEL serves. */
export function parseApi(values: OptionValues, env: Env): Parsed<MetadataApiName> {
  const flag = stringValue(values.api);
  const text = flag ?? nonEmpty(env.ZITADEL_API) ?? "v1";
  const api = apiNames.find((a) => a === text);
  if (api === undefined) {
    return { ok: false, problem: `${flag !== undefined ? "--api" : "ZITADEL_API"} must be v1 or v2, got "${text}"` };
  }
  return { ok: true, value: api };
}

/**
 * ZITADEL serves its v1 APIs without Connect, so with --api v1 protocol
 * connect needs --connect-v1, which says the URL is an emulator started with
 * --connect-v1. Its v2 APIs are connect-go handlers, so --api v2 takes
 * connect as it is (--connect-v1 then only matters for --me, which reads v1's
 * AuthService). And --connect-v1 means nothing without connect.
 */
export function checkConnectV1(protocol: ZitadelProtocol, connectV1: boolean, source: string, api: MetadataApiName = "v1"): string | undefined {
  if (protocol === "connect" && !connectV1 && api === "v1") {
    return (
      `${source} connect: ZITADEL does not serve its v1 metadata APIs over Connect; use grpc, grpc-web or rest, ` +
      "or --api v2 (which ZITADEL serves over Connect too), or add --connect-v1 if the URL is an emulator started with --connect-v1"
    );
  }
  if (connectV1 && protocol !== "connect") {
    return `--connect-v1 applies only with --protocol connect (it is "${protocol}")`;
  }
  return undefined;
}

/** An id as ZITADEL uses them (decimal strings) or any other header-safe text of at most 200 characters. */
export function isIdLike(id: string): boolean {
  return /^[\x21-\x7e]+$/.test(id) && id.length <= v1Limits.maxKeyRunes;
}

function checkUrl(url: string, source: string, allowInsecure: boolean): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `${source} must be an absolute http(s) URL such as "https://acme.zitadel.cloud", got "${withoutUserInfo(url)}"`;
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
    return `${source} must start with https:// (or http:// for a local emulator), got "${parsed.protocol}//…"`;
  }
  if (parsed.username !== "" || parsed.password !== "") {
    // Not echoed: it holds a password.
    return `${source} must not hold a user name or password; authenticate with ${credentialsHelp}`;
  }
  if (parsed.protocol === "http:" && !allowInsecure && !isLoopbackHost(parsed.hostname)) {
    return (
      `refusing to send credentials over plain http:// to ${parsed.host}: anyone on the network path could read them; ` +
      "use https://, or pass --allow-insecure if this network is trusted"
    );
  }
  return undefined;
}

/**
 * A URL as typed, fit to quote back: whatever stands between "//" and an "@"
 * (user:password) is replaced, also when the rest does not parse.
 */
export function withoutUserInfo(url: string): string {
  // Up to the last "@": a password may hold "/" or "@" itself, and a URL that does not parse has no rules to go by.
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)?[\s\S]*@/i, (_match, scheme: string | undefined) => `${scheme ?? ""}…@`);
}

/** Most requests per second --rate takes; beyond it pacing means nothing on one connection. */
export const maxRate = 10_000;

/** --rate, else ZITADEL_RATE: a positive number of requests per second (decimals allowed, 0.5 is one every 2 s). */
export function parseRate(values: OptionValues, env: Env): Parsed<number | undefined> {
  const flag = stringValue(values.rate);
  const text = flag ?? nonEmpty(env.ZITADEL_RATE);
  if (text === undefined) return { ok: true, value: undefined };
  const rate = /^\d{1,5}(\.\d{1,3})?$/.test(text) ? Number(text) : NaN;
  if (!(rate > 0 && rate <= maxRate)) {
    return {
      ok: false,
      problem: `${flag !== undefined ? "--rate" : "ZITADEL_RATE"} must be a number of requests per second above 0 and at most ${maxRate} (e.g. 45 under ZITADEL Cloud's 50), got "${text}"`,
    };
  }
  return { ok: true, value: rate };
}
