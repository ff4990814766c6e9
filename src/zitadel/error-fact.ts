import type { Code } from "@connectrpc/connect";

/** What a ZITADEL error means to a client, whatever its (possibly translated) text says. */
export type ErrorKind =
  | "authHeaderInvalid"
  | "tokenInvalid"
  | "orgHeaderUnknown"
  | "membershipNotFound"
  | "permissionMissing"
  | "userNotFound"
  | "orgNotFound"
  | "metadataNotFound"
  | "listEmpty"
  | "limitExceeded";

/** The usual fix; the library and the CLI each put it in their own words. */
export type Remedy = "actInUsersOrg" | "grantRole" | "renewToken" | "checkOrgId";

/**
 * One ZITADEL error id and everything a client knows about it. When ZITADEL
 * sends it is the comment on its entry (kept out of the data, so browser
 * bundles do not carry the prose).
 */
export interface ErrorFact {
  /** ZITADEL's stable id, e.g. "QUERY-Rgh32". */
  readonly id: string;
  /** The gRPC code it comes with. */
  readonly code: Code;
  /** Its English text (ZITADEL.md); clients never compare it, the emulator sends it. */
  readonly text: string;
  /**
   * What the error means to a client. isMetadataNotFound and isUserNotFound
   * go by it (isPermissionDenied by it or the code), as do the CLI's hints;
   * only when the error also has this fact's code.
   */
  readonly kind: ErrorKind;
  /** A handler's error, whose text ZITADEL translates into the caller's language (the id stays). */
  readonly translated: boolean;
  /**
   * The usual fix, for the errors that have one (undefined otherwise). Where
   * the library has words for it, ZitadelError appends them to its message
   * (for "actInUsersOrg": pass the user's organization as orgId).
   */
  readonly remedy?: Remedy;
}

/** A set of facts by name; the name is how code refers to one (`v1Errors.userMetadataNotFound`). */
export function defineErrors<const K extends string>(facts: Record<K, ErrorFact>): Readonly<Record<K, ErrorFact>> {
  return Object.freeze(facts);
}
