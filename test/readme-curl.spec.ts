// The README's curl calls, run verbatim with curl against `zmeta emulator`,
// so the documentation cannot drift from what the gateway does.
import { execFile, spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));

/** The commands of the ```sh block in "## REST with curl", joined across backslash line ends. */
function readmeCurlCommands(): string[] {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## REST with curl"));
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block) throw new Error('README.md has no ```sh block under "## REST with curl"');
  return block
    .replace(/\\\n\s*/g, " ")
    .split("\n")
    .filter((line) => line.startsWith("curl "));
}

function bash(command: string, env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile("bash", ["-c", command], { env: { PATH: process.env.PATH ?? "", ...env }, timeout: 10_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe("README: REST with curl", () => {
  let emulator: ChildProcess;
  let env: Record<string, string>;

  beforeAll(async () => {
    emulator = spawn(process.execPath, [join(root, "bin", "zmeta.js"), "emulator", "--port", "0"], { stdio: ["ignore", "pipe", "ignore"] });
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: emulator.stdout! }).once("line", resolve);
      emulator.once("exit", (code) => reject(new Error(`zmeta emulator exited with ${code}`)));
    });
    const ready = JSON.parse(line) as { url: string; users: { userName: string; id: string; token: string }[] };
    const user = (name: string) => ready.users.find((u) => u.userName === name)!;
    // The variables the README tells the reader to fill from the ready line.
    env = { URL: ready.url, TOKEN: user("acme-admin").token, USER: user("alice").id, ME_TOKEN: user("alice").token };
  });
  afterAll(() => {
    emulator?.kill("SIGTERM");
  });

  it("documents the five calls of the issue (and the org write the org read needs)", () => {
    const commands = readmeCurlCommands();
    expect(commands).toHaveLength(6);
    expect(commands.join("\n")).toContain("/auth/v1/users/me/metadata/_search");
  });

  it("every documented call succeeds verbatim, with the documented response shapes", async () => {
    const bodies: unknown[] = [];
    for (const command of readmeCurlCommands()) {
      const res = await bash(command, env);
      expect(res.code, `${command}\n${res.stderr}`).toBe(0);
      const body = JSON.parse(res.stdout) as Record<string, unknown>;
      expect(body, command).not.toHaveProperty("code");
      bodies.push(body);
    }
    const read = { metadata: { details: expect.any(Object), key: "key1", value: "VGhpcyBpcyBteSB0ZXN0IHZhbHVl" } };
    expect(bodies[0]).toEqual({ details: { sequence: expect.stringMatching(/^\d+$/), creationDate: expect.any(String), resourceOwner: expect.any(String) } });
    expect(bodies[1]).toEqual(read);
    expect(bodies[3]).toEqual(read);
    expect(bodies[4]).toEqual(read);
    expect(bodies[5]).toMatchObject({ details: { totalResult: "1" }, result: [read.metadata] });
  });
});
