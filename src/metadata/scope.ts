import type { CallOptions } from "@connectrpc/connect";
import type { MetadataQuery } from "../../gen/zitadel/metadata_pb.js";
import type { ObjectDetails } from "../../gen/zitadel/object_pb.js";
import { TextQueryMethod } from "../../gen/zitadel/object_pb.js";
import { isMetadataNotFound, ZitadelError } from "../zitadel/errors.js";
import type { BulkOptions } from "./bulk.js";
import { resolveBulkOptions, runBatches, splitIntoBatches } from "./bulk.js";
import type { MetadataCallOptions } from "./call-options.js";
import { toCallOptions } from "./call-options.js";
import type { Details } from "./entry.js";
import { MetadataEntry, toDetails } from "./entry.js";
import type { MetadataValue } from "./value.js";
import { encodeValue } from "./value.js";
import { textProblem } from "../zitadel/storable-text.js";
import { keyLengthProblem, valueSizeProblem } from "../zitadel/v1/limits.js";
import { listExactly } from "./exact-list.js";
import type { ScopeRpcs } from "../zitadel/metadata-port.js";

/** How a key filter compares. */
export type KeyMatch =
  | "equals"
  | "equalsIgnoreCase"
  | "startsWith"
  | "startsWithIgnoreCase"
  | "contains"
  | "containsIgnoreCase"
  | "endsWith"
  | "endsWithIgnoreCase";

const keyMatchMethods: Record<KeyMatch, TextQueryMethod> = {
  equals: TextQueryMethod.EQUALS,
  equalsIgnoreCase: TextQueryMethod.EQUALS_IGNORE_CASE,
  startsWith: TextQueryMethod.STARTS_WITH,
  startsWithIgnoreCase: TextQueryMethod.STARTS_WITH_IGNORE_CASE,
  contains: TextQueryMethod.CONTAINS,
  containsIgnoreCase: TextQueryMethod.CONTAINS_IGNORE_CASE,
  endsWith: TextQueryMethod.ENDS_WITH,
  endsWithIgnoreCase: TextQueryMethod.ENDS_WITH_IGNORE_CASE,
};

export interface ListOptions extends MetadataCallOptions {
  /** Only keys that start with this text. */
  prefix?: string;
  /** Only keys that match this filter (combined with prefix, both must match). */
  query?: { key: string; match: KeyMatch };
  /** Entries per request. Default 500. */
  pageSize?: number;
}

/**
 * Entries fetched page by page as you iterate, each key exactly once (see
 * {@link ReadonlyMetadataScope.list}). ZITADEL's lists have no order: entries
 * come in the server's order, which is not the key order.
 */
export interface MetadataList extends AsyncIterable<MetadataEntry> {
  /** Fetches every page and returns the entries keyed by key. */
  toObject(): Promise<Record<string, MetadataEntry>>;
  /** Fetches every page and returns the entries in the server's (unspecified) order; sort them yourself if you need an order. */
  toArray(): Promise<MetadataEntry[]>;
}

/** What a single write reports. */
export interface WriteResult {
  details: Details;
}

/** What a bulk write reports. */
export interface BulkResult {
  /** How many requests it took. */
  requests: number;
  /** How many entries (or keys) were written. */
  count: number;
  /** The details of the request that finished last in sequence order (undefined for an empty input). */
  details: Details | undefined;
}

export type BulkCallOptions = MetadataCallOptions & BulkOptions;

/** Reading metadata: every scope can. */
export interface ReadonlyMetadataScope {
  /** The entry, or undefined when the key does not exist. Every other failure throws a ZitadelError. */
  get(key: string, options?: MetadataCallOptions): Promise<MetadataEntry | undefined>;
  /**
   * Entries, fetched lazily page by page, each key exactly once or a
   * ZitadelError: ZITADEL v1 pages by offset over rows without order, so
   * the listing checks what it saw against the server's total and, when a
   * page moved, re-reads (one `limit: 0` snapshot, or more passes when that
   * is too large). A key that exists throughout is never skipped or
   * repeated; keys added or removed meanwhile may or may not appear.
   */
  list(options?: ListOptions): MetadataList;
}

/** Reading and writing the metadata of one user or organization. */
export interface MetadataScope extends ReadonlyMetadataScope {
  /** Stores a value: a string (UTF-8), bytes, or json(x). */
  set(key: string, value: MetadataValue, options?: MetadataCallOptions): Promise<WriteResult>;
  /** Removes a key; throws a ZitadelError (isMetadataNotFound) if it does not exist. */
  remove(key: string, options?: MetadataCallOptions): Promise<WriteResult>;
  /**
   * Stores many entries with the bulk RPC, split into requests that stay
   * under gRPC's message limit and run with bounded concurrency. Each
   * request is atomic; the whole is not: on failure, earlier requests stay written.
   */
  setMany(entries: Record<string, MetadataValue> | Iterable<readonly [string, MetadataValue]>, options?: BulkCallOptions): Promise<BulkResult>;
  /** Removes many keys in bulk requests; a request with a missing key fails whole (nothing of it is removed). */
  removeMany(keys: Iterable<string>, options?: BulkCallOptions): Promise<BulkResult>;
}

/** Runs an RPC and turns whatever it throws into a ZitadelError. */
async function zitadel<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    throw ZitadelError.from(e);
  }
}

export function createReadonlyScope(rpcs: ScopeRpcs, scopeOrgId: string | undefined): ReadonlyMetadataScope {
  return {
    async get(key, options) {
      checkKey(key);
      try {
        const { metadata } = await rpcs.get(key, toCallOptions(options, scopeOrgId));
        return metadata && new MetadataEntry(metadata);
      } catch (e) {
        if (isMetadataNotFound(e)) return undefined;
        throw ZitadelError.from(e);
      }
    },
    list(options = {}) {
      return createList(rpcs, options, scopeOrgId);
    },
  };
}

export function createScope(rpcs: Required<ScopeRpcs>, scopeOrgId: string | undefined): MetadataScope {
  return {
    ...createReadonlyScope(rpcs, scopeOrgId),
    async set(key, value, options) {
      checkKey(key);
      const bytes = checkValue(key, encodeValue(key, value));
      const res = await zitadel(() => rpcs.set(key, bytes, toCallOptions(options, scopeOrgId)));
      return { details: toDetails(res.details) };
    },
    async remove(key, options) {
      checkKey(key);
      const res = await zitadel(() => rpcs.remove(key, toCallOptions(options, scopeOrgId)));
      return { details: toDetails(res.details) };
    },
    async setMany(entries, options = {}) {
      const limits = resolveBulkOptions(options, "setMany");
      if (typeof entries !== "object" || entries === null) {
        throw new TypeError(`setMany(): expected an object of key: value, or [key, value] pairs, got ${entries === null ? "null" : typeof entries}.`);
      }
      const pairs = Symbol.iterator in entries ? [...(entries as Iterable<readonly [string, MetadataValue]>)] : Object.entries(entries);
      // Everything is checked before the first request, so bad input writes nothing.
      const metadata = pairs.map(([key, value]) => {
        checkKey(key);
        return { key, value: checkValue(key, encodeValue(key, value)) };
      });
      const batches = splitIntoBatches(
        metadata,
        (e) => utf8Length(e.key) + e.value.length + 16,
        limits.maxEntriesPerRequest,
        limits.maxBytesPerRequest,
      );
      return bulk(batches, options, limits.concurrency, (batch, call) => rpcs.setMany(batch, call), scopeOrgId);
    },
    async removeMany(keys, options = {}) {
      const limits = resolveBulkOptions(options, "removeMany");
      if (typeof keys === "string") {
        // A string is iterable too: removeMany("plan") would remove "p", "l", "a" and "n".
        throw new TypeError(`removeMany(): expected a list of keys, got the string ${JSON.stringify(keys.slice(0, 40))}; to remove one key, pass [${JSON.stringify(keys.slice(0, 40))}] or use remove().`);
      }
      const list = [...keys];
      list.forEach(checkKey);
      const batches = splitIntoBatches(list, (k) => utf8Length(k) + 8, limits.maxEntriesPerRequest, limits.maxBytesPerRequest);
      return bulk(batches, options, limits.concurrency, (batch, call) => rpcs.removeMany(batch, call), scopeOrgId);
    },
  };
}

async function bulk<T>(
  batches: T[][],
  options: BulkCallOptions,
  concurrency: number,
  send: (batch: T[], call: CallOptions) => Promise<{ details?: ObjectDetails }>,
  scopeOrgId: string | undefined,
): Promise<BulkResult> {
  const call = toCallOptions(options, scopeOrgId);
  const results = await zitadel(() =>
    runBatches(batches, concurrency, (batch) => send(batch, call), options.signal),
  );
  const details = results
    .map((r) => toDetails(r.details))
    .reduce<Details | undefined>((last, d) => (last === undefined || d.sequence > last.sequence ? d : last), undefined);
  return { requests: batches.length, count: batches.reduce((n, b) => n + b.length, 0), details };
}

function createList(rpcs: ScopeRpcs, options: ListOptions, scopeOrgId: string | undefined): MetadataList {
  const pageSize = options.pageSize ?? 500;
  // ListQuery.limit is a uint32.
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 0xffff_ffff) {
    throw new TypeError(`list(): pageSize must be a whole number from 1 to 4294967295, got ${String(options.pageSize)}.`);
  }
  if (options.prefix !== undefined && typeof options.prefix !== "string") {
    throw new TypeError(`list(): prefix must be a string, got ${typeof options.prefix}.`);
  }
  if (options.query !== undefined && typeof options.query?.key !== "string") {
    throw new TypeError('list(): query must be { key: string, match }, e.g. { key: "beta", match: "contains" }.');
  }
  const queries: MetadataQuery[] = [];
  const keyQuery = (key: string, method: TextQueryMethod) =>
    ({ query: { case: "keyQuery", value: { key, method } } }) as MetadataQuery;
  if (options.prefix !== undefined) queries.push(keyQuery(options.prefix, TextQueryMethod.STARTS_WITH));
  if (options.query !== undefined) {
    const method = keyMatchMethods[options.query.match];
    if (method === undefined) {
      throw new TypeError(`list(): query.match must be one of ${Object.keys(keyMatchMethods).join(", ")}.`);
    }
    queries.push(keyQuery(options.query.key, method));
  }
  if ("order" in options) {
    throw new TypeError(
      'list(): there is no "order": ZITADEL\'s lists have no order (not by key either). Sort the entries yourself, e.g. (await list().toArray()).sort((a, b) => (a.key < b.key ? -1 : 1)).',
    );
  }
  const call = toCallOptions(options, scopeOrgId);

  async function* pages(): AsyncGenerator<MetadataEntry> {
    const rows = listExactly((query) => rpcs.list(query, queries, call), pageSize);
    try {
      for await (const m of rows) yield new MetadataEntry(m);
    } catch (e) {
      throw ZitadelError.from(e);
    }
  }
  const toArray = async () => {
    const all: MetadataEntry[] = [];
    for await (const entry of pages()) all.push(entry);
    return all;
  };
  return {
    [Symbol.asyncIterator]: () => pages(),
    toArray,
    async toObject() {
      return Object.fromEntries((await toArray()).map((e) => [e.key, e]));
    },
  };
}

function utf8Length(s: string): number {
  return new TextEncoder().encode(s).length;
}

/** ZITADEL's rule, checked before sending so a bulk operation fails before its first request. */
function checkKey(key: string): void {
  if (typeof key !== "string") throw new TypeError(`metadata key: expected a string, got ${typeof key}.`);
  const shown = JSON.stringify(key.length > 40 ? `${key.slice(0, 40)}…` : key);
  const length = keyLengthProblem(key);
  if (length !== undefined) throw new TypeError(`metadata key ${shown}: keys ${length}.`);
  const problem = textProblem(key);
  if (problem !== undefined) throw new TypeError(`metadata key ${shown} ${problem}; remove that character.`);
}

function checkValue(key: string, value: Uint8Array): Uint8Array {
  const size = valueSizeProblem(value);
  if (size !== undefined) {
    throw new TypeError(`metadata "${key}": values ${size}.` + (value.length === 0 ? " To delete a key, use remove()." : ""));
  }
  return value;
}
