// What ZITADEL's HTTP front does to a request path before its REST gateway
// routes it: Go's server percent-decodes the whole path (so "%2F" is a "/"),
// the router cleans the decoded path and redirects when that changes it, and
// the gateway splits what is left at "/". The emulator does the same, and
// the REST transport refuses values that would not come through as sent.
// Pure string functions: browser-safe, and only "/" and "." matter, so they
// work on decoded paths held as byte strings too.

/**
 * The path as ZITADEL's router (gorilla/mux) cleans it: Go's path.Clean
 * (one "/" between segments, "." segments dropped, ".." dropping the segment
 * before it and never climbing above the root), rooted, with a trailing "/"
 * kept when the input had one.
 *
 * @example cleanPath("/a//b/./c/../d/") === "/a/b/d/"
 */
export function cleanPath(path: string): string {
  if (path === "") return "/";
  const rooted = path.startsWith("/") ? path : `/${path}`;
  const kept: string[] = [];
  for (const segment of rooted.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") kept.pop();
    else kept.push(segment);
  }
  const cleaned = `/${kept.join("/")}`;
  return rooted.endsWith("/") && cleaned !== "/" ? `${cleaned}/` : cleaned;
}

/**
 * Why one decoded path segment would not reach the gateway as itself, or
 * undefined when it would. `last` says it ends the path: an empty last
 * segment is a trailing "/", which cleaning keeps. The rule is local
 * because cleaning changes a path exactly where one of its segments is
 * empty (except a trailing one), "." or "..", and splitting breaks exactly
 * the segments that hold a "/".
 */
export function segmentProblem(segment: string, last: boolean): string | undefined {
  if (segment.includes("/")) {
    return 'ZITADEL\'s gateway decodes "%2F" to "/" before it splits the path, so the value would span several segments and match no route (HTTP 404)';
  }
  if (segment === "." || segment === "..") {
    return 'ZITADEL\'s router resolves "." and ".." segments (also sent as %2E) and answers with a redirect to the shorter path, and fetch resolves them before sending';
  }
  if (segment === "" && !last) {
    return 'the path would have an empty segment ("//"), which ZITADEL\'s router collapses, answering with a redirect to the shorter path';
  }
  return undefined;
}
