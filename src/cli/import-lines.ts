import { isIdLike } from "./connection-args.js";
import { keyProblem } from "./metadata-args.js";
import { fromBase64, maxValueBytes } from "./value-format.js";
import { runeLength, v1Limits } from "../index.js";

/** One checked line of an import: whose metadata, which key, which bytes. */
export interface ImportEntry {
  scope: "user" | "org";
  /** The user id, or the organization id (sent as x-zitadel-orgid on v1, in the request on v2). */
  id: string;
  key: string;
  value: Uint8Array;
}

const fields = ["scope", "id", "key", "value"];
const example = '{"scope":"user","id":"69629023906488334","key":"plan","value":"cHJv"}';

/**
 * Checks one NDJSON line against everything ZITADEL will check (and what
 * JSON alone lets through, such as a misspelt field), and reports every
 * problem of the line at once.
 */
export function parseImportLine(text: string): { ok: true; entry: ImportEntry } | { ok: false; problems: string[] } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return { ok: false, problems: [`not JSON (${(e as Error).message})`] };
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    return { ok: false, problems: [`expected a JSON object such as ${example}`] };
  }
  const obj = json as Record<string, unknown>;
  const problems: string[] = [];
  for (const name of Object.keys(obj)) {
    if (!fields.includes(name)) problems.push(`unknown field ${shown(name)} (allowed: "scope", "id", "key", "value")`);
  }

  const { scope, id, key, value } = obj;
  if (scope === undefined) problems.push('"scope" is missing ("user" or "org")');
  else if (scope !== "user" && scope !== "org") problems.push(`"scope" must be "user" or "org", got ${shown(scope)}`);

  if (id === undefined) problems.push('"id" is missing');
  else if (typeof id !== "string" || !isIdLike(id)) problems.push(`"id" must be an id such as "69629023906488334", got ${shown(id)}`);

  if (key === undefined) problems.push('"key" is missing');
  else if (typeof key !== "string") problems.push(`"key" must be a string, got ${shown(key)}`);
  else if (keyProblem(key) !== undefined) problems.push(`"key" must be 1 to ${v1Limits.maxKeyRunes} characters, got ${runeLength(key)}`);

  let bytes: Uint8Array | undefined;
  if (value === undefined) problems.push('"value" is missing');
  else if (typeof value !== "string") problems.push(`"value" must be a base64 string, got ${shown(value)}`);
  else {
    bytes = fromBase64(value);
    if (bytes === undefined) problems.push('"value" is not valid base64');
    else if (bytes.length < 1 || bytes.length > maxValueBytes) problems.push(`"value" must be 1 to ${maxValueBytes} bytes, got ${bytes.length}`);
  }

  if (problems.length > 0 || bytes === undefined) return { ok: false, problems };
  return { ok: true, entry: { scope: scope as "user" | "org", id: id as string, key: key as string, value: bytes } };
}

/** A JSON value, shortened, for a message. */
function shown(v: unknown): string {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}
