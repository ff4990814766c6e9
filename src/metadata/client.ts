import type { Transport } from "@connectrpc/connect";
import { keyLengthProblem, runeLength } from "../zitadel/v1/limits.js";
import { createAuthClient, createManagementClient } from "../zitadel/v1/clients.js";
import { assertHeaderSafe } from "../core/header-value.js";

/** ZITADEL user ids are 1 to 200 visible characters (decimal in practice); anything else is a mistake here, not at the server. */
function checkUserId(userId: unknown): asserts userId is string {
  if (typeof userId !== "string" || keyLengthProblem(userId) !== undefined || /[\u0000-\u0020\u007f]/.test(userId)) {
    throw new TypeError(
      `user(userId): expected a ZITADEL user id such as "69629023906488334" (1 to 200 characters, no spaces or control characters), got ${typeof userId === "string" ? `a string of ${runeLength(userId)} characters` : typeof userId}.`,
    );
  }
}
import type { MetadataScope, ReadonlyMetadataScope } from "./scope.js";
import { createReadonlyScope, createScope } from "./scope.js";
import { myRpcs, orgRpcs, userRpcs } from "../zitadel/v1/scopes.js";

/** The high-level metadata API. */
export interface MetadataClient {
  /** A user's metadata, in the context organization (or per call `{ orgId }`). */
  user(userId: string): MetadataScope;
  /**
   * An organization's metadata: the context organization (the transport's
   * orgId, else the caller's own), or the one named here (sent as x-zitadel-orgid).
   */
  org(orgId?: string): MetadataScope;
  /** The caller's own metadata, read-only (ZITADEL's auth API has no writes). */
  me(): ReadonlyMetadataScope;
}

/**
 * The high-level metadata API on a transport; it builds none itself, so a
 * browser bundle keeps only the protocol you picked:
 *
 * ```ts
 * const md = createMetadataClient(createZitadelTransport({ baseUrl, protocol: "grpc", auth: accessToken(pat) }));
 * await md.user(userId).set("plan", "pro");
 * ```
 *
 * For the one-line form on options, see `zitadel-metadata/quick`.
 */
export function createMetadataClient(transport: Transport): MetadataClient {
  if (!isTransport(transport)) {
    throw new TypeError(
      "createMetadataClient(transport): expected a transport such as createZitadelTransport({ baseUrl, protocol, auth }); " +
        'to pass those options directly, import { createMetadataClient } from "zitadel-metadata/quick".',
    );
  }
  return metadataClientFor(transport);
}

/** @private The API on a transport known to be one. */
export function metadataClientFor(transport: Transport): MetadataClient {
  const mgmt = createManagementClient(transport);
  const auth = createAuthClient(transport);
  return {
    user(userId) {
      checkUserId(userId);
      return createScope(userRpcs(mgmt, userId), undefined);
    },
    org(orgId) {
      if (orgId !== undefined) assertHeaderSafe(orgId, "org(orgId)", "organization id");
      return createScope(orgRpcs(mgmt), orgId);
    },
    me() {
      return createReadonlyScope(myRpcs(auth), undefined);
    },
  };
}

/** A Transport, as opposed to transport options. */
export function isTransport(value: unknown): value is Transport {
  return typeof value === "object" && value !== null && typeof (value as Transport).unary === "function";
}
