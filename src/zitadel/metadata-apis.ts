import type { MetadataApiBinding } from "./metadata-port.js";
import { v1Metadata } from "./v1/scopes.js";
import { v2Metadata } from "./v2/scopes.js";

// The registry of the high-level API's version bindings, apart from
// versions.ts: these pull in every version's generated service descriptors,
// which the interceptor and the transports (through versions.ts) must not
// carry into a browser bundle that uses one generated client.

const metadataApis = { v1: v1Metadata, v2: v2Metadata } as const satisfies Record<string, MetadataApiBinding>;

/** The API versions the high-level metadata API speaks. */
export type MetadataApiName = keyof typeof metadataApis;
export const metadataApiNames = Object.keys(metadataApis) as MetadataApiName[];

/** The high-level API's adapter for an API version, or undefined for a name that is none. */
export function metadataApiOf(name: string): MetadataApiBinding | undefined {
  return Object.hasOwn(metadataApis, name) ? metadataApis[name as MetadataApiName] : undefined;
}
