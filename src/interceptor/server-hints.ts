import type { ConnectError } from "@connectrpc/connect";
import { Code } from "@connectrpc/connect";
import { maxTimerMs } from "../core/deadline.js";
import { httpStatusKey } from "../zitadel/errors.js";

// What a failed answer says about when to try again: read by the retry
// interceptor and by the pacing interceptor.

/** Whether the server (or a proxy) said "too many requests": HTTP 429, or ResourceExhausted, or gRPC's mapping of a bare 429 to Unavailable. */
export function isTooMany(error: ConnectError): boolean {
  const status = (error as unknown as Record<symbol, unknown>)[httpStatusKey];
  if (status === 429) return true;
  if (error.code === Code.ResourceExhausted) return !/MaxBytes/.test(error.rawMessage);
  return error.code === Code.Unavailable && /\b429\b/.test(error.rawMessage);
}

/**
 * The delay the server asked for, in milliseconds: grpc-retry-pushback-ms
 * (gRPC's; negative or malformed means "do not retry"), else Retry-After
 * (seconds, or an HTTP date). Undefined when it asked for nothing.
 */
export function serverDelayMs(error: ConnectError): number | "never" | undefined {
  const pushback = error.metadata.get("grpc-retry-pushback-ms");
  if (pushback !== null) {
    const text = pushback.split(",")[0]!.trim();
    return /^\d{1,10}$/.test(text) ? Math.min(Number(text), maxTimerMs) : "never";
  }
  const retryAfter = error.metadata.get("retry-after");
  if (retryAfter === null) return undefined;
  const text = retryAfter.trim();
  if (/^\d{1,10}$/.test(text)) return Math.min(Number(text) * 1000, maxTimerMs);
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.min(Math.max(0, at - Date.now()), maxTimerMs);
}
