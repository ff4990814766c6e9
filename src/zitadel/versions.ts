import type { ErrorFact } from "./error-fact.js";
import { sharedErrors } from "./shared-errors.js";
import { v1Errors } from "./v1/errors.js";

/**
 * The registry of ZITADEL API versions: the only module that imports the
 * version folders. A new version adds its folder and one entry here.
 */
const errorSets: readonly Readonly<Record<string, ErrorFact>>[] = [sharedErrors, v1Errors];

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
