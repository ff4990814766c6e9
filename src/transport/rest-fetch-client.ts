// An HTTP client (connect's UniversalClientFn) on fetch, for the REST
// transport: in browsers, and in Node when a fetch is given. Browser-safe:
// nothing in its import graph may reach node:*.
import type { UniversalClientFn } from "@connectrpc/connect/protocol";
import { universalClientResponseFromFetch } from "@connectrpc/connect/protocol";

export interface FetchHttpClientOptions {
  /** A fetch implementation; by default the global one, looked up per call. */
  fetch?: typeof globalThis.fetch;
  /** Fetch's credentials mode; the fetch default applies when unset. */
  credentials?: RequestCredentials;
}

/**
 * A UniversalClientFn that sends each request with one fetch call. The
 * request body is collected into one buffer first: neither browsers nor
 * Node 20's fetch can stream a request body (Node's asks for `duplex`), and
 * REST bodies are single JSON documents anyway. Redirects are not followed
 * (`redirect: "manual"`): a browser then answers with status 0, Node with
 * the 3xx itself; the REST transport reports either.
 */
export function createFetchHttpClient(options: FetchHttpClientOptions = {}): UniversalClientFn {
  const { credentials } = options;
  // The global fetch is looked up per call (so a polyfill or test stub installed later is used)
  // and called as a plain function: browsers reject it when `this` is not the global object.
  const fetchFn = options.fetch ?? ((input: string, init: RequestInit) => globalThis.fetch(input, init));
  return async (request) => {
    const body = request.body === undefined ? undefined : await collectBytes(request.body);
    const response = await fetchFn(request.url, {
      method: request.method,
      headers: request.header,
      body,
      signal: request.signal,
      redirect: "manual",
      ...(credentials === undefined ? {} : { credentials }),
    });
    return universalClientResponseFromFetch(response);
  };
}

/** All chunks of a body in one new buffer. */
export function collectBytes(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array<ArrayBuffer>>;
/**
 * All chunks of a body in one new buffer, or undefined once they add up to
 * more than `maxBytes`; the body is then ended rather than read to its end,
 * so that its connection is not held.
 */
export function collectBytes(chunks: AsyncIterable<Uint8Array>, maxBytes: number): Promise<Uint8Array<ArrayBuffer> | undefined>;
export async function collectBytes(chunks: AsyncIterable<Uint8Array>, maxBytes = Number.POSITIVE_INFINITY): Promise<Uint8Array<ArrayBuffer> | undefined> {
  const parts: Uint8Array[] = [];
  let length = 0;
  const iterator = chunks[Symbol.asyncIterator]();
  for (let next = await iterator.next(); next.done !== true; next = await iterator.next()) {
    length += next.value.byteLength;
    if (length > maxBytes) {
      // connect-node's response bodies end on throw(), fetch's on return() or throw().
      try {
        await (iterator.return === undefined ? iterator.throw?.(new Error(`body exceeds ${maxBytes} bytes`)) : iterator.return());
      } catch {
        // throw() rethrows the reason it was given; the body has ended either way.
      }
      return undefined;
    }
    parts.push(next.value);
  }
  const bytes = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.byteLength;
  }
  return bytes;
}
