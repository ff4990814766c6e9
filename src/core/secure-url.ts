/** True for names and addresses that never leave this machine. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[(.*)\]$/, "$1");
  return host === "localhost" || host === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * Why a credential must not be sent to this URL, or undefined when it may:
 * plain http:// is refused unless the host is loopback or the caller opted in.
 * `what` names the credential, e.g. "a bearer token".
 */
export function insecureUrlProblem(url: URL, allowInsecure: boolean, what: string): string | undefined {
  if (url.protocol !== "http:" || allowInsecure || isLoopbackHost(url.hostname)) return undefined;
  return (
    `refusing to send ${what} over plain http:// to ${url.host}: anyone on the network path could read it. ` +
    "Use https://, or set the option allowInsecure: true if this network is trusted " +
    "(loopback addresses such as 127.0.0.1 and localhost are always allowed)."
  );
}

/** The URL without user info, query or fragment, for error messages. */
export function displayUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}
