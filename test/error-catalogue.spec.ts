// One catalogue of ZITADEL error ids (src/zitadel): each id written once in
// src/, and every user of an id (predicates, the emulator, the CLI's hints,
// the demo) going through it.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { ErrorDetailSchema } from "../gen/zitadel/message_pb.js";
import { raise } from "../src/emulator/zitadel-error.js";
import { getErrorDetail, isMetadataNotFound, isPermissionDenied, isUserNotFound, ZitadelError } from "../src/index.js";
import { allErrorFacts } from "../src/zitadel/versions.js";
import { root } from "./support/zmeta.js";

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith(".ts") ? [path] : [];
  });
}

describe("the error catalogue", () => {
  const facts = allErrorFacts();

  it("knows every id of ZITADEL.md once, and src/ writes each id only in the catalogue", () => {
    const ids = facts.map((f) => f.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.sort()).toEqual(
      [
        "AUTH-toLo1",
        "AUTH-7fs1e",
        "AUTH-Bs7Ds",
        "AUTHZ-cdgFk",
        "AUTH-5mWD2",
        "COMMAND-uXHNj",
        "COMMAND-QXPGs",
        "QUERY-Rgh32",
        "QUERY-Rph32",
        "META-ncnw3",
        "META-mcnw3",
        "META-2nnds",
        "META-2npds",
        "META-9mm2d",
        "META-9mw2d",
        "AUTH-AWfge",
        "QUERY-4M0fs",
      ].sort(),
    );
    const idPattern = new RegExp(`"(${ids.join("|")})"`);
    const outside = sourceFiles(join(root, "src"))
      .filter((file) => !relative(root, file).startsWith("src/zitadel/"))
      .filter((file) => idPattern.test(readFileSync(file, "utf8")))
      .map((file) => relative(root, file));
    expect(outside, "files that spell out an error id as a string instead of using the catalogue").toEqual([]);
  });

  it.each(facts.map((f) => [f.id, f] as const))("%s: the emulator sends it as ZITADEL does; the predicates go by its kind", (_id, fact) => {
    const sent = raise(fact);
    expect({ code: sent.code, message: sent.rawMessage, detail: getErrorDetail(sent) }).toMatchObject({
      code: fact.code,
      message: `${fact.text} (${fact.id})`,
      detail: { id: fact.id, message: fact.text },
    });
    const wrapped = ZitadelError.from(sent);
    expect(wrapped.fact).toBe(fact);
    expect(isMetadataNotFound(sent)).toBe(fact.kind === "metadataNotFound");
    expect(isUserNotFound(sent)).toBe(fact.kind === "userNotFound");
    expect(isPermissionDenied(sent)).toBe(fact.code === Code.PermissionDenied || fact.kind === "membershipNotFound");
    // The id counts only with its own code: the same id under another code is not that error.
    const otherCode = fact.code === Code.Internal ? Code.Unknown : Code.Internal;
    const reshaped = new ConnectError(sent.rawMessage, otherCode, undefined, [{ desc: ErrorDetailSchema, value: getErrorDetail(sent)! }]);
    expect(isMetadataNotFound(reshaped)).toBe(false);
    expect(isUserNotFound(reshaped)).toBe(false);
  });
});
