// `zmeta --version` and `-V`: the built bin prints the version package.json
// says at run time (test/package.spec.ts checks the same from the packed tarball).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, lines, root, zmetaCli } from "./support/zmeta.js";

const { zmeta, killRunning } = zmetaCli({ timeoutMs: 60_000 });
beforeAll(assertBuilt);
afterAll(killRunning);

const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string };

describe("zmeta --version", () => {
  it.each(["--version", "-V"])("%s prints package.json's version, alone on stdout", async (flag) => {
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
    const res = await zmeta([flag]);
    expect([res.code, res.out, res.stderr]).toEqual([0, `${version}\n`, ""]);
  });

  it("is named in the overview", async () => {
    const res = await zmeta(["--help"]);
    expect(res.out).toContain("zmeta -V, --version");
  });

  it("refuses anything after it, and is not an option of a command", async () => {
    const extra = await zmeta(["--version", "get"]);
    expect(extra.code).toBe(2);
    expect(lines(extra.stderr)).toEqual(['zmeta: --version takes nothing after it (see "zmeta --help")']);
    const inCommand = await zmeta(["get", "--version"]);
    expect(inCommand.code).toBe(2);
    expect(inCommand.out).toBe("");
  });
});
