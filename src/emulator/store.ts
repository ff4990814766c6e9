import type { KeyObject } from "node:crypto";
import { TextQueryMethod } from "../../gen/zitadel/object_pb.js";
import type { Quirks } from "./quirks.js";
import { errors } from "./zitadel-error.js";

/** Microseconds since the epoch: the precision of ZITADEL's timestamps (PostgreSQL's timestamptz). */
export type Micros = bigint;

/** One stored key/value pair and when it was written. */
export interface StoredMetadata {
  readonly key: string;
  readonly value: Uint8Array;
  /** The owner's (user's or org's) event sequence of the last event that wrote this key. */
  readonly sequence: bigint;
  readonly creationDate: Micros;
  readonly changeDate: Micros;
}

/** What a write or read reports back, before conversion to ObjectDetails. */
export interface Details {
  sequence: bigint;
  creationDate?: Micros;
  changeDate?: Micros;
  resourceOwner: string;
}

export interface ListOptions {
  offset: bigint;
  /** 0 means all rows. */
  limit: number;
  /** Every filter must match. */
  keyFilters: { key: string; method: TextQueryMethod }[];
}

/** Whose metadata a v2 call targets: a user (by id alone, in whatever organization) or an organization. */
export type V2Target = { userId: string; orgId?: undefined } | { userId?: undefined; orgId: string };

export interface V2ListOptions {
  offset: bigint;
  /** Rows per page, at least 1 (v2 has no "all"). */
  limit: number;
  /** Every filter must match (v2's TextFilterMethod has v1's numbers). */
  keyFilters: { key: string; method: TextQueryMethod }[];
  /** Users' lists by creation date; organizations' in storage order. */
  order: "creation-desc" | "creation-asc" | "storage";
}

export interface ListResult {
  totalResult: bigint;
  processedSequence: bigint;
  viewTimestamp: Micros;
  result: { entry: StoredMetadata; resourceOwner: string }[];
}

/**
 * The event stream of one aggregate (a user or an organization): ZITADEL
 * numbers events per aggregate, starting at 1 with its creation.
 */
export interface Aggregate {
  sequence: bigint;
  /** The last metadata event (set or remove, any key): what a write that changes nothing reports. */
  lastMetadataEvent?: { sequence: bigint; at: Micros };
}

export interface Org {
  readonly id: string;
  readonly name: string;
  removed: boolean;
  /** In storage order: insertion order, and a row written again moves to the end (a PostgreSQL update writes a new row version). */
  readonly metadata: Map<string, StoredMetadata>;
  readonly aggregate: Aggregate;
}

export interface User {
  readonly id: string;
  readonly userName: string;
  readonly orgId: string;
  /** In storage order, as Org.metadata. */
  readonly metadata: Map<string, StoredMetadata>;
  readonly aggregate: Aggregate;
}

/** Roles a user holds at one level: an organization, or the instance ("IAM"). */
export interface Membership {
  readonly userId: string;
  /** An organization id, or undefined for an instance-level membership. */
  readonly orgId: string | undefined;
  readonly roles: readonly string[];
}

/** Who a bearer token belongs to and until when it is valid. */
export interface TokenGrant {
  readonly userId: string;
  /** Milliseconds since the epoch; undefined for tokens that never expire (PATs of the seed). */
  readonly expiresAt?: number;
}

/** A machine user's public key, registered for the JWT profile grant. */
export interface MachineKey {
  readonly keyId: string;
  readonly userId: string;
  readonly publicKey: KeyObject;
}

/** A machine user's client secret, for the client credentials grant. */
export interface MachineClient {
  /** In ZITADEL, the machine user's user name. */
  readonly clientId: string;
  readonly userId: string;
  readonly clientSecret: string;
}

/** The owner of a metadata map, the organization reported as its resource owner, and its read model. */
interface Owner {
  metadata: Map<string, StoredMetadata>;
  resourceOwner: string;
  aggregate: Aggregate;
  projection: "user" | "org";
}

export interface StoreOptions {
  /** The current time in microseconds; defaults to a microsecond clock. */
  clock?: () => Micros;
  /** How lists order their rows; read on every list query, so it may change at run time. */
  quirks?: Pick<Quirks, "listOrder">;
  /** Random numbers in [0, 1) for the "changing" list order. */
  random?: () => number;
}

/**
 * The emulator's state and the commands and queries ZITADEL runs on it.
 * Sequences count per aggregate; lists have no order but the storage order;
 * commands check everything before changing anything, so a failed call leaves
 * the state as it was.
 */
export class Store {
  readonly orgs = new Map<string, Org>();
  readonly users = new Map<string, User>();
  readonly memberships: Membership[] = [];
  /** Bearer tokens the emulator accepts, and whose they are. */
  readonly tokens = new Map<string, TokenGrant>();
  /** Service account public keys by key id. */
  readonly machineKeys = new Map<string, MachineKey>();
  /** Client secrets of machine users by client id. */
  readonly clients = new Map<string, MachineClient>();
  private readonly clock: () => Micros;
  private readonly quirks: Pick<Quirks, "listOrder">;
  private readonly random: () => number;
  /** When each read model (projection) last changed: a list's view_timestamp. */
  private readonly projectionUpdated: Record<Owner["projection"], Micros>;
  /** The rows of a metadata map as an array, until the map changes: paging a large list stays linear. */
  private readonly rows = new WeakMap<Map<string, StoredMetadata>, StoredMetadata[]>();
  private eventCount = 0;

  constructor(options: StoreOptions = {}) {
    this.clock = options.clock ?? microsecondClock();
    this.quirks = options.quirks ?? { listOrder: "storage" };
    this.random = options.random ?? Math.random;
    const now = this.clock();
    this.projectionUpdated = { user: now, org: now };
  }

  /** Metadata events written so far in the whole instance: for tests that prove a call wrote nothing. */
  metadataEvents(): number {
    return this.eventCount;
  }

  addOrg(id: string, name: string): Org {
    const org: Org = { id, name, removed: false, metadata: new Map(), aggregate: { sequence: 1n } };
    this.orgs.set(id, org);
    return org;
  }

  addUser(id: string, userName: string, orgId: string): User {
    const user: User = { id, userName, orgId, metadata: new Map(), aggregate: { sequence: 1n } };
    this.users.set(id, user);
    return user;
  }

  addMembership(membership: Membership): void {
    this.memberships.push(membership);
  }

  /** An organization that exists and is not removed. */
  activeOrg(orgId: string): Org | undefined {
    const org = this.orgs.get(orgId);
    return org && !org.removed ? org : undefined;
  }

  // --- user metadata -------------------------------------------------------

  setUserMetadata(orgId: string, userId: string, key: string, value: Uint8Array): Details {
    storable(userId, key);
    const owner = this.userForWrite(orgId, userId);
    const current = owner.metadata.get(key);
    if (current && equalBytes(current.value, value)) {
      // No event: ZITADEL reports the user's latest metadata change instead.
      const last = owner.aggregate.lastMetadataEvent!;
      return { sequence: last.sequence, creationDate: last.at, resourceOwner: owner.resourceOwner };
    }
    const now = this.clock();
    const entry = this.write(owner, key, value, now);
    return { sequence: entry.sequence, creationDate: now, resourceOwner: owner.resourceOwner };
  }

  bulkSetUserMetadata(orgId: string, userId: string, entries: { key: string; value: Uint8Array }[]): Details {
    storable(userId, ...entries.map((e) => e.key));
    if (entries.length === 0) throw errors.metadataListEmpty();
    return this.bulkSet(this.userForWrite(orgId, userId), entries);
  }

  removeUserMetadata(orgId: string, userId: string, key: string): Details {
    storable(userId, key);
    return this.remove(this.userForWrite(orgId, userId), key, errors.removeUserKeyMissing);
  }

  bulkRemoveUserMetadata(orgId: string, userId: string, keys: string[]): Details {
    storable(userId, ...keys);
    if (keys.length === 0) throw errors.metadataListEmpty();
    return this.bulkRemove(this.userForWrite(orgId, userId), keys, errors.bulkRemoveUserKeyMissing);
  }

  getUserMetadata(orgId: string, userId: string, key: string): { entry: StoredMetadata; resourceOwner: string } {
    storable(userId, key);
    const owner = this.userForRead(orgId, userId);
    const entry = owner?.metadata.get(key);
    if (!owner || !entry) throw errors.userMetadataNotFound();
    return { entry, resourceOwner: owner.resourceOwner };
  }

  listUserMetadata(orgId: string, userId: string, options: ListOptions): ListResult {
    storable(userId, ...options.keyFilters.map((f) => f.key));
    return this.list(this.userForRead(orgId, userId), options, "user");
  }

  // --- org metadata --------------------------------------------------------

  setOrgMetadata(orgId: string, key: string, value: Uint8Array): Details {
    storable(key);
    const owner = this.orgForWrite(orgId);
    // Unlike a user's, an org's set always writes, even the same value.
    const now = this.clock();
    const entry = this.write(owner, key, value, now);
    return { sequence: entry.sequence, creationDate: now, resourceOwner: owner.resourceOwner };
  }

  bulkSetOrgMetadata(orgId: string, entries: { key: string; value: Uint8Array }[]): Details {
    storable(...entries.map((e) => e.key));
    if (entries.length === 0) throw errors.metadataListEmpty();
    return this.bulkSet(this.orgForWrite(orgId), entries);
  }

  removeOrgMetadata(orgId: string, key: string): Details {
    storable(key);
    return this.remove(this.orgForWrite(orgId), key, errors.removeOrgKeyMissing);
  }

  bulkRemoveOrgMetadata(orgId: string, keys: string[]): Details {
    storable(...keys);
    if (keys.length === 0) throw errors.orgBulkRemoveListEmpty();
    return this.bulkRemove(this.orgForWrite(orgId), keys, errors.bulkRemoveOrgKeyMissing);
  }

  getOrgMetadata(orgId: string, key: string): { entry: StoredMetadata; resourceOwner: string } {
    storable(key);
    const org = this.activeOrg(orgId);
    const entry = org?.metadata.get(key);
    if (!org || !entry) throw errors.orgMetadataNotFound();
    return { entry, resourceOwner: org.id };
  }

  listOrgMetadata(orgId: string, options: ListOptions): ListResult {
    storable(...options.keyFilters.map((f) => f.key));
    const org = this.activeOrg(orgId);
    return this.list(org && this.ownerOfOrg(org), options, "org");
  }

  // --- v2 (UserService, OrganizationService v2 / v2beta) ----------------------
  // The same maps as v1: a key written through one version is read through the
  // other. The target (user id, organization id) decides alone; callers check
  // existence and permissions first.

  /**
   * v2's Set: every entry is judged against the state before the request
   * (empty value: remove the key if present, else skip; same bytes: skip;
   * otherwise set), then all are applied at once. Returns the time of the
   * change, or, when nothing changed, of the owner's last metadata change
   * (undefined if it never had one).
   */
  setMetadataV2(target: V2Target, entries: readonly { key: string; value: Uint8Array }[]): Micros | undefined {
    storable(...(target.userId === undefined ? [] : [target.userId]), ...entries.map((e) => e.key));
    const owner = this.ownerV2(target);
    const before = owner.metadata;
    const actions = entries.filter(({ key, value }) => {
      const current = before.get(key);
      if (value.length === 0) return current !== undefined;
      return current === undefined || !equalBytes(current.value, value);
    });
    if (actions.length === 0) return owner.aggregate.lastMetadataEvent?.at;
    const now = this.clock();
    const removed = new Set<string>();
    for (const { key, value } of actions) {
      if (value.length > 0) {
        this.write(owner, key, value, now);
      } else if (!removed.has(key)) {
        // A key is removed once, even when the request names it twice.
        removed.add(key);
        owner.metadata.delete(key);
        this.event(owner, now);
      }
    }
    return now;
  }

  /** v2's Delete: all or nothing; a key that does not exist fails with `missing` and nothing is removed. */
  deleteMetadataV2(target: V2Target, keys: readonly string[], missing: () => Error): Micros {
    storable(...(target.userId === undefined ? [] : [target.userId]), ...keys);
    const owner = this.ownerV2(target);
    const unique = [...new Set(keys)];
    if (unique.some((key) => !owner.metadata.has(key))) throw missing();
    const now = this.clock();
    for (const key of unique) {
      owner.metadata.delete(key);
      this.event(owner, now);
    }
    return now;
  }

  /**
   * v2's List, before paging: the rows matching every filter, in the asked
   * order ("storage" also follows the listOrder quirk), and the page.
   * `total` counts the matching rows, but is 0 for a page past the end.
   */
  listMetadataV2(target: V2Target, options: V2ListOptions): { total: bigint; page: StoredMetadata[] } {
    storable(...(target.userId === undefined ? [] : [target.userId]), ...options.keyFilters.map((f) => f.key));
    const owner = this.findOwnerV2(target);
    const rows = owner ? this.rowsOf(owner.metadata) : [];
    const filters = options.keyFilters;
    let matching = filters.length === 0 ? [...rows] : rows.filter((e) => filters.every((f) => matchesText(e.key, f.key, f.method)));
    // "changing": a new order per query; for v2 user lists that is the order of
    // rows created at the same moment (one Set), which PostgreSQL's bounded
    // sort returns in any order for a different LIMIT/OFFSET.
    if (this.quirks.listOrder === "changing") matching = shuffled(matching, this.random);
    if (options.order !== "storage") {
      // Stable: rows created at the same moment keep their storage (or shuffled) order.
      const sign = options.order === "creation-asc" ? 1 : -1;
      matching.sort((a, b) => (a.creationDate === b.creationDate ? 0 : a.creationDate < b.creationDate ? -sign : sign));
    }
    const start = options.offset > BigInt(matching.length) ? matching.length : Number(options.offset);
    const page = matching.slice(start, start + options.limit);
    return { total: page.length === 0 ? 0n : BigInt(matching.length), page };
  }

  private findOwnerV2(target: V2Target): Owner | undefined {
    if (target.userId !== undefined) {
      const user = this.users.get(target.userId);
      return user && { metadata: user.metadata, resourceOwner: user.orgId, aggregate: user.aggregate, projection: "user" };
    }
    const org = this.activeOrg(target.orgId);
    return org && this.ownerOfOrg(org);
  }

  private ownerV2(target: V2Target): Owner {
    const owner = this.findOwnerV2(target);
    if (!owner) throw target.userId !== undefined ? errors.userNotFound() : errors.orgNotFound();
    return owner;
  }

  // --- shared mechanics ----------------------------------------------------

  /** A user is only visible through its own organization. */
  private userForRead(orgId: string, userId: string): Owner | undefined {
    const user = this.users.get(userId);
    if (!user || user.orgId !== orgId) return undefined;
    return { metadata: user.metadata, resourceOwner: user.orgId, aggregate: user.aggregate, projection: "user" };
  }

  private userForWrite(orgId: string, userId: string): Owner {
    const owner = this.userForRead(orgId, userId);
    if (!owner) throw errors.userNotFound();
    return owner;
  }

  private orgForWrite(orgId: string): Owner {
    const org = this.activeOrg(orgId);
    if (!org) throw errors.orgNotFound();
    return this.ownerOfOrg(org);
  }

  private ownerOfOrg(org: Org): Owner {
    return { metadata: org.metadata, resourceOwner: org.id, aggregate: org.aggregate, projection: "org" };
  }

  /** Appends one metadata event to the owner's aggregate. */
  private event(owner: Owner, at: Micros): bigint {
    const sequence = ++owner.aggregate.sequence;
    this.eventCount++;
    owner.aggregate.lastMetadataEvent = { sequence, at };
    this.projectionUpdated[owner.projection] = at;
    this.rows.delete(owner.metadata);
    return sequence;
  }

  private write(owner: Owner, key: string, value: Uint8Array, now: Micros): StoredMetadata {
    const previous = owner.metadata.get(key);
    const entry: StoredMetadata = {
      key,
      // Copy: the request's bytes may be a view into a larger, reused buffer.
      value: value.slice(),
      sequence: this.event(owner, now),
      creationDate: previous?.creationDate ?? now,
      changeDate: now,
    };
    // An updated row gets a new place at the end, as a new PostgreSQL row version does.
    owner.metadata.delete(key);
    owner.metadata.set(key, entry);
    return entry;
  }

  private bulkSet(owner: Owner, entries: { key: string; value: Uint8Array }[]): Details {
    const now = this.clock();
    // The last entry of a key wins; entries equal to what is stored are skipped (no event).
    const lastPerKey = new Map(entries.map((e) => [e.key, e.value]));
    for (const [key, value] of lastPerKey) {
      const current = owner.metadata.get(key);
      if (!current || !equalBytes(current.value, value)) this.write(owner, key, value, now);
    }
    const last = owner.aggregate.lastMetadataEvent!;
    return { sequence: last.sequence, changeDate: last.at, resourceOwner: owner.resourceOwner };
  }

  private remove(owner: Owner, key: string, missing: () => Error): Details {
    if (!owner.metadata.has(key)) throw missing();
    const now = this.clock();
    owner.metadata.delete(key);
    return { sequence: this.event(owner, now), changeDate: now, resourceOwner: owner.resourceOwner };
  }

  private bulkRemove(owner: Owner, keys: string[], missing: () => Error): Details {
    const unique = [...new Set(keys)];
    // All or nothing: check every key before removing any.
    if (unique.some((key) => !owner.metadata.has(key))) throw missing();
    const now = this.clock();
    let sequence = owner.aggregate.sequence;
    for (const key of unique) {
      owner.metadata.delete(key);
      sequence = this.event(owner, now);
    }
    return { sequence, changeDate: now, resourceOwner: owner.resourceOwner };
  }

  /** The rows in storage order; the array is cached until the map changes. */
  private rowsOf(metadata: Map<string, StoredMetadata>): StoredMetadata[] {
    let rows = this.rows.get(metadata);
    if (!rows) {
      rows = [...metadata.values()];
      this.rows.set(metadata, rows);
    }
    return rows;
  }

  /**
   * ZITADEL's v1 metadata lists have no ORDER BY: rows come in storage order
   * (or, with the "changing" quirk, in a new order per query), `asc` has no
   * effect, and the total is 0 on a page past the end (the count comes from
   * the same query as the rows).
   */
  private list(owner: Owner | undefined, options: ListOptions, projection: Owner["projection"]): ListResult {
    const rows = owner ? this.rowsOf(owner.metadata) : [];
    const filters = options.keyFilters;
    let matching = filters.length === 0 ? rows : rows.filter((e) => filters.every((f) => matchesText(e.key, f.key, f.method)));
    if (this.quirks.listOrder === "changing") matching = shuffled(matching, this.random);
    const start = options.offset > BigInt(matching.length) ? matching.length : Number(options.offset);
    const page = options.limit === 0 ? matching.slice(start) : matching.slice(start, start + options.limit);
    return {
      totalResult: page.length === 0 ? 0n : BigInt(matching.length),
      processedSequence: 0n,
      viewTimestamp: this.projectionUpdated[projection],
      result: page.map((entry) => ({ entry, resourceOwner: owner!.resourceOwner })),
    };
  }
}

/**
 * ZITADEL's events and projections live in PostgreSQL, whose text cannot
 * hold U+0000: a key (or id, or key filter) with it fails with Internal.
 */
function storable(...texts: string[]): void {
  if (texts.some((t) => t.includes("\u0000"))) throw errors.internal();
}

/** A copy in random order (Fisher–Yates). */
function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}

/** Wall-clock microseconds: Date.now() for the epoch, the monotonic clock for the microseconds. */
function microsecondClock(): () => Micros {
  const originMicros = BigInt(Date.now()) * 1000n;
  const originHr = process.hrtime.bigint();
  return () => originMicros + (process.hrtime.bigint() - originHr) / 1000n;
}

/** The eight TextQueryMethod comparisons. */
export function matchesText(value: string, query: string, method: TextQueryMethod): boolean {
  const ignoreCase =
    method === TextQueryMethod.EQUALS_IGNORE_CASE ||
    method === TextQueryMethod.STARTS_WITH_IGNORE_CASE ||
    method === TextQueryMethod.CONTAINS_IGNORE_CASE ||
    method === TextQueryMethod.ENDS_WITH_IGNORE_CASE;
  const v = ignoreCase ? value.toLowerCase() : value;
  const q = ignoreCase ? query.toLowerCase() : query;
  switch (method) {
    case TextQueryMethod.EQUALS:
    case TextQueryMethod.EQUALS_IGNORE_CASE:
      return v === q;
    case TextQueryMethod.STARTS_WITH:
    case TextQueryMethod.STARTS_WITH_IGNORE_CASE:
      return v.startsWith(q);
    case TextQueryMethod.CONTAINS:
    case TextQueryMethod.CONTAINS_IGNORE_CASE:
      return v.includes(q);
    case TextQueryMethod.ENDS_WITH:
    case TextQueryMethod.ENDS_WITH_IGNORE_CASE:
      return v.endsWith(q);
    default:
      return false;
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
