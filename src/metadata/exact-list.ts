import { Code, ConnectError } from "@connectrpc/connect";
import type { ListingRules, ListPage, StoredRow } from "../zitadel/metadata-port.js";

/** One list request: offset and limit (0 = every row, where the API version allows it). */
export type PageFn = (query: { offset: bigint; limit: number }) => Promise<ListPage>;

/** Offset passes tried after the first (and after a snapshot too large for one response) before giving up. */
export const maxExtraPasses = 24;

/**
 * Every entry of a ZITADEL list exactly once, or a clear error.
 *
 * ZITADEL's metadata lists page by offset, and v1's and v2's organization
 * lists have no ORDER BY (v2's user lists order by creation date, with ties
 * in any order), so offset pages can overlap or leave gaps when the row
 * order changes between two queries (a new query plan, a row written again,
 * another writer). Every page says how many rows match (total_result) and,
 * on v1, when the read model last changed (view_timestamp): while both stay
 * the same no write happened, so the pages show one fixed state. The listing
 * therefore:
 *
 * 1. pages by offset and yields each key the first time it is seen (never twice);
 * 2. is done when one query answered the whole list, or when, within one
 *    quiet stretch of pages, as many distinct keys were seen as the total
 *    says. Without a change marker (v2) a remove and an add between two
 *    pages would keep the count, so there the stretch must also show
 *    exactly `total` keys and survive one more pass that shows no new key;
 * 3. otherwise, where the API answers `limit: 0` with every row (v1), reads
 *    the whole list in that one query and yields the keys not seen yet;
 * 4. when that is too large (ZITADEL v1's gRPC server sends at most 10 MiB:
 *    ResourceExhausted) or not possible (v2), goes on paging until a quiet
 *    stretch covers its total, and fails with Code.Aborted if none does.
 *
 * A key that exists for the whole listing is yielded exactly once; its value
 * is the one of some moment during the listing. Keys added or removed while
 * the listing runs may or may not appear.
 */
export async function* listExactly(page: PageFn, pageSize: number, rules: ListingRules): AsyncGenerator<StoredRow> {
  const yielded = new Set<string>();
  const quiet = new QuietStretch();
  /** Pages through once; returns whether a single answer held the whole list. */
  const pass = async function* (): AsyncGenerator<StoredRow, boolean> {
    // More keys than counted in one stretch proves a change the count hid: without a marker, start a new stretch.
    if (!rules.changeMarker && quiet.overfull()) quiet.reset();
    let offset = 0n;
    for (let pages = 1; ; pages++) {
      const { rows, total, changeMarker } = await page({ offset, limit: pageSize });
      // Past the end ZITADEL answers no rows and a total of 0 (the count comes from the same query).
      if (rows.length === 0) return pages === 1;
      quiet.observe(total, changeMarker, rows);
      for (const row of rows) {
        if (yielded.has(row.key)) continue;
        yielded.add(row.key);
        yield row;
      }
      offset += BigInt(rows.length);
      // Trust the total, not the page length: a server may cap pages below pageSize.
      if (offset >= total) return pages === 1;
    }
  };
  const done = async function* (): AsyncGenerator<StoredRow, boolean> {
    if (!quiet.complete()) return false;
    if (rules.changeMarker) return true;
    // No marker: only a stretch of exactly `total` keys that one more pass confirms.
    if (!quiet.exact()) return false;
    const seen = quiet.size;
    yield* pass();
    return quiet.exact() && quiet.size === seen;
  };

  if (yield* pass()) return;
  if (yield* done()) return;

  if (rules.wholeListQuery) {
    let snapshot: StoredRow[] | undefined;
    try {
      snapshot = (await page({ offset: 0n, limit: 0 })).rows;
    } catch (e) {
      if (ConnectError.from(e).code !== Code.ResourceExhausted) throw e;
    }
    if (snapshot !== undefined) {
      for (const row of snapshot) if (!yielded.has(row.key)) yield row;
      return;
    }
  }

  for (let extra = 1; extra <= maxExtraPasses; extra++) {
    if (yield* pass()) return;
    if (yield* done()) return;
  }
  throw new ConnectError(
    `list(): ZITADEL returned its rows in a different order on every page (or they kept changing), and the whole ` +
      `list does not fit in one answer${rules.wholeListQuery ? " (10 MiB)" : ` (${rules.maxPageSize} rows)`}; after ${maxExtraPasses + 1} passes ` +
      `${quiet.size} distinct keys were seen of the ${quiet.total} the server counts. Narrow the listing with "prefix" or "query" and try again.`,
    Code.Aborted,
  );
}

/** The keys seen since the list last changed (a new total or change marker). */
class QuietStretch {
  private marker: string | undefined;
  private readonly keys = new Set<string>();
  total = 0n;

  get size(): number {
    return this.keys.size;
  }

  observe(total: bigint, changeMarker: string | undefined, rows: readonly StoredRow[]): void {
    const marker = `${total}@${changeMarker ?? ""}`;
    if (marker !== this.marker) {
      this.marker = marker;
      this.total = total;
      this.keys.clear();
    }
    for (const row of rows) this.keys.add(row.key);
  }

  /** Whether the stretch holds more keys than counted: it spans more than one state. */
  overfull(): boolean {
    return this.marker !== undefined && BigInt(this.keys.size) > this.total;
  }

  reset(): void {
    this.marker = undefined;
    this.keys.clear();
  }

  /** Whether one unchanged state was seen whole (an empty list counts as seen). */
  complete(): boolean {
    return this.marker === undefined || BigInt(this.keys.size) >= this.total;
  }

  /** Whether the stretch shows exactly as many keys as the total: no more than one state can hold. */
  exact(): boolean {
    return this.marker === undefined || BigInt(this.keys.size) === this.total;
  }
}
