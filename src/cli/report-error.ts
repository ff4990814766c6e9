import { Code, ConnectError } from "@connectrpc/connect";
import { redact as redactSecrets, ZitadelError } from "../index.js";
import { hintFor } from "./hints.js";
import type { ConnectionSettings } from "./connection-args.js";
import { exitCodes } from "./io.js";
import { secretsOf } from "./open-client.js";

/**
 * One line for a failed call: the gRPC code, ZITADEL's message with its
 * error id (what people search for), and what usually fixes it.
 */
export function describeCallError(error: ZitadelError | ConnectError, connection: ConnectionSettings): string {
  const err = error instanceof ZitadelError ? error : ZitadelError.from(error);
  const id = err.id;
  const raw = err.rawMessage.replace(/\.+$/, "");
  const message = id !== undefined && !raw.includes(id) ? `${raw} (${id})` : raw;
  const hint = hintFor(err, connection);
  return `${Code[err.code] ?? "Unknown"}: ${message}${hint === undefined ? "" : `. Hint: ${hint}`}`;
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
export function reportFailure(
  command: string,
  error: unknown,
  connection: ConnectionSettings,
  err: (line: string) => void,
  prefix = "",
): number {
  if (error instanceof ZitadelError || error instanceof ConnectError) {
    err(redact(`zmeta ${command}: ${prefix}${describeCallError(error, connection)}`, connection));
    return exitCodes.failure;
  }
  throw error;
}
