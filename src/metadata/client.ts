import type { Transport } from "@connectrpc/connect";
import { assertHeaderSafe } from "../core/header-value.js";
import { ZitadelConfigError } from "../core/config-error.js";
import { keyLengthProblem, runeLength } from "../zitadel/metadata-rules.js";
import type { MetadataApiName } from "../zitadel/metadata-apis.js";
import { metadataApiNames, metadataApiOf } from "../zitadel/metadata-apis.js";
import type { MetadataScope, ReadonlyMetadataScope } from "./scope.js";
import { createReadonlyScope, createScope } from "./scope.js";

export type { MetadataApiName } from "../zitadel/metadata-apis.js";

/** The high-level metadata API. */
export interface MetadataClient {
  /** The ZITADEL API version it speaks. */
  readonly api: MetadataApiName;
  /** A user's metadata (v1: in the context organization, or per call `{ orgId }`; v2: the user's own organization, wherever it is). */
  user(userId: string): MetadataScope;
  /**
   * An organization's metadata: the one named here, else the client's
   * `orgId`, else (v1 only) the context organization: the transport's
   * orgId, or the caller's own. v2 must name it.
   */
  org(orgId?: string): MetadataScope;
  /** The caller's own metadata, read-only (ZITADEL has no writes for it). */
  me(): ReadonlyMetadataScope;
}

/** The second argument of `createMetadataClient(transport, options)`: which API version to speak and, for v2, the organization. */
export interface MetadataClientOptions {
  /**
   * The ZITADEL API to speak. Default "v1": every ZITADEL has it (v1's user
   * and org metadata RPCs are deprecated since v4.1 but not removed). "v2"
   * needs ZITADEL v4.0 for users and v4.7 for organizations, and is the one
   * ZITADEL serves over Connect.
   */
  api?: MetadataApiName;
  /** The organization org() without an id means. Needed for org() on v2, which takes the organization in the request. */
  orgId?: string;
  /**
   * The caller's own user id. On v2, me() then reads ListUserMetadata for
   * it (over any protocol); without it, me() reads v1's AuthService, which
   * ZITADEL serves over gRPC, gRPC-web and REST but not Connect.
   */
  selfUserId?: string;
}

/**
 * The high-level metadata API on a transport; it builds none itself, so a
 * browser bundle keeps only the protocol you picked:
 *
 * ```ts
 * const md = createMetadataClient(createZitadelTransport({ baseUrl, protocol: "grpc", auth: accessToken(pat) }));
 * await md.user(userId).set("plan", "pro");
 * const v2 = createMetadataClient(transport, { api: "v2", orgId });
 * ```
 *
 * For the one-line form on options, see `zitadel-metadata/quick`.
 */
export function createMetadataClient(transport: Transport, options?: MetadataClientOptions): MetadataClient {
  if (!isTransport(transport)) {
    throw new TypeError(
      "createMetadataClient(transport): expected a transport such as createZitadelTransport({ baseUrl, protocol, auth }); " +
        'to pass those options directly, import { createMetadataClient } from "zitadel-metadata/quick".',
    );
  }
  return metadataClientFor(transport, options);
}

/** @private The API on a transport known to be one. */
export function metadataClientFor(transport: Transport, options: MetadataClientOptions = {}): MetadataClient {
  const entry = "createMetadataClient()";
  const unknown = Object.keys(options).filter((k) => !["api", "orgId", "selfUserId"].includes(k));
  if (unknown.length > 0) {
    throw new ZitadelConfigError({
      code: "ERR_INVALID_OPTION",
      option: unknown[0]!,
      entry,
      problem: `unknown option "${unknown[0]}"; the options are api, orgId and selfUserId.`,
    });
  }
  const api = options.api ?? "v1";
  const binding = metadataApiOf(api);
  if (binding === undefined) {
    throw new ZitadelConfigError({
      code: "ERR_INVALID_OPTION",
      option: "api",
      entry,
      problem: `option "api" must be ${metadataApiNames.map((n) => `"${n}"`).join(" or ")}, got ${JSON.stringify(api)}.`,
    });
  }
  if (options.orgId !== undefined) assertHeaderSafe(options.orgId, `${entry} option "orgId"`, "organization id");
  if (options.selfUserId !== undefined) checkUserId(options.selfUserId, `${entry} option "selfUserId"`);
  const scopes = binding.scopes(transport);
  return {
    api,
    user(userId) {
      checkUserId(userId, "user(userId)");
      return createScope(scopes.user(userId), undefined);
    },
    org(orgId) {
      if (orgId !== undefined) assertHeaderSafe(orgId, "org(orgId)", "organization id");
      const named = orgId ?? options.orgId;
      if (named === undefined && binding.needsOrgId) {
        throw new ZitadelConfigError({
          code: "ERR_MISSING_OPTION",
          option: "orgId",
          entry: "org()",
          problem:
            `ZITADEL ${api} takes the organization in the request, not from x-zitadel-orgid, so org() needs its id: ` +
            `call org("<organization id>"), or create the client with createMetadataClient(transport, { api: "${api}", orgId: "<organization id>" }).`,
        });
      }
      return createScope(scopes.org(named), named);
    },
    me() {
      return createReadonlyScope(scopes.me(options.selfUserId), undefined);
    },
  };
}

/** ZITADEL user ids are 1 to 200 visible characters (decimal in practice); anything else is a mistake here, not at the server. */
function checkUserId(userId: unknown, where: string): asserts userId is string {
  if (typeof userId !== "string" || keyLengthProblem(userId) !== undefined || /[\u0000-\u0020\u007f]/.test(userId)) {
    throw new TypeError(
      `${where}: expected a ZITADEL user id such as "69629023906488334" (1 to 200 characters, no spaces or control characters), got ${typeof userId === "string" ? `a string of ${runeLength(userId)} characters` : typeof userId}.`,
    );
  }
}

/** A Transport, as opposed to transport options. */
export function isTransport(value: unknown): value is Transport {
  return typeof value === "object" && value !== null && typeof (value as Transport).unary === "function";
}
