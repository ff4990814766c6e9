import { assertHeaderSafe } from "../core/header-value.js";
import { conceal } from "../core/conceal.js";
import type { TokenSource } from "./token-source.js";

/**
 * A fixed bearer token, such as a personal access token (PAT). The token is
 * checked now, so a pasted line break fails here rather than on the first call.
 * The returned function hides the token from `JSON.stringify` and `util.inspect`.
 */
export function accessToken(token: string): TokenSource {
  assertHeaderSafe(token, "accessToken(token)", "token");
  return conceal(() => token, "accessToken([redacted])");
}
