import type { CallOptions } from "@connectrpc/connect";
import { createContextValues } from "@connectrpc/connect";
import { isMetadataNotFound, ZitadelError } from "../zitadel/errors.js";
import type { KeyFilter, KeyMatch, ReadRpcs, RowDetails, WriteRpcs } from "../zitadel/metadata-port.js";
import { keyMatches } from "../zitadel/metadata-port.js";
import { keyLengthProblem, valueSizeProblem } from "../zitadel/metadata-rules.js";
import { textProblem } from "../zitadel/storable-text.js";
import type { BulkOptions } from "./bulk.js";
import { resolveBulkOptions, runBatches, splitIntoBatches } from "./bulk.js";
import type { MetadataCallOptions } from "./call-options.js";
import { toCallOptions } from "./call-options.js";
import type { Details } from "./entry.js";
import { MetadataEntry, toDetails } from "./entry.js";
import { listExactly } from "./exact-list.js";
import { checkRate } from "./bulk.js";
import type { Pacer } from "../core/pacer.js";
import { createPacer, pacerKey } from "../core/pacer.js";
import type { MetadataValue } from "./value.js";
import { encodeValue } from "./value.js";

export type { KeyMatch } from "../zitadel/metadata-port.js";

/** The options of {@link ReadonlyMetadataScope.list}: which keys, how many per request, how fast; plus a single call's options. */
export interface ListOptions extends MetadataCallOptions {
  /** Only keys that start with this text. */
  prefix?: string;
  /** Only keys that match this filter (combined with prefix, both must match). */
  query?: {
    /**
     * The text each key is compared with: at most 200 runes (ZITADEL
     * refuses a longer one with InvalidArgument); may be empty.
     */
    key: string;
    /**
     * How keys are compared with `key`: ZITADEL's key query method
     * (TEXT_QUERY_METHOD_* on v1, TEXT_FILTER_METHOD_* on v2), e.g.
     * "contains". Any other value throws a TypeError before a request is sent.
     */
    match: KeyMatch;
  };
  /** Entries per request. Default 500 on v1, 1000 on v2; v2 takes at most 1000 (a larger value is lowered to that). */
  pageSize?: number;
  /** At most this many list requests per second, evenly spaced. Default: no pacing. */
  rate?: number;
}

/**
 * Entries fetched page by page as you iterate, each key exactly once (see
 * {@link ReadonlyMetadataScope.list}). ZITADEL's lists have no key order:
 * entries come in the server's order.
 */
export interface MetadataList extends AsyncIterable<MetadataEntry> {
  /** Fetches every page and returns the entries keyed by key. */
  toObject(): Promise<Record<string, MetadataEntry>>;
  /** Fetches every page and returns the entries in the server's (unspecified) order; sort them yourself if you need an order. */
  toArray(): Promise<MetadataEntry[]>;
}

/** What a single write reports. */
export interface WriteResult {
  /**
   * What ZITADEL reported for the write. v1: the sequence and resource owner,
   * and for a set its time as creationDate (changeDate unset), for a remove
   * its time as changeDate. v2: only changeDate (the set or deletion date).
   * A set that writes nothing (a user's key set to the value it holds; on
   * v2 any unchanged value) reports the latest earlier change instead; a
   * remove that a retry found already done (`retry: { removes: true }`)
   * reports nothing (every field undefined).
   */
  details: Details;
}

/** What a bulk write reports. */
export interface BulkResult {
  /** How many requests it took. */
  requests: number;
  /** How many entries (or keys) were written. */
  count: number;
  /** The details of the request that finished last (by sequence on v1, by time on v2); undefined for an empty input. */
  details: Details | undefined;
}

/** What apply() did. */
export interface ApplyResult {
  /** How many requests it took. */
  requests: number;
  /** Whether everything happened in one atomic request (v2, when it fits in one; v1 only when there was one kind of change in one request). */
  atomic: boolean;
  /** How many entries were sent to be stored (entries already holding the value are left unchanged by ZITADEL and count here too). */
  set: number;
  /** How many keys are gone now (a key that was already absent counts: it is absent, as asked). */
  removed: number;
  /** The details of the request that finished last; undefined when there was nothing to do. */
  details: Details | undefined;
}

/** What apply() is asked to do: keys to store and keys to delete, none in both. */
export interface MetadataChanges {
  /**
   * Keys to store, as an object of key: value or [key, value] pairs (a key
   * given twice keeps its last value); each value as for set(). Omitted:
   * nothing is stored.
   */
  set?: Record<string, MetadataValue> | Iterable<readonly [string, MetadataValue]>;
  /**
   * Keys to delete (not a string: use an array). A key that does not exist
   * is not an error; a key also in `set` is a TypeError. Omitted: nothing is removed.
   */
  remove?: Iterable<string>;
}

/** The options of a bulk call (setMany, removeMany, apply): a single call's options plus how the work is split into requests. */
export type BulkCallOptions = MetadataCallOptions & BulkOptions;

/** Reading metadata: every scope can. */
export interface ReadonlyMetadataScope {
  /**
   * The entry, or undefined when there is none to read: the key does not
   * exist, or the user does not exist, or (v1) the user is not in the
   * organization the call acts in — ZITADEL answers all of these alike (see
   * README, "What get() cannot tell"). Every other failure throws a ZitadelError.
   */
  get(key: string, options?: MetadataCallOptions): Promise<MetadataEntry | undefined>;
  /**
   * Entries, fetched lazily page by page, each key exactly once or a
   * ZitadelError: ZITADEL pages by offset over rows without a stable order,
   * so the listing checks what it saw against the server's count and, when
   * a page moved, reads again (see README, "The list guarantee"). A key that
   * exists throughout is never skipped or repeated; keys added or removed
   * meanwhile may or may not appear.
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
   * Stores many entries in bulk requests (a key given twice: the last value
   * wins), split to stay under the message limit and run with bounded
   * concurrency. Each request is atomic; the whole is not: on failure,
   * earlier requests stay written.
   */
  setMany(entries: Record<string, MetadataValue> | Iterable<readonly [string, MetadataValue]>, options?: BulkCallOptions): Promise<BulkResult>;
  /** Removes many keys in bulk requests; a request with a missing key fails whole (nothing of it is removed) with isMetadataNotFound. */
  removeMany(keys: Iterable<string>, options?: BulkCallOptions): Promise<BulkResult>;
  /**
   * Stores some keys and deletes others in as few requests as the API
   * version allows: on v2 one atomic request when it fits (an entry to delete
   * travels as an empty value), on v1 bulk sets, then bulk removes. A key to
   * remove that does not exist is not an error (it is absent, as asked).
   */
  apply(changes: MetadataChanges, options?: BulkCallOptions): Promise<ApplyResult>;
}

/** Runs an RPC and turns whatever it throws into a ZitadelError. */
async function zitadel<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    throw ZitadelError.from(e);
  }
}

export function createReadonlyScope(rpcs: ReadRpcs, scopeOrgId: string | undefined): ReadonlyMetadataScope {
  return {
    async get(key, options) {
      checkKey(key);
      const row = await zitadel(() => rpcs.get(key, toCallOptions(options, scopeOrgId)));
      return row && new MetadataEntry(row);
    },
    list(options = {}) {
      return createList(rpcs, options, scopeOrgId);
    },
  };
}

type Entry = { key: string; value: Uint8Array };

export function createScope(rpcs: WriteRpcs, scopeOrgId: string | undefined): MetadataScope {
  const sendBatches = async <T>(
    batches: T[][],
    options: BulkCallOptions,
    concurrency: number,
    send: (batch: T[], call: CallOptions) => Promise<RowDetails>,
  ): Promise<RowDetails[]> => {
    const pacer = options.rate === undefined ? undefined : createPacer(options.rate);
    const call = paced(toCallOptions(options, scopeOrgId), pacer);
    return zitadel(() =>
      runBatches(
        batches,
        concurrency,
        async (batch) => {
          await pacer?.take(options.signal);
          return send(batch, call);
        },
        options.signal,
      ),
    );
  };
  const entryBatches = <T>(items: T[], sizeOf: (item: T) => number, limits: { maxEntriesPerRequest: number; maxBytesPerRequest: number }) =>
    splitIntoBatches(items, sizeOf, limits.maxEntriesPerRequest, limits.maxBytesPerRequest);

  return {
    ...createReadonlyScope(rpcs, scopeOrgId),
    async set(key, value, options) {
      checkKey(key);
      const bytes = checkValue(key, encodeValue(key, value));
      return { details: toDetails(await zitadel(() => rpcs.set(key, bytes, toCallOptions(options, scopeOrgId)))) };
    },
    async remove(key, options) {
      checkKey(key);
      return { details: toDetails(await zitadel(() => rpcs.remove(key, toCallOptions(options, scopeOrgId)))) };
    },
    async setMany(entries, options = {}) {
      const limits = resolveBulkOptions(options, "setMany", rpcs.batching);
      // Everything is checked before the first request, so bad input writes nothing.
      const batches = entryBatches(toEntries(entries, "setMany"), entrySize, limits);
      const results = await sendBatches(batches, options, limits.concurrency, (batch, call) => rpcs.setMany(batch, call));
      return { requests: batches.length, count: count(batches), details: latest(results) };
    },
    async removeMany(keys, options = {}) {
      const limits = resolveBulkOptions(options, "removeMany", rpcs.batching);
      const { removeSize, maxRemoveBytesPerRequest } = rpcs.batching;
      const batches = splitIntoBatches(
        toKeys(keys, "removeMany"),
        removeSize,
        limits.maxEntriesPerRequest,
        Math.min(limits.maxBytesPerRequest, maxRemoveBytesPerRequest),
      );
      const results = await sendBatches(batches, options, limits.concurrency, (batch, call) => rpcs.removeMany(batch, call));
      return { requests: batches.length, count: count(batches), details: latest(results) };
    },
    async apply(changes, options = {}) {
      const limits = resolveBulkOptions(options, "apply", rpcs.batching);
      if (typeof changes !== "object" || changes === null) {
        throw new TypeError(`apply(): expected { set: { key: value, … }, remove: ["key", …] }, got ${changes === null ? "null." : `${typeof changes}.`}`);
      }
      const entries = changes.set === undefined ? [] : toEntries(changes.set, "apply");
      const keys = changes.remove === undefined ? [] : toKeys(changes.remove, "apply");
      const both = entries.find((e) => keys.includes(e.key));
      if (both !== undefined) {
        throw new TypeError(`apply(): the key ${JSON.stringify(both.key)} is in both set and remove; say which you mean.`);
      }
      const done = (requests: number, atomic: boolean, results: RowDetails[]): ApplyResult => ({
        requests,
        atomic,
        set: entries.length,
        removed: keys.length,
        details: latest(results),
      });
      if (entries.length + keys.length === 0) return done(0, true, []);

      if (rpcs.setAndDelete) {
        const setAndDelete = rpcs.setAndDelete;
        // A delete travels as an empty value: one kind of item for the splitter.
        const items = [...entries, ...keys.map((key) => ({ key, value: undefined }))];
        const batches = entryBatches(items, (i) => (i.value === undefined ? keySize(i.key) : entrySize(i as Entry)), limits);
        const results = await sendBatches(batches, options, limits.concurrency, (batch, call) =>
          setAndDelete(
            batch.filter((i): i is Entry => i.value !== undefined),
            batch.filter((i) => i.value === undefined).map((i) => i.key),
            call,
          ),
        );
        return done(batches.length, batches.length === 1, results);
      }

      // v1: bulk sets, then bulk removes; a remove request with an absent key fails whole, so its keys go one by one.
      const setBatches = entryBatches(entries, entrySize, limits);
      const removeBatches = splitIntoBatches(
        keys,
        rpcs.batching.removeSize,
        limits.maxEntriesPerRequest,
        Math.min(limits.maxBytesPerRequest, rpcs.batching.maxRemoveBytesPerRequest),
      );
      let requests = setBatches.length + removeBatches.length;
      const results = await sendBatches(setBatches, options, limits.concurrency, (batch, call) => rpcs.setMany(batch, call));
      results.push(
        ...(await sendBatches(removeBatches, options, limits.concurrency, async (batch, call) => {
          try {
            return await rpcs.removeMany(batch, call);
          } catch (e) {
            if (!isMetadataNotFound(e)) throw e;
          }
          let last: RowDetails | undefined;
          for (const key of batch) {
            requests++;
            try {
              const removed = await rpcs.remove(key, call);
              if (last === undefined || newer(removed, last)) last = removed;
            } catch (e) {
              if (!isMetadataNotFound(e)) throw e;
            }
          }
          return last ?? {};
        })),
      );
      return done(requests, requests === 1, results);
    },
  };
}

function toEntries(entries: MetadataChanges["set"], method: string): Entry[] {
  if (typeof entries !== "object" || entries === null) {
    throw new TypeError(`${method}(): expected an object of key: value, or [key, value] pairs, got ${entries === null ? "null" : typeof entries}.`);
  }
  const iterable = Symbol.iterator in entries;
  const pairs = iterable ? [...(entries as Iterable<readonly [string, MetadataValue]>)] : Object.entries(entries);
  // Checked before the first request, so bad input writes nothing. A key
  // given twice keeps its last value (v2 would compare both to the stored one).
  const byKey = new Map<string, Uint8Array>();
  pairs.forEach((pair, index) => {
    if (iterable && !Array.isArray(pair)) {
      throw new TypeError(`${method}(): entry ${index} must be a [key, value] pair, got ${describe(pair)}.`);
    }
    const [key, value] = pair;
    // In a list of pairs, say which one; in an object the key says it.
    naming(iterable ? `${method}(): entry ${index}: ` : `${method}(): `, () => checkKey(key));
    byKey.delete(key);
    byKey.set(
      key,
      naming(`${method}(): `, () => checkValue(key, encodeValue(key, value))),
    );
  });
  return [...byKey].map(([key, value]) => ({ key, value }));
}

function toKeys(keys: Iterable<string>, method: string): string[] {
  if (typeof keys === "string") {
    // A string is iterable too: removeMany("plan") would remove "p", "l", "a" and "n".
    throw new TypeError(
      `${method}(): expected a list of keys, got the string ${JSON.stringify(keys.slice(0, 40))}; to remove one key, pass [${JSON.stringify(keys.slice(0, 40))}] or use remove().`,
    );
  }
  if (typeof keys !== "object" || keys === null || !(Symbol.iterator in keys)) {
    throw new TypeError(`${method}(): expected a list of keys, got ${keys === null ? "null" : typeof keys}.`);
  }
  const all = [...keys];
  all.forEach((key, index) => naming(`${method}(): key ${index}: `, () => checkKey(key)));
  return [...new Set(all)];
}

const entrySize = (e: Entry) => utf8Length(e.key) + e.value.length + 16;
const keySize = (key: string) => utf8Length(key) + 8;
const count = (batches: unknown[][]) => batches.reduce((n, b) => n + b.length, 0);

/** Whether a write happened after another: by sequence where the version sends one, else by time. */
function newer(a: RowDetails, b: RowDetails): boolean {
  if (a.sequence !== undefined && b.sequence !== undefined) return a.sequence > b.sequence;
  const at = (d: RowDetails) => (d.changeDate === undefined ? -1n : d.changeDate.seconds * 1_000_000_000n + BigInt(d.changeDate.nanos));
  return at(a) > at(b);
}

function latest(results: RowDetails[]): Details | undefined {
  const last = results.reduce<RowDetails | undefined>((l, d) => (l === undefined || newer(d, l) ? d : l), undefined);
  return last && toDetails(last);
}

function createList(rpcs: ReadRpcs, options: ListOptions, scopeOrgId: string | undefined): MetadataList {
  const { maxPageSize } = rpcs.listing;
  const requested = options.pageSize ?? (rpcs.listing.wholeListQuery ? 500 : maxPageSize);
  // v1's ListQuery.limit is a uint32.
  if (!Number.isInteger(requested) || requested < 1 || requested > 0xffff_ffff) {
    throw new TypeError(`list(): pageSize must be a whole number from 1 to 4294967295, got ${String(options.pageSize)}.`);
  }
  const pageSize = Math.min(requested, maxPageSize);
  if (options.prefix !== undefined && typeof options.prefix !== "string") {
    throw new TypeError(`list(): prefix must be a string, got ${typeof options.prefix}.`);
  }
  if (options.query !== undefined && typeof options.query?.key !== "string") {
    throw new TypeError('list(): query must be { key: string, match }, e.g. { key: "beta", match: "contains" }.');
  }
  const filters: KeyFilter[] = [];
  if (options.prefix !== undefined) filters.push({ key: options.prefix, match: "startsWith" });
  if (options.query !== undefined) {
    if (!keyMatches.includes(options.query.match)) {
      throw new TypeError(`list(): query.match must be one of ${keyMatches.join(", ")}.`);
    }
    filters.push({ key: options.query.key, match: options.query.match });
  }
  if ("order" in options) {
    throw new TypeError(
      'list(): there is no "order": ZITADEL\'s lists have no order (not by key either). Sort the entries yourself, e.g. (await list().toArray()).sort((a, b) => (a.key < b.key ? -1 : 1)).',
    );
  }
  checkRate(options.rate, "list");
  const call = toCallOptions(options, scopeOrgId);

  async function* pages(): AsyncGenerator<MetadataEntry> {
    const pacer = options.rate === undefined ? undefined : createPacer(options.rate);
    const pacedCall = paced(call, pacer);
    const page = async (query: { offset: bigint; limit: number }) => {
      await pacer?.take(options.signal);
      return rpcs.list(query, filters, pacedCall);
    };
    const rows = listExactly(page, pageSize, rpcs.listing);
    try {
      for await (const row of rows) yield new MetadataEntry(row);
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

/** The call options with the operation's pacer in their context, for the retry interceptor. */
function paced(call: CallOptions, pacer: Pacer | undefined): CallOptions {
  if (pacer === undefined) return call;
  return { ...call, contextValues: (call.contextValues ?? createContextValues()).set(pacerKey, pacer) };
}

function utf8Length(s: string): number {
  return new TextEncoder().encode(s).length;
}

/** ZITADEL's rule, checked before sending so a bulk operation fails before its first request. */
function checkKey(key: string): void {
  if (typeof key !== "string") throw new TypeError(`metadata key: expected a string, got ${describe(key)}.`);
  const shown = JSON.stringify(key.length > 40 ? `${key.slice(0, 40)}…` : key);
  const length = keyLengthProblem(key);
  if (length !== undefined) throw new TypeError(`metadata key ${shown}: keys ${length}.`);
  const problem = textProblem(key);
  if (problem !== undefined) throw new TypeError(`metadata key ${shown} ${problem}; remove that character.`);
}

/** A value for an error message: its type, and a short rendering where that helps. */
function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return `the ${typeof value} ${String(value)}`;
  if (typeof value === "string") return `the string ${JSON.stringify(value.slice(0, 40))}`;
  return typeof value;
}

/** Runs a check; a TypeError it throws gets the prefix (which call, which entry) in front of its message. */
function naming<T>(prefix: string, check: () => T): T {
  try {
    return check();
  } catch (e) {
    if (e instanceof TypeError) throw new TypeError(prefix + e.message);
    throw e;
  }
}

function checkValue(key: string, value: Uint8Array): Uint8Array {
  const size = valueSizeProblem(value);
  if (size !== undefined) {
    throw new TypeError(`metadata "${key}": values ${size}.${value.length === 0 ? " To delete a key, use remove()." : ""}`);
  }
  return value;
}
