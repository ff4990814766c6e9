import type { MetadataClient, TokenSource } from "../index.js";
import { createMetadataClient } from "../metadata/create-node.js";
import type { AuthSetting, ConnectionSettings } from "./connection-args.js";

/**
 * The token source for an auth setting. Rejects with a TypeError naming the
 * flag or variable when the setting cannot work (a token with a line break,
 * a key file that is missing or broken); the message never holds the secret.
 * Each kind loads only its own module: a PAT should not pay for JWT signing.
 */
export async function tokenSourceFor(auth: AuthSetting): Promise<TokenSource> {
  try {
    switch (auth.kind) {
      case "token":
        return (await import("../auth/access-token.js")).accessToken(auth.token);
      case "key-file":
        return (await import("../auth/service-account-key-file.js")).serviceAccountKey(auth.keyFile);
      case "client-credentials":
        return (await import("../auth/client-credentials.js")).clientCredentials({ clientId: auth.clientId, clientSecret: auth.clientSecret });
    }
  } catch (e) {
    if (!(e instanceof TypeError)) throw e;
    // "serviceAccountKey: cannot read…" names our function; the user knows the flag.
    throw new TypeError(`${auth.source}: ${e.message.replace(/^\w+(\([^)]*\))?:\s*/, "")}`);
  }
}

/** What must never appear in our output, whatever an error message quotes. */
export function secretsOf(auth: AuthSetting): string[] {
  switch (auth.kind) {
    case "token":
      return [auth.token];
    case "key-file":
      // Given inline, the value is the key itself.
      return auth.keyFile.trimStart().startsWith("{") ? [auth.keyFile] : [];
    case "client-credentials":
      return [auth.clientSecret];
  }
}

export type OpenedClient = { ok: true; md: MetadataClient } | { ok: false; problem: string };

/** The high-level metadata API for the connection settings; a setting that cannot work is a problem, not a throw. */
export async function openMetadataClient(connection: ConnectionSettings): Promise<OpenedClient> {
  try {
    const md = createMetadataClient({
      baseUrl: connection.url,
      protocol: connection.protocol,
      auth: await tokenSourceFor(connection.auth),
      orgId: connection.orgId,
      allowInsecure: connection.allowInsecure,
      defaultTimeoutMs: connection.timeoutMs,
    });
    return { ok: true, md };
  } catch (e) {
    if (e instanceof TypeError) return { ok: false, problem: e.message };
    throw e;
  }
}
