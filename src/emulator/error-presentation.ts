import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorDetailSchema } from "../../gen/zitadel/message_pb.js";
import { errorFact } from "../zitadel/versions.js";
import type { Quirks } from "./quirks.js";
import { zitadelError } from "./zitadel-error.js";

/**
 * An error from a handler as the quirks make ZITADEL send it: with a
 * translated text, or mangled by the v4.11–v4.13 error-conversion bug.
 * Without quirks it is returned as it is.
 */
export function presentError(error: unknown, quirks: Quirks): unknown {
  if (!(error instanceof ConnectError)) return error;
  const detail = error.findDetails(ErrorDetailSchema)[0];
  if (detail !== undefined) {
    // Only the handlers' errors are translated, not authentication's or validation's.
    if (quirks.errorLanguage === "pseudo" && errorFact(detail.id)?.translated === true) {
      return zitadelError(error.code, detail.id, pseudoTranslate(detail.message));
    }
    return error;
  }
  if (quirks.errorConversionBug && (error.code === Code.InvalidArgument || error.code === Code.Unauthenticated)) {
    // Go's status.String() of the original error becomes the text of an error without id.
    return zitadelError(Code.Unknown, "", `rpc error: code = ${Code[error.code]} desc = ${error.rawMessage}`);
  }
  return error;
}

const accented: Record<string, string> = { a: "ä", e: "ë", i: "ï", o: "ö", u: "ü", A: "Ä", E: "Ë", I: "Ï", O: "Ö", U: "Ü" };

/** A stable stand-in for another language: the same words with accented vowels, e.g. "Mëtädätä nöt föünd". */
export function pseudoTranslate(text: string): string {
  return text.replace(/[aeiouAEIOU]/g, (c) => accented[c]!);
}
