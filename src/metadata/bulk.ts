import { ConnectError } from "@connectrpc/connect";
import type { BatchRules } from "../zitadel/metadata-port.js";
import { ZitadelConfigError } from "../core/config-error.js";

/** Limits for splitting a bulk operation into requests. */
export interface BulkOptions {
  /**
   * Most entries in one request. Default: 500 on v1 (one event per entry
   * in one transaction); no limit but bytes on v2.
   */
  maxEntriesPerRequest?: number;
  /**
   * Most bytes (keys + values + framing) in one request. Default 3 MiB,
   * leaving headroom under gRPC's default 4 MiB message limit.
   */
  maxBytesPerRequest?: number;
  /** Requests in flight at once. Default 4. */
  concurrency?: number;
  /**
   * At most this many requests per second, evenly spaced, for the whole
   * operation (e.g. 45 under ZITADEL Cloud's 50 per second). Default: no pacing.
   */
  rate?: number;
}

/** Requests in flight at once unless told otherwise. */
export const defaultConcurrency = 4;

/**
 * The limits with the API version's defaults filled in; a limit that is not
 * a positive whole number throws, naming it (a NaN would otherwise start no
 * request at all and still report success).
 */
export function resolveBulkOptions(
  options: BulkOptions,
  method: string,
  batching: BatchRules,
): Required<Omit<BulkOptions, "rate">> & Pick<BulkOptions, "rate"> {
  const { maxEntriesPerRequest, maxBytesPerRequest } = batching;
  checkRate(options.rate, method);
  const resolved = { maxEntriesPerRequest, maxBytesPerRequest, concurrency: defaultConcurrency, ...stripUndefined(options), rate: options.rate };
  for (const name of ["maxEntriesPerRequest", "maxBytesPerRequest", "concurrency"] as const) {
    const value = resolved[name];
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new ZitadelConfigError({
        code: "ERR_INVALID_OPTION",
        option: name,
        entry: `${method}()`,
        problem: `option "${name}" must be a whole number of at least 1, got ${String(value)}.`,
      });
    }
  }
  return resolved;
}

/** A rate must be a positive number of requests per second. */
export function checkRate(rate: unknown, method: string): void {
  if (rate !== undefined && !(typeof rate === "number" && Number.isFinite(rate) && rate > 0)) {
    throw new ZitadelConfigError({
      code: "ERR_INVALID_OPTION",
      option: "rate",
      entry: `${method}()`,
      problem: `option "rate" must be a positive number of requests per second, got ${String(rate)}.`,
    });
  }
}

function stripUndefined(options: BulkOptions): BulkOptions {
  return Object.fromEntries(
    (["maxEntriesPerRequest", "maxBytesPerRequest", "concurrency"] as const).filter((name) => options[name] !== undefined).map((name) => [name, options[name]]),
  );
}

/**
 * Splits items into batches so that no batch has more than maxEntries items or
 * more than maxBytes bytes by `sizeOf`. An item larger than maxBytes on its
 * own still gets a batch of its own (the server will judge it).
 */
export function splitIntoBatches<T>(items: readonly T[], sizeOf: (item: T) => number, maxEntries: number, maxBytes: number): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = sizeOf(item);
    if (current.length > 0 && (current.length >= maxEntries || bytes + size > maxBytes)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/**
 * Runs task over every batch with at most `concurrency` in flight. On the
 * first failure no new batch starts; the error is thrown once the batches in
 * flight have settled, so the caller knows exactly which ones completed.
 */
export async function runBatches<T, R>(
  batches: readonly T[],
  concurrency: number,
  task: (batch: T, index: number) => Promise<R>,
  signal?: AbortSignal,
): Promise<R[]> {
  const results: R[] = new Array(batches.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (failure === undefined && next < batches.length) {
      if (signal?.aborted) {
        failure = { error: ConnectError.from(signal.reason) };
        return;
      }
      const index = next++;
      try {
        results[index] = await task(batches[index]!, index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, batches.length)) }, worker));
  if (failure) throw failure.error;
  return results;
}
