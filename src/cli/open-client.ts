import type { MetadataClient, TokenSource } from "../index.js";
import {
  accessToken,
  clientCredentials,
  createMetadataClient,
  createZitadelTransport,
  looksLikeServiceAccountKeyJson as looksLikeJson,
  serviceAccountKey,
  ZitadelConfigError,
} from "../index.js";
import type { AuthSetting, ConnectionSettings } from "./connection-args.js";
import { createPacer, createPacingInterceptor } from "../index.js";
import { readFileSync } from "node:fs";

/** The PEM text of --ca (or ZITADEL_CA); a TypeError naming the flag and the file when it cannot be read or is not PEM. */
export function readCaFile(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? "unreadable";
    throw new TypeError(
      `--ca (or ZITADEL_CA): cannot read ${file} (${code}): give the PEM file of the certificate authority that signed ZITADEL's certificate`,
    );
  }
  if (!text.includes("-----BEGIN CERTIFICATE-----")) {
    throw new TypeError(`--ca (or ZITADEL_CA): ${file} holds no PEM certificate ("-----BEGIN CERTIFICATE-----"): give the CA certificate in PEM form`);
  }
  return text;
}

/**
 * The token source for an auth setting. Rejects with a TypeError naming the
 * flag or variable when the setting cannot work (a token with a line break,
 * a key file that is missing or broken); the message never holds the secret.
 * (jose, for JWT signing, is loaded only when a key file signs something.)
 */
export async function tokenSourceFor(auth: AuthSetting): Promise<TokenSource> {
  try {
    switch (auth.kind) {
      case "token":
        return accessToken(auth.token);
      case "key-file":
        return remembering(serviceAccountKey(auth.keyFile));
      case "client-credentials":
        return remembering(clientCredentials({ clientId: auth.clientId, clientSecret: auth.clientSecret }));
    }
  } catch (e) {
    if (!(e instanceof TypeError)) throw e;
    // "serviceAccountKey: cannot read…" names our function; the user knows the flag.
    throw new TypeError(`${auth.source}: ${e instanceof ZitadelConfigError ? e.problem : e.message}`);
  }
}

/** Access tokens this process obtained with a key file or client credentials (one command per process). */
const obtainedTokens = new Set<string>();

/**
 * The token source, noting each token it hands out: a server or proxy that
 * quotes the Authorization header back in an error must not get it printed.
 * Its own properties (the marker that it needs the transport's baseUrl, say) are kept.
 */
function remembering(source: TokenSource): TokenSource {
  const note = (token: string) => {
    if (typeof token === "string" && token !== "") obtainedTokens.add(token);
    return token;
  };
  const wrapped: TokenSource = (signal, context) => {
    const token = source(signal, context);
    return typeof token === "string" ? note(token) : token.then(note);
  };
  const { length: _length, name: _name, prototype: _prototype, ...own } = Object.getOwnPropertyDescriptors(source);
  Object.defineProperties(wrapped, own);
  return wrapped;
}

/** What must never appear in our output, whatever an error message quotes; longest first. */
export function secretsOf(auth: AuthSetting): string[] {
  const secrets = ((): string[] => {
    switch (auth.kind) {
      case "token":
        return [auth.token];
      case "key-file":
        // Given inline (the same test serviceAccountKey uses), the value is the key itself.
        return looksLikeJson(auth.keyFile) ? inlineKeySecrets(auth.keyFile) : [];
      case "client-credentials":
        return [auth.clientSecret];
    }
  })();
  return [...secrets, ...obtainedTokens].sort((a, b) => b.length - a.length);
}

/**
 * The inline key file's text, and its private key on its own: as parsed (real
 * line breaks), as the JSON spells it (\n), and each base64 line of its body,
 * so a message that quotes only part of the key shows none of it.
 */
function inlineKeySecrets(text: string): string[] {
  const secrets = new Set([text, text.trim()]);
  let pem: unknown;
  try {
    pem = (JSON.parse(text) as { key?: unknown } | null)?.key;
  } catch {
    // Not valid JSON: the key cannot be found in it, and the text is covered whole.
  }
  if (typeof pem === "string") {
    secrets.add(pem);
    secrets.add(pem.trim());
    secrets.add(JSON.stringify(pem).slice(1, -1));
    for (const line of pem.split(/\r?\n/)) {
      const body = line.trim();
      // Short lines (the last one of the body, say) are left alone: too little to matter, too likely to match ordinary text.
      if (body.length >= 16 && !body.startsWith("-----")) secrets.add(body);
    }
  }
  return [...secrets].filter((s) => s !== "").sort((a, b) => b.length - a.length);
}

export type OpenedClient = { ok: true; md: MetadataClient } | { ok: false; problem: string };

/** The high-level metadata API for the connection settings; a setting that cannot work is a problem, not a throw. */
export async function openMetadataClient(connection: ConnectionSettings): Promise<OpenedClient> {
  try {
    const transport = createZitadelTransport({
      baseUrl: connection.url,
      protocol: connection.protocol,
      ...(connection.connectV1 ? { connectV1: true } : {}),
      auth: await tokenSourceFor(connection.auth),
      // v1 takes the context organization from x-zitadel-orgid; v2 ignores that header (org() takes the id in the request).
      orgId: connection.api === "v1" ? connection.orgId : undefined,
      allowInsecure: connection.allowInsecure,
      ...(connection.caFile === undefined ? {} : { nodeOptions: { ca: readCaFile(connection.caFile) } }),
      defaultTimeoutMs: connection.timeoutMs,
      // --rate: one pacer for every request of the command (see pacer.ts).
      ...(connection.maxAttempts === undefined ? {} : { retry: connection.maxAttempts === 1 ? false : { maxAttempts: connection.maxAttempts } }),
      ...(connection.rate === undefined ? {} : { interceptors: [createPacingInterceptor(createPacer(connection.rate))] }),
    });
    const md = createMetadataClient(transport, {
      api: connection.api,
      ...(connection.orgId === undefined ? {} : { orgId: connection.orgId }),
    });
    return { ok: true, md };
  } catch (e) {
    if (e instanceof ZitadelConfigError) return { ok: false, problem: configProblem(e, connection) };
    if (e instanceof TypeError) return { ok: false, problem: e.message };
    throw e;
  }
}

/** A configuration error in the CLI's terms: the flag (or variable) behind the option it names, by `option`, not by text. */
export function configProblem(e: ZitadelConfigError, connection: ConnectionSettings): string {
  if (e.code === "ERR_MISSING_OPTION" && e.option === "orgId") {
    // The library's words name its own API (org("<id>")); these name the flags.
    return (
      `--org with --api ${connection.api} needs --org-id (or ZITADEL_ORG_ID): ZITADEL ${connection.api} takes the organization ` +
      "in the request, not from the token, so name it, e.g. --org-id 69629023906488334"
    );
  }
  const flags: Record<string, string> = {
    baseUrl: "--url (or ZITADEL_URL)",
    orgId: "--org-id (or ZITADEL_ORG_ID)",
    defaultTimeoutMs: "--timeout",
    protocol: "--protocol (or ZITADEL_PROTOCOL)",
    api: "--api (or ZITADEL_API)",
    auth: connection.auth.source,
    token: connection.auth.source,
    clientId: connection.auth.source,
    clientSecret: connection.auth.source,
  };
  const flag = e.option === undefined ? undefined : flags[e.option];
  const fix = e.code === "ERR_INSECURE_URL" ? " Pass --allow-insecure to send it anyway." : "";
  return flag === undefined ? `${e.message}${fix}` : `${flag}: ${e.problem}${fix}`;
}
