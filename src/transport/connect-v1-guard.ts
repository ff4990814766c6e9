import type { Interceptor } from "@connectrpc/connect";
import { Code, ConnectError } from "@connectrpc/connect";
import { apiVersionOf } from "../zitadel/versions.js";

/** Whether ZITADEL withholds the Connect protocol from this service: its v1 APIs (v2 and later have it). */
export function isZitadelV1Service(typeName: string): boolean {
  return apiVersionOf(typeName)?.servesConnect === false;
}

/**
 * Marks the guard's refusals; registered, so the other copy of this package
 * (ESM beside CommonJS) recognises them too. (Not a subclass of ConnectError:
 * its static Symbol.hasInstance would make every ConnectError an instance of it.)
 */
const refusalBrand = Symbol.for("zitadel-metadata.connectV1Refusal");

/** Whether a call failed because the guard refused it (nothing reached the server). */
export function isConnectV1Refusal(e: unknown): boolean {
  return typeof e === "object" && e !== null && (e as Record<symbol, unknown>)[refusalBrand] === true;
}

/**
 * The interceptor of a gRPC-web transport with `useBinaryFormat: false`: a
 * call to an API whose gRPC server speaks binary only (ZITADEL's v1) fails
 * at once with Unimplemented, before anything is sent, instead of with the
 * server's Internal "cannot parse invalid wire-format data".
 */
export function createGrpcWebJsonGuard(): Interceptor {
  return (next) => async (req) => {
    if (apiVersionOf(req.service.typeName)?.servesGrpcJson !== false) return next(req);
    const refusal = new ConnectError(
      `${req.service.typeName}/${req.method.name}: ZITADEL's ${apiVersionOf(req.service.typeName)!.name} gRPC server takes binary messages only, ` +
        'so gRPC-web with JSON (useBinaryFormat: false) fails there. Drop useBinaryFormat: false, or use protocol "rest" for JSON.',
      Code.Unimplemented,
    );
    Object.defineProperty(refusal, refusalBrand, { value: true });
    throw refusal;
  };
}

/**
 * The interceptor of a Connect-protocol transport without `connectV1`: a call
 * to one of ZITADEL's v1 services fails at once with Unimplemented, before
 * anything is sent (no token is fetched either), since ZITADEL would answer
 * it with a REST 404. Calls to other services (v2) pass.
 */
export function createConnectV1Guard(): Interceptor {
  return (next) => async (req) => {
    if (!isZitadelV1Service(req.service.typeName)) return next(req);
    const refusal = new ConnectError(
      `${req.service.typeName}/${req.method.name}: ZITADEL does not serve its v1 APIs over the Connect protocol. ` +
        'Use protocol "grpc", "grpc-web" or "rest" for them (Connect reaches ZITADEL\'s v2 APIs). ' +
        "Only an emulator started with connectV1 serves Connect on v1; for one, pass connectV1: true to the transport.",
      Code.Unimplemented,
    );
    Object.defineProperty(refusal, refusalBrand, { value: true });
    throw refusal;
  };
}
