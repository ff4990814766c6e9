import { Code, ConnectError } from "@connectrpc/connect";
import type { Metadata } from "../../gen/zitadel/metadata_pb.js";
import type { ListDetails } from "../../gen/zitadel/object_pb.js";

/** One list request: offset and limit (0 = every row). */
export type ListPage = (query: { offset: bigint; limit: number }) => Promise<{ details?: ListDetails; result: Metadata[] }>;

/** Offset passes tried, after a snapshot too large for one response, before giving up. */
export const maxExtraPasses = 24;

/**
 * Every entry of a ZITADEL v1 list exactly once, or a clear error.
 *
 * ZITADEL's v1 metadata lists have no ORDER BY, so offset pages can overlap
 * or leave gaps when the row order changes between two queries (a new
 * query plan, a row written again, another writer). The listing therefore:
 *
 * 1. pages by offset and yields each key the first time it is seen (never twice);
 * 2. checks the keys seen against total_result: when every page reported the
 *    same total and that many distinct keys were seen, nothing was missed;
 * 3. otherwise reads the whole list in one `limit: 0` query, one consistent
 *    snapshot, and yields the keys not seen yet;
 * 4. when that one answer is too large (ZITADEL's gRPC server sends at most
 *    10 MiB: ResourceExhausted), repeats offset passes until the keys seen
 *    cover a stable total, and fails with Code.Aborted if they never do.
 *
 * A key that exists for the whole listing is yielded exactly once; its value
 * is the one of some moment during the listing. Keys added or removed while
 * the listing runs may or may not appear.
 */
export async function* listExactly(page: ListPage, pageSize: number): AsyncGenerator<Metadata> {
  const seen = new Set<string>();
  const fresh = (rows: Metadata[]) => rows.filter((m) => !seen.has(m.key) && seen.add(m.key));

  let outcome = yield* freshRowsOf(offsetPass(page, pageSize), fresh);
  if (outcome.stable && seen.size === outcome.total) return;

  let snapshot: Metadata[] | undefined;
  try {
    snapshot = (await page({ offset: 0n, limit: 0 })).result;
  } catch (e) {
    if (ConnectError.from(e).code !== Code.ResourceExhausted) throw e;
  }
  if (snapshot !== undefined) {
    yield* fresh(snapshot);
    return;
  }

  for (let extra = 1; extra <= maxExtraPasses; extra++) {
    outcome = yield* freshRowsOf(offsetPass(page, pageSize), fresh);
    if (outcome.stable && seen.size >= outcome.total) return;
  }
  throw new ConnectError(
    `list(): ZITADEL returned its rows in a different order on every page, and the whole list is larger than one ` +
      `response may be (10 MiB); after ${maxExtraPasses + 1} passes ${seen.size} distinct keys were seen of the ` +
      `${outcome.total} the server counts. Narrow the listing with "prefix" or "query" and try again.`,
    Code.Aborted,
  );
}

interface PassOutcome {
  /** The total the last non-empty page reported (0 for an empty list). */
  total: number;
  /** Whether every page reported the same total. */
  stable: boolean;
}

/** The rows of a pass that `fresh` keeps, one by one; returns what the pass returns. */
async function* freshRowsOf(
  pass: AsyncGenerator<Metadata[], PassOutcome>,
  fresh: (rows: Metadata[]) => Metadata[],
): AsyncGenerator<Metadata, PassOutcome> {
  for (;;) {
    const next = await pass.next();
    if (next.done) return next.value;
    yield* fresh(next.value);
  }
}

/** One pass of offset pages; yields each page's rows and returns the totals it saw. */
async function* offsetPass(page: ListPage, pageSize: number): AsyncGenerator<Metadata[], PassOutcome> {
  let offset = 0n;
  let total: bigint | undefined;
  let stable = true;
  for (;;) {
    const { details, result } = await page({ offset, limit: pageSize });
    // Past the end ZITADEL answers no rows and a total of 0 (the count comes from the same query).
    if (result.length === 0) break;
    const pageTotal = details?.totalResult ?? 0n;
    if (total !== undefined && pageTotal !== total) stable = false;
    total = pageTotal;
    yield result;
    offset += BigInt(result.length);
    // Trust the total, not the page length: a server may cap pages below pageSize.
    if (offset >= total) break;
  }
  return { total: Number(total ?? 0n), stable };
}
