import { Code } from "@connectrpc/connect";
import type { ConnectionFailure, ErrorKind, MetadataApiName, ZitadelError, ZitadelProtocol } from "../index.js";
import { connectionFailureOf, isTokenFailure } from "../index.js";

/** What a hint may point at: the flags of the command that failed. */
export interface HintContext {
  url: string;
  protocol: ZitadelProtocol;
  /** The API the call went to; undefined is v1. */
  api?: MetadataApiName;
  timeoutMs: number;
  /** --connect-v1 was given: Connect on the v1 APIs, which only an opted-in emulator serves. */
  connectV1?: boolean;
  /** How the command authenticates; undefined when it did not say (the demo's own emulator). */
  auth?: { kind: "token" | "key-file" | "client-credentials"; source: string };
}

/**
 * What usually fixes a failed call, in the CLI's words (with its flags), from
 * the error catalogue's kind of the error, else from its code. Never from
 * the message text: ZITADEL translates it.
 */
export function hintFor(err: ZitadelError, ctx: HintContext): string | undefined {
  const failure = connectionFailureOf(err);
  if (failure !== undefined) return connectionHint(failure, ctx);
  const kind = err.fact?.code === err.code ? err.fact.kind : undefined;
  return (kind === undefined ? undefined : kindHint(kind, ctx)) ?? codeHint(err, ctx);
}

/** What fixes a failure to connect, with the CLI's flags (the library's message names its options). */
function connectionHint(f: ConnectionFailure, ctx: HintContext): string {
  switch (f.kind) {
    case "tls-to-plain":
      return "use http:// in --url (or ZITADEL_URL), or the port where it serves https://";
    case "plain-to-tls":
      return "if it serves TLS, use https:// in --url (or ZITADEL_URL)";
    case "certificate":
      return "pass the CA certificate (PEM) with --ca FILE (or ZITADEL_CA), or set NODE_EXTRA_CA_CERTS=FILE";
    case "dns":
      return "check the host in --url (or ZITADEL_URL) and the network's DNS";
    case "refused":
      // Also what a server that stopped mid-command leaves: the same hint as any other Unavailable.
      return `cannot reach ${ctx.url}: check --url (or ZITADEL_URL) and that ZITADEL is running`;
    case "no-answer":
      return "check the host and port in --url (or ZITADEL_URL), and that this machine may reach them";
    case "not-zitadel":
      return "--url must be the instance's origin, such as https://acme.zitadel.cloud (no path)";
  }
}

function kindHint(kind: ErrorKind, ctx: HintContext): string | undefined {
  switch (kind) {
    case "userNotFound":
      // v1 looks for the user in the context organization only; v2 wherever it is.
      return ctx.api === "v2"
        ? "no user has this id (v2 finds users in every organization)"
        : "is the user in another organization? pass that organization's id with --org-id (or ZITADEL_ORG_ID)";
    case "membershipNotFound":
      return (
        "the caller has no role in this organization: grant it one (such as ORG_USER_MANAGER or ORG_OWNER), " +
        "or pass --org-id of an organization where it has one"
      );
    case "permissionMissing":
      return (
        "the caller's role does not allow this: user metadata needs a role such as ORG_USER_MANAGER or ORG_OWNER " +
        "(ORG_OWNER_VIEWER to read), org metadata ORG_SETTINGS_MANAGER or ORG_OWNER"
      );
    case "tokenInvalid":
      if (ctx.auth === undefined) return "the token is invalid, revoked or expired";
      return ctx.auth.kind === "token"
        ? `the token (${ctx.auth.source}) is invalid, revoked or expired: create a new one`
        : `ZITADEL refused the token obtained with ${ctx.auth.source}: was the key or secret revoked, or does --url name another instance?`;
    case "orgHeaderUnknown":
    case "orgNotFound":
      return "no organization has the id given by --org-id (or ZITADEL_ORG_ID)";
    default:
      return undefined;
  }
}

function codeHint(err: ZitadelError, ctx: HintContext): string | undefined {
  switch (err.code) {
    case Code.Unavailable:
      return `cannot reach ${ctx.url}: check --url (or ZITADEL_URL) and that ZITADEL is running`;
    case Code.DeadlineExceeded:
      return `no answer within ${ctx.timeoutMs} ms: check --url (or ZITADEL_URL), or allow more time with --timeout`;
    case Code.Unimplemented:
      if (ctx.api === "v2") {
        return (
          `the server does not offer ZITADEL's v2 metadata API over --protocol ${ctx.protocol}: ` +
          "v2 needs ZITADEL v4.0 for users and v4.7 for organizations; use --api v1 with an older ZITADEL"
        );
      }
      return ctx.connectV1 === true
        ? "the server does not serve Connect on its v1 APIs: --connect-v1 works only with an emulator started with --connect-v1; use --protocol grpc, grpc-web or rest for ZITADEL"
        : `the server does not offer this over --protocol ${ctx.protocol}; ZITADEL serves its v1 API over grpc, grpc-web and rest (and v2 over connect too: --api v2)`;
    case Code.Unauthenticated:
      return isTokenFailure(err) && ctx.auth !== undefined ? `check ${ctx.auth.source}` : undefined;
    case Code.PermissionDenied:
      return "the caller lacks a role in this organization that allows this";
    default:
      return undefined;
  }
}
