/** How ZITADEL serves one of its API versions. */
export interface ApiVersionServing {
  readonly name: string;
  /** Whether a service (by type name) belongs to this version. */
  owns(serviceTypeName: string): boolean;
  /** The path prefix under which ZITADEL's REST gateway mounts the service ("" when its annotations are absolute). */
  restPrefix(serviceTypeName: string): string;
  /** Whether ZITADEL serves the Connect protocol for it (besides gRPC, gRPC-web and REST). */
  readonly servesConnect: boolean;
}

/** zitadel.management.v1.ManagementService, zitadel.auth.v1.AuthService, and the other v1 APIs. */
const v1ServiceName = /^zitadel\.([a-z0-9_]+)\.v1\.[A-Za-z0-9_]+$/;

/**
 * ZITADEL's v1 APIs: served over gRPC, gRPC-web and REST, not Connect; the
 * gateway mounts zitadel.<x>.v1.* at /<x>/v1 (their annotations carry no
 * prefix of their own).
 */
export const v1Serving: ApiVersionServing = {
  name: "v1",
  owns: (typeName) => v1ServiceName.test(typeName),
  restPrefix: (typeName) => {
    const match = v1ServiceName.exec(typeName);
    return match ? `/${match[1]}/v1` : "";
  },
  servesConnect: false,
};
