import type { KeyObject } from "node:crypto";
import { TextQueryMethod } from "../../gen/zitadel/object_pb.js";
import { errors } from "./zitadel-error.js";

/** One stored key/value pair and when it was written. */
export interface StoredMetadata {
  readonly key: string;
  readonly value: Uint8Array;
  /** Instance sequence of the last event that wrote this key. */
  readonly sequence: bigint;
  readonly creationDate: Date;
  readonly changeDate: Date;
}

/** What a write or read reports back, before conversion to ObjectDetails. */
export interface Details {
  sequence: bigint;
  creationDate?: Date;
  changeDate?: Date;
  resourceOwner: string;
}

export interface ListOptions {
  offset: bigint;
  /** 0 means all rows. */
  limit: number;
  asc: boolean;
  /** Every filter must match. */
  keyFilters: { key: string; method: TextQueryMethod }[];
}

export interface ListResult {
  totalResult: bigint;
  processedSequence: bigint;
  viewTimestamp: Date;
  result: { entry: StoredMetadata; resourceOwner: string }[];
}

export interface Org {
  readonly id: string;
  readonly name: string;
  removed: boolean;
  readonly metadata: Map<string, StoredMetadata>;
}

export interface User {
  readonly id: string;
  readonly userName: string;
  readonly orgId: string;
  readonly metadata: Map<string, StoredMetadata>;
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

/** The owner of a metadata map and the organization reported as its resource owner. */
interface Owner {
  metadata: Map<string, StoredMetadata>;
  resourceOwner: string;
}

/**
 * The emulator's state and the commands and queries ZITADEL runs on it.
 * Every write takes the next instance sequence per changed key, like one
 * event each. Commands check everything before changing anything, so a
 * failed call leaves the state as it was.
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
  private sequence = 0n;
  /** Entries sorted by key, per metadata map, until the map changes: paging a large list stays linear. */
  private readonly byKey = new WeakMap<Map<string, StoredMetadata>, StoredMetadata[]>();

  constructor(private readonly clock: () => Date = () => new Date()) {}

  currentSequence(): bigint {
    return this.sequence;
  }

  addOrg(id: string, name: string): Org {
    const org: Org = { id, name, removed: false, metadata: new Map() };
    this.orgs.set(id, org);
    this.sequence++;
    return org;
  }

  addUser(id: string, userName: string, orgId: string): User {
    const user: User = { id, userName, orgId, metadata: new Map() };
    this.users.set(id, user);
    this.sequence++;
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
    const owner = this.userForWrite(orgId, userId);
    const current = owner.metadata.get(key);
    if (current && equalBytes(current.value, value)) {
      // ZITADEL pushes no event when nothing changes and reports the current state.
      return { sequence: current.sequence, creationDate: current.changeDate, resourceOwner: owner.resourceOwner };
    }
    const now = this.clock();
    const entry = this.write(owner, key, value, now);
    return { sequence: entry.sequence, creationDate: now, resourceOwner: owner.resourceOwner };
  }

  bulkSetUserMetadata(orgId: string, userId: string, entries: { key: string; value: Uint8Array }[]): Details {
    if (entries.length === 0) throw errors.metadataListEmpty();
    return this.bulkSet(this.userForWrite(orgId, userId), entries);
  }

  removeUserMetadata(orgId: string, userId: string, key: string): Details {
    return this.remove(this.userForWrite(orgId, userId), key, errors.removeUserKeyMissing);
  }

  bulkRemoveUserMetadata(orgId: string, userId: string, keys: string[]): Details {
    if (keys.length === 0) throw errors.metadataListEmpty();
    return this.bulkRemove(this.userForWrite(orgId, userId), keys, errors.bulkRemoveUserKeyMissing);
  }

  getUserMetadata(orgId: string, userId: string, key: string): { entry: StoredMetadata; resourceOwner: string } {
    const owner = this.userForRead(orgId, userId);
    const entry = owner?.metadata.get(key);
    if (!owner || !entry) throw errors.userMetadataNotFound();
    return { entry, resourceOwner: owner.resourceOwner };
  }

  listUserMetadata(orgId: string, userId: string, options: ListOptions): ListResult {
    return this.list(this.userForRead(orgId, userId), options);
  }

  // --- org metadata --------------------------------------------------------

  setOrgMetadata(orgId: string, key: string, value: Uint8Array): Details {
    const owner = this.orgForWrite(orgId);
    const now = this.clock();
    const entry = this.write(owner, key, value, now);
    return { sequence: entry.sequence, creationDate: now, resourceOwner: owner.resourceOwner };
  }

  bulkSetOrgMetadata(orgId: string, entries: { key: string; value: Uint8Array }[]): Details {
    if (entries.length === 0) throw errors.metadataListEmpty();
    return this.bulkSet(this.orgForWrite(orgId), entries);
  }

  removeOrgMetadata(orgId: string, key: string): Details {
    return this.remove(this.orgForWrite(orgId), key, errors.removeOrgKeyMissing);
  }

  bulkRemoveOrgMetadata(orgId: string, keys: string[]): Details {
    if (keys.length === 0) throw errors.orgBulkRemoveListEmpty();
    return this.bulkRemove(this.orgForWrite(orgId), keys, errors.bulkRemoveOrgKeyMissing);
  }

  getOrgMetadata(orgId: string, key: string): { entry: StoredMetadata; resourceOwner: string } {
    const org = this.activeOrg(orgId);
    const entry = org?.metadata.get(key);
    if (!org || !entry) throw errors.orgMetadataNotFound();
    return { entry, resourceOwner: org.id };
  }

  listOrgMetadata(orgId: string, options: ListOptions): ListResult {
    const org = this.activeOrg(orgId);
    return this.list(org && { metadata: org.metadata, resourceOwner: org.id }, options);
  }

  private sortedByKey(metadata: Map<string, StoredMetadata>): StoredMetadata[] {
    let sorted = this.byKey.get(metadata);
    if (!sorted) {
      sorted = [...metadata.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      this.byKey.set(metadata, sorted);
    }
    return sorted;
  }

  // --- shared mechanics ----------------------------------------------------

  /** A user is only visible through its own organization. */
  private userForRead(orgId: string, userId: string): Owner | undefined {
    const user = this.users.get(userId);
    if (!user || user.orgId !== orgId) return undefined;
    return { metadata: user.metadata, resourceOwner: user.orgId };
  }

  private userForWrite(orgId: string, userId: string): Owner {
    const owner = this.userForRead(orgId, userId);
    if (!owner) throw errors.userNotFound();
    return owner;
  }

  private orgForWrite(orgId: string): Owner {
    const org = this.activeOrg(orgId);
    if (!org) throw errors.orgNotFound();
    return { metadata: org.metadata, resourceOwner: org.id };
  }

  private write(owner: Owner, key: string, value: Uint8Array, now: Date): StoredMetadata {
    const previous = owner.metadata.get(key);
    const entry: StoredMetadata = {
      key,
      // Copy: the request's bytes may be a view into a larger, reused buffer.
      value: value.slice(),
      sequence: ++this.sequence,
      creationDate: previous?.creationDate ?? now,
      changeDate: now,
    };
    owner.metadata.set(key, entry);
    this.byKey.delete(owner.metadata);
    return entry;
  }

  private bulkSet(owner: Owner, entries: { key: string; value: Uint8Array }[]): Details {
    const now = this.clock();
    for (const { key, value } of entries) this.write(owner, key, value, now);
    return { sequence: this.sequence, changeDate: now, resourceOwner: owner.resourceOwner };
  }

  private remove(owner: Owner, key: string, missing: () => Error): Details {
    if (!owner.metadata.delete(key)) throw missing();
    this.byKey.delete(owner.metadata);
    return { sequence: ++this.sequence, changeDate: this.clock(), resourceOwner: owner.resourceOwner };
  }

  private bulkRemove(owner: Owner, keys: string[], missing: () => Error): Details {
    const unique = [...new Set(keys)];
    // All or nothing: check every key before removing any.
    if (unique.some((key) => !owner.metadata.has(key))) throw missing();
    for (const key of unique) {
      owner.metadata.delete(key);
      this.byKey.delete(owner.metadata);
      this.sequence++;
    }
    return { sequence: this.sequence, changeDate: this.clock(), resourceOwner: owner.resourceOwner };
  }

  private list(owner: Owner | undefined, options: ListOptions): ListResult {
    const sorted = owner ? this.sortedByKey(owner.metadata) : [];
    const matching = sorted.filter((entry) => options.keyFilters.every((f) => matchesText(entry.key, f.key, f.method)));
    if (!options.asc) matching.reverse();
    const start = Number(options.offset > BigInt(matching.length) ? BigInt(matching.length) : options.offset);
    const page = options.limit === 0 ? matching.slice(start) : matching.slice(start, start + options.limit);
    return {
      totalResult: BigInt(matching.length),
      processedSequence: this.sequence,
      viewTimestamp: this.clock(),
      result: page.map((entry) => ({ entry, resourceOwner: owner!.resourceOwner })),
    };
  }
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
