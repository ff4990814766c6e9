// Node only: reads key files from disk. The browser entry uses service-account-key.ts directly.
import { readFileSync } from "node:fs";
import type { ServiceAccountKeyJson, ServiceAccountKeyOptions } from "./service-account-key.js";
import { looksLikeJson, parseServiceAccountKey, serviceAccountKeySource } from "./service-account-key.js";
import type { TokenSource } from "./token-source.js";
import { ZitadelConfigError } from "../core/config-error.js";

/**
 * A token source for a ZITADEL service account key (JWT profile): pass the
 * path of the key file, its JSON text, or the parsed object. A file is read
 * and checked now, so a wrong path or a broken file fails here, with a
 * message that names the file and the field but never shows the key.
 *
 * @example
 * const transport = createZitadelTransport({
 *   baseUrl: "https://acme.zitadel.cloud",
 *   protocol: "grpc",
 *   auth: serviceAccountKey("./acme-bot.json"),
 * });
 */
export function serviceAccountKey(keyOrPath: ServiceAccountKeyJson | string, options: ServiceAccountKeyOptions = {}): TokenSource {
  const entry = "serviceAccountKey";
  if (typeof keyOrPath !== "string" || looksLikeJson(keyOrPath)) {
    return serviceAccountKeySource(parseServiceAccountKey(keyOrPath, "the key", entry), options, entry);
  }
  const path = keyOrPath;
  if (/PRIVATE KEY|[\r\n]/.test(path) || path.length > 4096) {
    // Not a path; and whatever it is, it must not be echoed.
    throw new ZitadelConfigError({
      code: "ERR_INVALID_KEY_FILE",
      entry,
      problem: "expected a path to a key file, or the key file's JSON; got something that looks like a bare key. Pass the whole key file.",
    });
  }
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a directory" : code === "EACCES" ? "permission denied" : (code ?? "unreadable");
    throw new ZitadelConfigError({ code: "ERR_INVALID_KEY_FILE", entry, problem: `cannot read the key file "${path}": ${why}.` });
  }
  return serviceAccountKeySource(parseServiceAccountKey(text, `the key file "${path}"`, entry), options, entry);
}
