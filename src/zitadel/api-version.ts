/** How ZITADEL serves one of its API versions. Each version folder (v1/, v2/) provides one. */
export interface ApiVersionServing {
  readonly name: string;
  /** Whether a service (by type name) belongs to this version. */
  owns(serviceTypeName: string): boolean;
  /** The path prefix under which ZITADEL's REST gateway mounts the service ("" when its annotations are absolute). */
  restPrefix(serviceTypeName: string): string;
  /** Whether ZITADEL serves the Connect protocol for it (besides gRPC, gRPC-web and REST). */
  readonly servesConnect: boolean;
  /** Whether its gRPC and gRPC-web endpoints take JSON messages (application/grpc+json, grpc-web+json) besides binary. */
  readonly servesGrpcJson: boolean;
  /** The largest request message its servers take and the largest response they send; undefined for none (connect-go sets no limit). */
  readonly messageLimits: { readonly maxRequestBytes: number; readonly maxResponseBytes: number } | undefined;
  /**
   * Whether repeating this RPC after a failure cannot change the outcome by
   * ZITADEL's semantics (reads; writes that set a value): what a retry policy
   * may repeat without asking. Removes are not: a repeated remove whose first
   * attempt was applied fails as "not found".
   */
  safeToRetry(serviceTypeName: string, methodName: string): boolean;
  /**
   * The error ids with which this RPC, a remove, answers when what it removes
   * is already gone: what a repeated remove whose first attempt was applied
   * fails with. Empty for an RPC that is not a remove.
   */
  goneIds(serviceTypeName: string, methodName: string): readonly string[];
}
