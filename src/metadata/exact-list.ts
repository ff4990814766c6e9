import { Code, ConnectError } from "@connectrpc/connect";
import type { Metadata } from "../../gen/zitadel/metadata_pb.js";
import type { ListDetails } from "../../gen/zitadel/object_pb.js";
import type { Timestamp } from "@bufbuild/protobuf/wkt";

/** One list request: offset and limit (0 = every row). */
export type ListPage = (query: { offset: bigint; limit: number }) => Promise<{ details?: ListDetails; result: Metadata[] }>;

/** Offset passes tried, after a snapshot too large for one response, before giving up. */
export const maxExtraPasses = 24;

/**
 * Every entry of a ZITADEL v1 list exactly once, or a clear error.
 *
 * ZITADEL's v1 metadata lists have no ORDER BY, so offset pages can overlap
 * or leave gaps when the row order changes between two queries (a new
 * query plan, a row written again, another writer). Every page says how
 * many rows match (total_result) and when the read model last changed
 * (view_timestamp); while both stay the same, no write happened, so the
 * pages show one fixed state. The listing therefore:
 *
 * 1. pages by offset and yields each key the first time it is seen (never twice);
 * 2. is done when, within one such quiet stretch of pages, as many distinct
 *    keys were seen as the total says: every row of that state was seen;
 * 3. otherwise reads the whole list in one `limit: 0` query, one consistent
 *    snapshot, and yields the keys not seen yet;
 * 4. when that one answer is too large (ZITADEL's gRPC server sends at most
 *    10 MiB: ResourceExhausted), goes on paging until a quiet stretch covers
 *    its total, and fails with Code.Aborted if none does.
 *
 * A key that exists for the whole listing is yielded exactly once; its value
 * is the one of some moment during the listing. Keys added or removed while
 * the listing runs may or may not appear.
 */
export async function* listExactly(page: ListPage, pageSize: number): AsyncGenerator<Metadata> {
  const yielded = new Set<string>();
  const quiet = new QuietStretch();
  const pass = async function* (): AsyncGenerator<Metadata> {
    let offset = 0n;
    for (;;) {
      const { details, result } = await page({ offset, limit: pageSize });
      // Past the end ZITADEL answers no rows and a total of 0 (the count comes from the same query).
      if (result.length === 0) return;
      const total = details?.totalResult ?? 0n;
      quiet.observe(total, details?.viewTimestamp, result);
      for (const m of result) {
        if (yielded.has(m.key)) continue;
        yielded.add(m.key);
        yield m;
      }
      offset += BigInt(result.length);
      // Trust the total, not the page length: a server may cap pages below pageSize.
      if (offset >= total) return;
    }
  };

  yield* pass();
  if (quiet.complete()) return;

  let snapshot: Metadata[] | undefined;
  try {
    snapshot = (await page({ offset: 0n, limit: 0 })).result;
  } catch (e) {
    if (ConnectError.from(e).code !== Code.ResourceExhausted) throw e;
  }
  if (snapshot !== undefined) {
    for (const m of snapshot) if (!yielded.has(m.key)) yield m;
    return;
  }

  for (let extra = 1; extra <= maxExtraPasses; extra++) {
    yield* pass();
    if (quiet.complete()) return;
  }
  throw new ConnectError(
    `list(): ZITADEL returned its rows in a different order on every page (or they kept changing), and the whole ` +
      `list is larger than one response may be (10 MiB); after ${maxExtraPasses + 1} passes ${quiet.size} distinct keys ` +
      `were seen of the ${quiet.total} the server counts. Narrow the listing with "prefix" or "query" and try again.`,
    Code.Aborted,
  );
}

/** The keys seen since the list last changed (a new total or view timestamp). */
class QuietStretch {
  private marker: string | undefined;
  private readonly keys = new Set<string>();
  total = 0n;

  get size(): number {
    return this.keys.size;
  }

  observe(total: bigint, viewTimestamp: Timestamp | undefined, rows: readonly Metadata[]): void {
    const marker = `${total}@${viewTimestamp?.seconds ?? ""}.${viewTimestamp?.nanos ?? ""}`;
    if (marker !== this.marker) {
      this.marker = marker;
      this.total = total;
      this.keys.clear();
    }
    for (const m of rows) this.keys.add(m.key);
  }

  /** Whether one unchanged state was seen whole (an empty list counts as seen). */
  complete(): boolean {
    return this.marker === undefined || BigInt(this.keys.size) >= this.total;
  }
}
