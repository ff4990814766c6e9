/**
 * Ways in which a real ZITADEL is more awkward than its default behaviour
 * here, for tests that want to prove a client copes. All are off by
 * default; the emulator reads them per request, so a test may switch them
 * while the emulator runs.
 */
export interface Quirks {
  /**
   * "storage" (the default, as ZITADEL with a stable query plan): list rows
   * come in storage order, a row that is written again moving to the end.
   * "changing": every list query returns its rows in a new random order, as
   * after a changed query plan, so offset paging sees some rows twice and
   * others never. v2 user lists stay ordered by creation date, but rows
   * created by one Set (the same moment) come in a new order per query.
   */
  listOrder: "storage" | "changing";
  /**
   * "en" (the default): error texts as ZITADEL.md lists them. "pseudo": the
   * texts of the handlers' errors (QUERY-*, META-*, COMMAND-*) are
   * "translated" into a pseudo-language, as ZITADEL translates them into the
   * caller's language; the "(ID)" suffix and the ErrorDetail id stay.
   */
  errorLanguage: "en" | "pseudo";
  /**
   * ZITADEL v4.11.0 to v4.13.1's error-conversion bug: validation failures
   * and "auth header missing" arrive as code Unknown with the message
   * "rpc error: code = InvalidArgument desc = <text> ()", an ErrorDetail with
   * an empty id, and HTTP 500 over REST.
   */
  errorConversionBug: boolean;
}

export const defaultQuirks: Quirks = { listOrder: "storage", errorLanguage: "en", errorConversionBug: false };

/** The quirks with defaults filled in; throws naming a bad value. */
export function resolveQuirks(given: Partial<Quirks> | undefined, where: string): Quirks {
  const quirks = { ...defaultQuirks, ...stripUndefined(given ?? {}) };
  if (quirks.listOrder !== "storage" && quirks.listOrder !== "changing") {
    throw new TypeError(`${where}: "listOrder" must be "storage" or "changing", got ${JSON.stringify(quirks.listOrder)}.`);
  }
  if (quirks.errorLanguage !== "en" && quirks.errorLanguage !== "pseudo") {
    throw new TypeError(`${where}: "errorLanguage" must be "en" or "pseudo", got ${JSON.stringify(quirks.errorLanguage)}.`);
  }
  if (typeof quirks.errorConversionBug !== "boolean") {
    throw new TypeError(`${where}: "errorConversionBug" must be true or false.`);
  }
  return quirks;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
