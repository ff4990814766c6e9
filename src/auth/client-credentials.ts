import type { GrantRequest, OAuthSourceOptions } from "./oauth-source.js";
import { createOAuthTokenSource } from "./oauth-source.js";
import type { TokenSource } from "./token-source.js";
import { ZitadelConfigError } from "../core/config-error.js";

/** Options of {@link clientCredentials}. */
export interface ClientCredentialsOptions extends OAuthSourceOptions {
  /** The machine user's client id (in ZITADEL, its user name). */
  clientId: string;
  /** The machine user's client secret. */
  clientSecret: string;
}

/**
 * A token source for a ZITADEL machine user's client secret: the OAuth 2.0
 * client credentials grant with HTTP Basic client authentication, at the
 * token endpoint named by the instance's OpenID discovery. Tokens are cached
 * until shortly before `expires_in` runs out; concurrent calls share one request.
 *
 * @example
 * auth: clientCredentials({ clientId: "acme-bot", clientSecret: process.env.ZITADEL_CLIENT_SECRET! })
 */
export function clientCredentials(options: ClientCredentialsOptions): TokenSource {
  const entry = "clientCredentials";
  if (options === null || typeof options !== "object") {
    throw new ZitadelConfigError({ code: "ERR_INVALID_OPTION", entry: entry, problem: `expected an options object such as { clientId, clientSecret }.` });
  }
  const { clientId, clientSecret, ...rest } = options;
  for (const [name, value] of [
    ["clientId", clientId],
    ["clientSecret", clientSecret],
  ] as const) {
    if (value === undefined) throw new ZitadelConfigError({ code: "ERR_MISSING_OPTION", option: name, entry, problem: `option "${name}" is missing.` });
    if (typeof value !== "string" || value === "") {
      throw new ZitadelConfigError({ code: "ERR_INVALID_OPTION", option: name, entry, problem: `option "${name}" must be a non-empty string.` });
    }
    if (/[\x00-\x1f\x7f]/.test(value)) {
      throw new ZitadelConfigError({
        code: "ERR_INVALID_OPTION",
        option: name,
        entry,
        problem: `option "${name}" contains a line break or control character; trim it.`,
      });
    }
  }
  // RFC 6749 §2.3.1: both are form-encoded before they are joined and base64-encoded.
  const encoded = btoa(`${formEncode(clientId)}:${formEncode(clientSecret)}`);
  const basic = `Basic ${encoded}`;
  return createOAuthTokenSource({
    entry,
    label: `clientCredentials({ clientId: "${clientId}" })`,
    credential: "a client secret",
    options: rest,
    needsIssuer: false,
    // The secret as given and as sent (form-encoded), and the bare base64 of id:secret, which a server may echo without "Basic ".
    secrets: [clientSecret, formEncode(clientSecret), basic, encoded],
    async grant({ scope }): Promise<GrantRequest> {
      return {
        form: new URLSearchParams({ grant_type: "client_credentials", scope }),
        headers: { authorization: basic },
        secrets: [],
      };
    },
    hint: (error) =>
      error === "invalid_client"
        ? "Check the client id and secret (for a ZITADEL machine user: its user name and a client secret generated for it)."
        : error === "invalid_scope"
          ? 'Check the "scope" option.'
          : undefined,
  });
}

function formEncode(value: string): string {
  return encodeURIComponent(value).replace(/%20/g, "+");
}
