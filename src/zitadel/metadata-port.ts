import type { CallOptions } from "@connectrpc/connect";
import type { Metadata, MetadataQuery } from "../../gen/zitadel/metadata_pb.js";
import type { ListDetails, ObjectDetails } from "../../gen/zitadel/object_pb.js";

// What an API version offers the high-level API (src/metadata): the RPCs
// behind one scope (a user, an org, the caller), in one shape. Each version
// folder adapts its clients to it (v1/scopes.ts).

/** The RPCs one scope maps to; a read-only scope (me) has no writes. */
export interface ScopeRpcs {
  get(key: string, call: CallOptions): Promise<{ metadata?: Metadata }>;
  list(query: { offset: bigint; limit: number }, queries: MetadataQuery[], call: CallOptions): Promise<{ details?: ListDetails; result: Metadata[] }>;
  set?(key: string, value: Uint8Array, call: CallOptions): Promise<{ details?: ObjectDetails }>;
  remove?(key: string, call: CallOptions): Promise<{ details?: ObjectDetails }>;
  setMany?(entries: { key: string; value: Uint8Array }[], call: CallOptions): Promise<{ details?: ObjectDetails }>;
  removeMany?(keys: string[], call: CallOptions): Promise<{ details?: ObjectDetails }>;
}

