import type { ErrorFact } from "./error-fact.js";
import { sharedErrors } from "./shared-errors.js";
import { v1Errors } from "./v1/errors.js";
import { v2Errors } from "./v2/errors.js";
import type { ApiVersionServing } from "./api-version.js";
import { v1Serving } from "./v1/services.js";
import { v2Serving } from "./v2/services.js";

export type { ApiVersionServing } from "./api-version.js";

/**
 * The registry of ZITADEL API versions: the only module that imports the
 * version folders. A new version adds its folder and one entry here.
 */
const errorSets: readonly Readonly<Record<string, ErrorFact>>[] = [sharedErrors, v1Errors, v2Errors];
const servings: readonly ApiVersionServing[] = [v1Serving, v2Serving];

/** The API version a service (by type name) belongs to, or undefined for a service that is not ZITADEL's. */
export function apiVersionOf(serviceTypeName: string): ApiVersionServing | undefined {
  return servings.find((v) => v.owns(serviceTypeName));
}

/**
 * The REST gateway's path prefix for a service: /management/v1 for
 * ManagementService, "" for a v2 service (its annotations carry /v2/...
 * themselves) and for one that is not ZITADEL's.
 */
export function restPrefixOf(serviceTypeName: string): string {
  return apiVersionOf(serviceTypeName)?.restPrefix(serviceTypeName) ?? "";
}

/** Every known error id, once. */
const errorsById: ReadonlyMap<string, ErrorFact> = (() => {
  const byId = new Map<string, ErrorFact>();
  for (const set of errorSets) {
    for (const fact of Object.values(set)) {
      if (byId.has(fact.id)) throw new Error(`the error id ${fact.id} is catalogued twice`);
      byId.set(fact.id, fact);
    }
  }
  return byId;
})();

/** What the catalogue knows about an error id, or undefined for an id it does not know (or none). */
export function errorFact(id: string | undefined): ErrorFact | undefined {
  return id === undefined ? undefined : errorsById.get(id);
}

/** Every catalogued error, for tests and docs. */
export function allErrorFacts(): ErrorFact[] {
  return [...errorsById.values()];
}

/** The message size limits of a service's API version (undefined: none, or not ZITADEL's service). */
export function messageLimitsOf(serviceTypeName: string): ApiVersionServing["messageLimits"] {
  return apiVersionOf(serviceTypeName)?.messageLimits;
}

/** Whether an RPC may be repeated after a failure by its API version's semantics; false for a service that is not ZITADEL's. */
export function isSafeToRetry(serviceTypeName: string, methodName: string): boolean {
  return apiVersionOf(serviceTypeName)?.safeToRetry(serviceTypeName, methodName) ?? false;
}

/**
 * The error ids with which a remove RPC answers when what it removes is
 * already gone (a repeated remove whose first attempt was applied); empty
 * for an RPC that is not a remove, or a service that is not ZITADEL's.
 */
export function goneIdsOf(serviceTypeName: string, methodName: string): readonly string[] {
  return apiVersionOf(serviceTypeName)?.goneIds(serviceTypeName, methodName) ?? [];
}
