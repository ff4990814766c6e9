import { ZitadelConfigError } from "./config-error.js";

/**
 * The one check of a ZITADEL instance address, shared by the transports, the
 * interceptor and the token sources: an absolute http(s) URL with no query,
 * fragment or credentials. Returns it normalized, without a trailing slash
 * (a path is kept, for an instance behind a reverse proxy's sub-path).
 *
 * @param where  what to name in the error, e.g. 'createZitadelTransport: option "baseUrl"'
 */
export function parseBaseUrl(value: unknown, where: string, option: string): { url: URL; normalized: string } {
  const invalid = (problem: string) => configError(where, option, problem);
  let url: URL;
  try {
    url = new URL(String(value));
  } catch {
    throw invalid('must be an absolute URL such as "https://acme.zitadel.cloud".');
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw invalid("must start with https:// (or http:// for a local emulator).");
  }
  if (url.search !== "" || url.hash !== "") {
    throw invalid("must not have a query or fragment; pass the instance address only.");
  }
  if (url.username !== "" || url.password !== "") {
    // Dropping them silently would hide the mistake; sending them would leak them.
    throw invalid('must not contain a user name or password; credentials go in "auth".');
  }
  return { url, normalized: `${url.origin}${url.pathname.replace(/\/+$/, "")}` };
}

/** Largest delay Node's and browsers' timers take; above it they fire at once. */
export const maxTimeoutMs = 2_147_483_647;

/**
 * A default deadline: a whole number of milliseconds from 1 to maxTimeoutMs,
 * 0 or Infinity (no deadline, explicitly), or undefined (the default, 30 s).
 */
export function checkTimeoutMs(value: unknown, where: string, option: string): void {
  if (value === undefined || value === 0 || value === Number.POSITIVE_INFINITY) return;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > maxTimeoutMs) {
    throw configError(
      where,
      option,
      `must be a whole number of milliseconds from 1 to ${maxTimeoutMs}, or 0 or Infinity for no deadline, got ${String(value)}; leave it out for the default of 30 s.`,
    );
  }
}

/** `where` is "<function>: <option as named>" or just the option as named, e.g. 'option "baseUrl"'. */
function configError(where: string, option: string, problem: string): ZitadelConfigError {
  const colon = where.indexOf(": ");
  const entry = colon < 0 ? undefined : where.slice(0, colon);
  const named = colon < 0 ? where : where.slice(colon + 2);
  return new ZitadelConfigError({ code: "ERR_INVALID_OPTION", option, entry, problem: `${named} ${problem}` });
}
