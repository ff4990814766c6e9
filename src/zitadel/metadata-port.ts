import type { CallOptions, Transport } from "@connectrpc/connect";
import type { Timestamp } from "@bufbuild/protobuf/wkt";

// What an API version offers the high-level API (src/metadata): the RPCs
// behind one scope (a user, an org, the caller) in one version-neutral
// shape, plus the rules its lists and writes follow. Each version folder
// adapts its clients to it (v1/scopes.ts, v2/scopes.ts); the high-level API
// reaches them only through versions.ts.

/** How a key filter compares (ZITADEL's eight text methods, the same on every version). */
export type KeyMatch =
  | "equals"
  | "equalsIgnoreCase"
  | "startsWith"
  | "startsWithIgnoreCase"
  | "contains"
  | "containsIgnoreCase"
  | "endsWith"
  | "endsWithIgnoreCase";

/** The eight methods in the order both v1's TextQueryMethod and v2's TextFilterMethod number them (0 to 7). */
export const keyMatches: readonly KeyMatch[] = [
  "equals",
  "equalsIgnoreCase",
  "startsWith",
  "startsWithIgnoreCase",
  "contains",
  "containsIgnoreCase",
  "endsWith",
  "endsWithIgnoreCase",
];

export interface KeyFilter {
  key: string;
  match: KeyMatch;
}

/** What a version tells about a write or a row; a field the version does not send is undefined (v2 has no sequence and no resource owner). */
export interface RowDetails {
  sequence?: bigint;
  creationDate?: Timestamp;
  changeDate?: Timestamp;
  resourceOwner?: string;
}

export interface StoredRow {
  key: string;
  value: Uint8Array;
  details: RowDetails;
}

/** One page of a list. */
export interface ListPage {
  rows: StoredRow[];
  /** How many rows match (ZITADEL counts before paging; 0 for a page past the end). */
  total: bigint;
  /** Text that changes whenever the list's read model changes (v1: view_timestamp); undefined where the version has none. */
  changeMarker?: string;
}

/** How a version's lists page. */
export interface ListingRules {
  /** The largest limit one request may ask for. */
  readonly maxPageSize: number;
  /** Whether `limit: 0` returns every row in one answer (v1) rather than a default page (v2: 100). */
  readonly wholeListQuery: boolean;
  /** Whether pages carry a change marker (see ListPage.changeMarker). */
  readonly changeMarker: boolean;
}

/** How a version's bulk writes are best split. */
export interface BatchRules {
  readonly maxEntriesPerRequest: number;
  readonly maxBytesPerRequest: number;
  /** What one key adds to a remove request, and how much of that a request may hold (v2's Delete carries its keys in the URL over REST). */
  readonly removeSize: (key: string) => number;
  readonly maxRemoveBytesPerRequest: number;
}

/** The reads every scope has. */
export interface ReadRpcs {
  readonly listing: ListingRules;
  /** The row, or undefined when the key does not exist. */
  get(key: string, call: CallOptions): Promise<StoredRow | undefined>;
  list(page: { offset: bigint; limit: number }, filters: readonly KeyFilter[], call: CallOptions): Promise<ListPage>;
}

/** The reads and writes of a user's or an organization's metadata. */
export interface WriteRpcs extends ReadRpcs {
  readonly batching: BatchRules;
  set(key: string, value: Uint8Array, call: CallOptions): Promise<RowDetails>;
  remove(key: string, call: CallOptions): Promise<RowDetails>;
  setMany(entries: readonly { key: string; value: Uint8Array }[], call: CallOptions): Promise<RowDetails>;
  /** Removes every key or, when one is missing, none (a not-found error). */
  removeMany(keys: readonly string[], call: CallOptions): Promise<RowDetails>;
  /**
   * Sets some keys and deletes others in one atomic request, a key that is
   * already absent counting as deleted; undefined where the version has no
   * such request (v1).
   */
  setAndDelete?(entries: readonly { key: string; value: Uint8Array }[], keys: readonly string[], call: CallOptions): Promise<RowDetails>;
}

/** The scopes of one API version on a transport. */
export interface MetadataScopes {
  user(userId: string): WriteRpcs;
  /**
   * An organization's metadata. `orgId` is the organization named by the
   * caller (org(orgId) or the client's orgId); undefined means the context
   * organization, which only v1 can address that way (see needsOrgId).
   */
  org(orgId: string | undefined): WriteRpcs;
  /** The caller's own metadata; `selfUserId` is the caller's user id when known. */
  me(selfUserId: string | undefined): ReadRpcs;
}

/** What the high-level API needs of one API version. */
export interface MetadataApiBinding {
  readonly name: string;
  /** Whether org() needs an organization id (v2 takes it in the request; v1 has the context organization). */
  readonly needsOrgId: boolean;
  scopes(transport: Transport): MetadataScopes;
}
