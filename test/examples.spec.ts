// The programs in examples/ built and run as their READMEs say, against the
// emulator: the CommonJS Express service over HTTP, the Vite app in Chromium,
// the backup script with the built zmeta. Each example imports the package by
// name through node_modules/zitadel-metadata -> the repository root, the link
// `npm install` makes for their "file:../.." dependency.
import { execFile, spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { extname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../src/emulator/index.js";
import { startEmulator } from "../src/emulator/index.js";
import { accessToken, createMetadataClient, createZitadelTransport } from "../src/index.js";
import { launchChromium } from "./support/chromium.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const examples = join(root, "examples");

/** What `npm install` does for "zitadel-metadata": "file:../..": a link to the repository. */
function linkPackage(example: string): void {
  const dir = join(examples, example, "node_modules");
  mkdirSync(dir, { recursive: true });
  if (!existsSync(join(dir, "zitadel-metadata"))) symlinkSync(root, join(dir, "zitadel-metadata"), "dir");
}

function run(file: string, args: string[], options: { cwd: string; env: Record<string, string> }): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { ...options, env: { PATH: process.env.PATH ?? "", ...options.env }, timeout: 90_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe("examples/", () => {
  let emulator: Emulator;
  let tmp: string;
  const admin = () =>
    createMetadataClient(createZitadelTransport({ baseUrl: emulator.url, protocol: "grpc", auth: accessToken(emulator.user("acme-admin").token!) }));

  beforeAll(async () => {
    for (const example of ["express-service", "vite-browser-app", "nightly-backup"]) linkPackage(example);
    emulator = await startEmulator();
    tmp = await mkdtemp(join(tmpdir(), "zmeta-examples-"));
  });
  afterAll(async () => {
    await emulator?.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  describe("express-service (CommonJS)", () => {
    let server: ChildProcess | undefined;
    afterAll(() => {
      server?.kill("SIGTERM");
    });

    it("serves a user's metadata over HTTP, read and written through ZITADEL", async () => {
      const dir = join(examples, "express-service");
      server = spawn(process.execPath, ["server.js"], {
        cwd: dir,
        env: { PATH: process.env.PATH ?? "", ZITADEL_URL: emulator.url, ZITADEL_TOKEN: emulator.user("acme-admin").token!, PORT: "0" },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stderr = "";
      server.stderr!.on("data", (d: Buffer) => (stderr += d));
      const line = await new Promise<string>((resolve, reject) => {
        createInterface({ input: server!.stdout! }).once("line", resolve);
        server!.once("exit", (code) => reject(new Error(`server.js exited with ${code}: ${stderr}`)));
      });
      const base = /^listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(line)?.[1];
      expect(base, line).toBeDefined();
      const alice = emulator.user("alice").id;

      const put = await fetch(`${base}/users/${alice}/metadata/plan`, { method: "PUT", body: "pro", headers: { "content-type": "text/plain" } });
      expect(put.status).toBe(204);
      expect((await admin().user(alice).get("plan"))?.text()).toBe("pro");

      await admin().user(alice).set("theme", "dark");
      const got = await fetch(`${base}/users/${alice}/metadata`);
      expect(got.status).toBe(200);
      expect(await got.json()).toEqual({ plan: "pro", theme: "dark" });

      const unknown = await fetch(`${base}/users/123456789/metadata/plan`, { method: "PUT", body: "pro" });
      expect(unknown.status).toBe(404);
      expect(JSON.stringify(await unknown.json())).not.toContain(emulator.user("acme-admin").token!);
    }, 120_000);
  });

  describe("nightly-backup (bash, zmeta export)", () => {
    it("writes a dated export of the users and the org, and keeps only the newest KEEP files", async () => {
      const dir = join(examples, "nightly-backup");
      const backups = join(tmp, "backups");
      mkdirSync(backups);
      for (const day of ["2026-11-01", "2026-11-02", "2026-11-03"]) writeFileSync(join(backups, `metadata-${day}.ndjson`), "");
      const users = join(tmp, "users.txt");
      writeFileSync(users, `${emulator.user("alice").id}\n`);
      await admin().user(emulator.user("alice").id).set("backup.check", "yes");
      await admin().org().set("org.check", "also");

      const res = await run("bash", ["backup.sh"], {
        cwd: dir,
        env: {
          ZITADEL_URL: emulator.url,
          ZITADEL_TOKEN: emulator.user("acme-admin").token!,
          USERS_FILE: users,
          BACKUP_DIR: backups,
          KEEP: "2",
          BACKUP_DATE: "2026-12-02",
          // The built bin, as node_modules/.bin/zmeta would run it.
          ZMETA: `${process.execPath} ${join(dir, "node_modules", "zitadel-metadata", "bin", "zmeta.js")}`,
        },
      });
      expect(res.code, res.stderr).toBe(0);
      expect(readdirSync(backups).sort()).toEqual(["metadata-2026-11-03.ndjson", "metadata-2026-12-02.ndjson"]);
      const lines = readFileSync(join(backups, "metadata-2026-12-02.ndjson"), "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as { scope: string; key: string; value: string });
      const found = (scope: string, key: string) => lines.find((l) => l.scope === scope && l.key === key);
      expect(Buffer.from(found("user", "backup.check")!.value, "base64").toString()).toBe("yes");
      expect(Buffer.from(found("org", "org.check")!.value, "base64").toString()).toBe("also");
      expect(res.stdout).toContain(`wrote ${join(backups, "metadata-2026-12-02.ndjson")} (${lines.length} entries)`);
      expect(res.stdout).toContain("removed");

      const bad = await run("bash", ["backup.sh"], { cwd: dir, env: { ZITADEL_URL: emulator.url, ZITADEL_TOKEN: "t", USERS_FILE: users, KEEP: "none" } });
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain("KEEP must be a whole number");
    }, 120_000);
  });

  describe("vite-browser-app (gRPC-web)", () => {
    it("type-checks with its own tsconfig (bundler resolution, DOM, no Node types)", () => {
      const dir = join(examples, "vite-browser-app");
      const config = ts.getParsedCommandLineOfConfigFile(
        join(dir, "tsconfig.json"),
        {},
        {
          ...ts.sys,
          onUnRecoverableConfigFileDiagnostic: (d) => {
            throw new Error(String(d.messageText));
          },
        },
      )!;
      const problems = ts
        .getPreEmitDiagnostics(ts.createProgram(config.fileNames, config.options))
        .map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
      expect(config.fileNames.length).toBeGreaterThan(0);
      expect(problems).toEqual([]);
    }, 60_000);

    it("builds with vite and lists the user's own metadata in Chromium", async () => {
      const dir = join(examples, "vite-browser-app");
      const outDir = join(tmp, "vite-dist");
      const built = await run(
        process.execPath,
        [join(root, "node_modules", "vite", "bin", "vite.js"), "build", "--outDir", outDir, "--emptyOutDir", "--logLevel", "warn"],
        { cwd: dir, env: {} },
      );
      expect(built.code, built.stderr).toBe(0);
      const bundle = readdirSync(join(outDir, "assets")).filter((f) => f.endsWith(".js"));
      expect(bundle.length).toBeGreaterThan(0);
      for (const file of bundle) expect(readFileSync(join(outDir, "assets", file), "utf8")).not.toMatch(/node:http2|require\("http2"\)/);

      const alice = emulator.user("alice");
      await admin().user(alice.id).set("greeting", "hello from metadata");
      await admin().user(alice.id).set("another", "2");
      const types: Record<string, string> = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css" };
      const site = http.createServer((req, res) => {
        const path = new URL(req.url ?? "/", "http://x").pathname;
        const file = join(outDir, path === "/" ? "index.html" : path);
        if (!file.startsWith(outDir) || !existsSync(file)) return void res.writeHead(404).end();
        res.writeHead(200, { "content-type": types[extname(file)] ?? "application/octet-stream" }).end(readFileSync(file));
      });
      await new Promise<void>((resolve) => site.listen(0, "127.0.0.1", resolve));
      const profile = await mkdtemp(join(tmpdir(), "zmeta-chromium-"));
      const context = await launchChromium(profile);
      try {
        const page = context.pages()[0] ?? (await context.newPage());
        const origin = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
        // "localhost" for the emulator: another origin than the page's, so the calls are cross-origin with CORS.
        const api = emulator.url.replace("127.0.0.1", "localhost");
        await page.goto(`${origin}/?url=${encodeURIComponent(api)}&token=${encodeURIComponent(alice.token!)}`);
        await page.waitForFunction(() => document.getElementById("status")?.textContent !== "loading…", undefined, { timeout: 30_000 });
        // Exactly alice's metadata as the emulator holds it (earlier cases wrote some too).
        const stored = (await admin().user(alice.id).list().toArray()).map((e) => `${e.key} = ${e.text()}`).sort();
        expect(stored).toEqual(expect.arrayContaining(["another = 2", "greeting = hello from metadata"]));
        expect(await page.textContent("#status")).toBe(`${stored.length} entries`);
        expect(await page.$$eval("#entries li", (items) => items.map((i) => i.textContent))).toEqual(stored);
      } finally {
        await context.close();
        await new Promise((resolve) => site.close(resolve));
        await rm(profile, { recursive: true, force: true });
      }
    }, 120_000);
  });
});
