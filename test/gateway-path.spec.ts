// The path rules of ZITADEL's HTTP front that the emulator applies and the
// REST transport checks values against: cleaning as Go's path.Clean plus the
// router's kept trailing slash, and the per-segment rule derived from it.
import { describe, expect, it } from "vitest";
import { cleanPath, segmentProblem } from "../src/http-rule/gateway-path.js";

describe("cleanPath", () => {
  it.each([
    ["", "/"],
    ["/", "/"],
    ["//", "/"],
    ["/a/b", "/a/b"],
    ["/a/b/", "/a/b/"],
    ["/a//b", "/a/b"],
    ["/a/./b", "/a/b"],
    ["/a/b/.", "/a/b"],
    ["/a/b/./", "/a/b/"],
    ["/a/b/..", "/a"],
    ["/a/b/../", "/a/"],
    ["/a/../../b", "/b"],
    ["/..", "/"],
    ["/../a/", "/a/"],
    ["a/b", "/a/b"],
    ["/.../a", "/.../a"],
    ["/.a/a./..b", "/.a/a./..b"],
    ["*", "/*"],
  ])("%j → %j", (path, cleaned) => {
    expect(cleanPath(path)).toBe(cleaned);
  });
});

describe("segmentProblem agrees with cleaning and splitting", () => {
  const values = ["k", "", ".", "..", "...", "a/b", "/", "a.", ".a", "%2F", "a b"];
  it.each(values.flatMap((v) => [[v, false] as const, [v, true] as const]))("%j (last: %s)", (value, last) => {
    const path = last ? `/users/u1/metadata/${value}` : `/users/${value}/metadata/k`;
    const intended = last ? ["", "users", "u1", "metadata", value] : ["", "users", value, "metadata", "k"];
    const survives = cleanPath(path) === path && path.split("/").length === intended.length;
    expect(segmentProblem(value, last) === undefined).toBe(survives);
  });
});
