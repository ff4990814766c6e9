// Our transport factories take connect's options and ours in one object; the
// options connect's own factories get are that object without ours. One
// place decides which names those are, so the four factories cannot drift.
import type { DistributiveOmit, Keys, OwnOptionKey } from "./options.js";

/**
 * Our own option names that connect must not see. `baseUrl` and
 * `interceptors` are connect's names too (the factories pass their own
 * values), and `defaultTimeoutMs` is applied by withDeadlines.
 */
const ownOnly = ["protocol", "auth", "orgId", "allowInsecure", "connectV1", "retry"] as const satisfies readonly OwnOptionKey[];

type OwnOnly = (typeof ownOnly)[number];

/**
 * A copy of `options` without our own options and without `alsoDrop` (options
 * of one protocol that its connect factory takes differently or not at all,
 * e.g. grpc's `fetch`). Per member of a union, so `httpVersion` still
 * tells which connection options the rest has.
 */
export function withoutOwnOptions<T extends object, K extends Keys<T> = never>(options: T, ...alsoDrop: K[]): DistributiveOmit<T, OwnOnly | K> {
  const copy: Record<PropertyKey, unknown> = { ...(options as Record<PropertyKey, unknown>) };
  for (const key of [...ownOnly, ...alsoDrop]) delete copy[key as PropertyKey];
  return copy as DistributiveOmit<T, OwnOnly | K>;
}
