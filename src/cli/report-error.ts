import { Code, ConnectError } from "@connectrpc/connect";
import { redact as redactSecrets } from "../auth/conceal.js";
import { isTokenFailure, ZitadelError } from "../errors.js";
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
  const hint = (id === undefined ? undefined : idHint(id, connection)) ?? codeHint(err, connection);
  return `${Code[err.code] ?? "Unknown"}: ${message}${hint === undefined ? "" : `. Hint: ${hint}`}`;
}

function idHint(id: string, connection: ConnectionSettings): string | undefined {
  switch (id) {
    case "COMMAND-uXHNj":
      return "is the user in another organization? pass that organization's id with --org-id (or ZITADEL_ORG_ID)";
    case "AUTHZ-cdgFk":
      return (
        "the caller has no role in this organization: grant it one (such as ORG_USER_MANAGER or ORG_OWNER), " +
        "or pass --org-id of an organization where it has one"
      );
    case "AUTH-5mWD2":
      return (
        "the caller's role does not allow this: user metadata needs a role such as ORG_USER_MANAGER or ORG_OWNER " +
        "(ORG_OWNER_VIEWER to read), org metadata ORG_SETTINGS_MANAGER or ORG_OWNER"
      );
    case "AUTH-7fs1e":
      return connection.auth.kind === "token"
        ? `the token (${connection.auth.source}) is invalid, revoked or expired: create a new one`
        : `ZITADEL refused the token obtained with ${connection.auth.source}: was the key or secret revoked, or does --url name another instance?`;
    case "AUTH-Bs7Ds":
    case "COMMAND-QXPGs":
      return "no organization has the id given by --org-id (or ZITADEL_ORG_ID)";
    default:
      return undefined;
  }
}

/** A hint from the code alone: ZITADEL's texts are translated, so none is read. */
function codeHint(err: ZitadelError, connection: ConnectionSettings): string | undefined {
  switch (err.code) {
    case Code.Unavailable:
      return `cannot reach ${connection.url}: check --url (or ZITADEL_URL) and that ZITADEL is running`;
    case Code.DeadlineExceeded:
      return `no answer within ${connection.timeoutMs} ms: check --url (or ZITADEL_URL), or allow more time with --timeout`;
    case Code.Unimplemented:
      return connection.connectV1
        ? "the server does not serve Connect on its v1 APIs: --connect-v1 works only with an emulator started with --connect-v1; use --protocol grpc, grpc-web or rest for ZITADEL"
        : `the server does not offer this over --protocol ${connection.protocol}; ZITADEL serves its v1 API over grpc, grpc-web and rest`;
    case Code.Unauthenticated:
      return isTokenFailure(err) ? `check ${connection.auth.source}` : undefined;
    case Code.PermissionDenied:
      return "the caller lacks a role in this organization that allows this";
    default:
      return undefined;
  }
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
