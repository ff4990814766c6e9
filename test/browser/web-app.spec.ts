// zitadel-metadata/web in a real browser: headless Chromium (Debian's package,
// driven by playwright-core; never a downloaded browser) loads a page from a
// static server on 127.0.0.1 and calls the emulator on another port. Different
// ports are different origins, so Chromium sends real preflights and enforces
// the emulator's CORS answers, over grpc-web and rest against the default
// emulator (gRPC-web errors come trailers-only, as from ZITADEL), and over
// connect against one started with connectV1 (ZITADEL serves no Connect for v1).
import { mkdtemp, rm } from "node:fs/promises";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Code } from "@connectrpc/connect";
import { build } from "esbuild";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromiumMissing, launchChromium } from "../support/chromium.js";
import type { Emulator } from "../../src/emulator/index.js";
import { startEmulator } from "../../src/emulator/index.js";
import type { ScenarioArgs, ScenarioResult } from "./page.js";

const pageHtml = `<!doctype html>
<html><head><meta charset="utf-8"><title>zitadel-metadata browser test</title></head>
<body><script type="module" src="/app.js"></script></body></html>
`;

/** The page script, bundled the way an app would bundle the browser entry. */
async function bundlePage(): Promise<string> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL("page.ts", import.meta.url))],
    bundle: true,
    platform: "browser",
    format: "esm",
    target: "es2022",
    write: false,
    logLevel: "silent",
  });
  return result.outputFiles[0]!.text;
}

/** Serves the page and its script, nothing else, on 127.0.0.1 and a free port. */
async function serveStatic(script: string): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/") {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(pageHtml);
    } else if (path === "/app.js") {
      res.writeHead(200, { "content-type": "text/javascript; charset=utf-8" }).end(script);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe("zitadel-metadata/web in headless Chromium, cross-origin against the emulator", () => {
  let emulator: Emulator;
  /** The same, serving Connect on v1 too: the opt-in the connect case needs. */
  let connectEmulator: Emulator;
  let site: { url: string; close(): Promise<void> } | undefined;
  let context: BrowserContext | undefined;
  let profileDir: string | undefined;
  let page: Page;
  const emulatorLog: string[] = [];
  /** What the page printed or threw, shown when an assertion fails. */
  const pageOutput: string[] = [];

  /** Why the browser could not be set up; every test fails with it rather than being reported as skipped. */
  let setupError: Error | undefined;

  beforeAll(async () => {
    // Missing Chromium is a failure, never a skip: a skipped browser test looks green.
    setupError = chromiumMissing();
    if (setupError !== undefined) return;
    const log = (line: string) => emulatorLog.push(line);
    const [script, started, startedWithConnect] = await Promise.all([bundlePage(), startEmulator({ log }), startEmulator({ log, connectV1: true })]);
    emulator = started;
    connectEmulator = startedWithConnect;
    site = await serveStatic(script);
    profileDir = await mkdtemp(join(tmpdir(), "zmeta-chromium-"));
    context = await launchChromium(profileDir);
    page = context.pages()[0] ?? (await context.newPage());
    page.on("console", (m) => pageOutput.push(`console.${m.type()}: ${m.text()}`));
    page.on("pageerror", (e) => pageOutput.push(`page error: ${e.message}`));
    await page.goto(`${site.url}/`);
    await page.waitForFunction(() => "zmetaScenario" in globalThis, undefined, { timeout: 10_000 });
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    await site?.close();
    await emulator?.close();
    await connectEmulator?.close();
    if (profileDir) await rm(profileDir, { recursive: true, force: true });
  });

  /** The emulator a protocol's case calls: connect needs the opt-in one. */
  const target = (protocol: ScenarioArgs["protocol"]) => (protocol === "connect" ? connectEmulator : emulator);

  async function runScenario(protocol: ScenarioArgs["protocol"]): Promise<ScenarioResult> {
    if (setupError) throw setupError;
    const emulator = target(protocol);
    const args: ScenarioArgs = {
      baseUrl: emulator.url,
      protocol,
      connectV1: protocol === "connect",
      adminToken: emulator.user("acme-admin").token,
      iamAdminToken: emulator.user("iam-admin").token,
      aliceId: emulator.user("alice").id,
      bobId: emulator.user("bob").id,
      globexId: emulator.org("globex").id,
      acmeId: emulator.org("acme").id,
    };
    try {
      return await page.evaluate((a) => (globalThis as unknown as { zmetaScenario(a: ScenarioArgs): Promise<ScenarioResult> }).zmetaScenario(a), args);
    } catch (e) {
      throw new Error(`the page failed over ${protocol}: ${(e as Error).message}\n${pageOutput.join("\n")}`);
    }
  }

  for (const protocol of ["grpc-web", "connect", "rest"] as const) {
    it(`${protocol}: bytes, list, per-call org, not-found with its ZITADEL id, CORS enforced; the same on v2`, async () => {
      emulatorLog.length = 0;
      const r = await runScenario(protocol);
      const emulator = target(protocol);
      const prefix = `browser.${protocol}.`;

      // Really cross-origin: same host, another port.
      expect(r.pageOrigin).toBe(site!.url);
      expect(r.pageOrigin).not.toBe(new URL(emulator.url).origin);

      expect(r.binary).toEqual([0xff, 0xfe, 0x00, 0x80, 0xc3, 0x28]);
      expect(r.text).toBe("grüße, 世界");
      // pageSize 1: two requests, in key order.
      expect(r.listed).toEqual([
        { key: `${prefix}binary`, value: [0xff, 0xfe, 0x00, 0x80, 0xc3, 0x28] },
        { key: `${prefix}text`, value: Array.from(new TextEncoder().encode("grüße, 世界")) },
      ]);

      // Without x-zitadel-orgid bob (globex) is not in iam-admin's own org (acme) ...
      expect(r.withoutOrg).toMatchObject({
        name: "ZitadelError",
        code: Code.FailedPrecondition,
        detailId: "COMMAND-uXHNj",
        zitadelId: "COMMAND-uXHNj",
      });
      // ... with it, the write lands in globex, and withOrgId() reads it back.
      expect(r.withOrgResourceOwner).toBe(emulator.org("globex").id);
      expect(r.withOrgIdValue).toBe("in globex");

      expect(r.missingViaGet).toBe("undefined");
      expect(r.notFound).toEqual({
        name: "ConnectError",
        code: Code.NotFound,
        detailId: "QUERY-Rgh32",
        zitadelId: "QUERY-Rgh32",
        rawMessage: "Metadata not found (QUERY-Rgh32)",
        isMetadataNotFound: true,
      });

      // The control: Chromium itself blocks a header the emulator's CORS does not
      // allow, so the calls above passed because the CORS answers are right.
      expect(r.disallowedHeader).not.toBe("succeeded");
      expect(r.disallowedHeader).toMatchObject({ detailId: undefined });
      expect(emulatorLog.join("\n")).toMatch(/cors: refused the preflight from http:\/\/127\.0\.0\.1:\d+: request header x-api-key/);

      // v2 from the browser: what v1 wrote is read through v2, apply() is one request, errors keep their ids.
      expect(r.v2.binary).toEqual([0xff, 0xfe, 0x00, 0x80, 0xc3, 0x28]);
      expect(r.v2.listed).toEqual([`${prefix}v2.a`, `${prefix}v2.b`]);
      expect(r.v2.applied).toEqual({ requests: 1, atomic: true });
      expect(r.v2.orgValue).toBe("org via v2");
      expect(r.v2.missingRemove).toMatchObject({ name: "ZitadelError", code: Code.NotFound, zitadelId: "META-2nnds", isMetadataNotFound: true });
    });
  }
});
