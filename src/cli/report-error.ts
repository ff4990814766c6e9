import { Code, ConnectError } from "@connectrpc/connect";
import { connectionFailureOf, redact as redactSecrets, ZitadelError } from "../index.js";
import { hintFor } from "./hints.js";
import type { ConnectionSettings } from "./connection-args.js";
import { exitCodes } from "./io.js";
import { secretsOf } from "./open-client.js";

/**
 * One line for a failed call: the gRPC code, ZITADEL's message with its
 * error id (what people search for), and what usually fixes it.
 */
export function describeCallError(error: ZitadelError | ConnectError, connection: ConnectionSettings): string {
  const err = asUnavailable(error instanceof ZitadelError ? error : ZitadelError.from(error));
  const id = err.id;
  const failure = connectionFailureOf(err);
  // A failure to connect: the reason in one line, the fix in the CLI's flags (the library's fix names its options).
  const raw = failure !== undefined ? failure.reason : err.rawMessage.replace(/\.+$/, "");
  const message = id !== undefined && !raw.includes(id) ? `${raw} (${id})` : raw;
  const hint = hintFor(err, connection);
  return `${Code[err.code] ?? "Unknown"}: ${message}${hint === undefined ? "" : `. Hint: ${hint}`}`;
}

/**
 * A connection that broke under a call is Unavailable, whatever the protocol
 * made of it: over HTTP/2 a dying server's streams end as Canceled, over
 * HTTP/1.1 a reset socket comes as Aborted, where REST says Unavailable. So
 * the message and the hint are the same on every protocol. By code and cause
 * only: a Canceled that ZITADEL did not send (no error id) and the CLI did not
 * ask for (it cancels only when interrupted, and reports that itself), or an
 * error caused by a socket error code.
 */
function asUnavailable(err: ZitadelError): ZitadelError {
  if (err.id !== undefined || err.code === Code.Unavailable) return err;
  const lost = err.code === Code.Canceled || socketErrorIn(err);
  if (!lost) return err;
  return ZitadelError.from(
    new ConnectError(`the connection broke before the answer came (${err.rawMessage.replace(/\.+$/, "")})`, Code.Unavailable, undefined, undefined, err),
  );
}

/** Whether the error, or what caused it, is a socket's failure (ECONNRESET, EPIPE, an HTTP/2 session error…). */
function socketErrorIn(e: unknown): boolean {
  for (let c: unknown = e, depth = 0; c instanceof Error && depth < 8; c = c.cause, depth++) {
    const code = (c as NodeJS.ErrnoException).code;
    if (
      typeof code === "string" &&
      (/^E[A-Z]+$/.test(code) || code.startsWith("ERR_HTTP2_") || code.startsWith("UND_ERR_SOCKET") || code === "ERR_STREAM_PREMATURE_CLOSE")
    ) {
      return true;
    }
  }
  return false;
}

/** Replaces every credential in a line; error messages are not trusted to leave them out. */
export function redact(line: string, connection: ConnectionSettings | undefined): string {
  return connection === undefined ? line : redactSecrets(line, secretsOf(connection.auth));
}

/**
 * What a command prints and returns when a call fails: ZITADEL's refusal or
 * a network failure is one line and exit 1. Anything else is a bug and is
 * rethrown, so main() shows its stack.
 */
export function reportFailure(command: string, error: unknown, connection: ConnectionSettings, err: (line: string) => void, prefix = ""): number {
  if (error instanceof ZitadelError || error instanceof ConnectError) {
    err(redact(`zmeta ${command}: ${prefix}${describeCallError(error, connection)}`, connection));
    return exitCodes.failure;
  }
  throw error;
}
