// Guards around credentials: no bearer token over plain http to a remote
// host, key files checked field by field, and no secret in any error, log
// line, JSON or inspect output.
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import type { Interceptor } from "@connectrpc/connect";
import { Code, ConnectError } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-node";
import { afterAll, describe, expect, it, vi } from "vitest";
import { accessToken } from "../src/auth/access-token.js";
import { clientCredentials } from "../src/auth/client-credentials.js";
import { serviceAccountKey as webServiceAccountKey } from "../src/auth/service-account-key.js";
import { serviceAccountKey } from "../src/auth/service-account-key-file.js";
import { createManagementClient, createZitadelInterceptor, createZitadelTransport } from "../src/index.js";
import { useEmulator } from "./support/emulator.js";
import { rejection, thrownBy } from "./support/failures.js";
import { clientsAs, protocols } from "./support/protocols.js";

const signal = () => new AbortController().signal;

/** An interceptor that records the request headers and sends nothing. */
function recorder() {
  const seen: (string | null)[] = [];
  const interceptor: Interceptor = () => async (req) => {
    seen.push(req.header.get("authorization"));
    throw new ConnectError("recorded, not sent", Code.Aborted);
  };
  return { seen, interceptor };
}

describe.each(protocols)("plain http over %s", (protocol) => {
  it("a transport to a remote http:// host is refused at construction; the error says how to allow it", () => {
    const make = (allowInsecure?: boolean) =>
      createZitadelTransport({ baseUrl: "http://zitadel.example.test:8080", protocol, auth: "s3cr3t-pat", allowInsecure });
    const thrown = thrownBy(() => make());
    expect(thrown).toBeInstanceOf(TypeError);
    expect((thrown as Error).message).toMatch(/refusing to send a bearer token over plain http:\/\/ to zitadel\.example\.test:8080.*allowInsecure: true/);
    expect((thrown as Error).message).not.toContain("s3cr3t-pat");
    expect(() => make(true)).not.toThrow();
  });
});

describe("the plain-http guard", () => {
  const call = async (baseUrl: string, options: Parameters<typeof createZitadelInterceptor>[0]) => {
    const { seen, interceptor } = recorder();
    const transport = createGrpcWebTransport({
      baseUrl,
      httpVersion: "1.1",
      interceptors: [createZitadelInterceptor(options), interceptor],
    });
    const err = await rejection(createManagementClient(transport).listOrgMetadata({}));
    return { seen, err };
  };

  it("lets tokens through to loopback and https, and to any host with allowInsecure", async () => {
    for (const baseUrl of ["http://127.0.0.1:1", "http://127.8.9.10:1", "http://localhost:1", "http://[::1]:1", "https://zitadel.example.test"]) {
      expect((await call(baseUrl, { auth: "tok" })).seen, baseUrl).toEqual(["Bearer tok"]);
    }
    expect((await call("http://10.1.2.3:8080", { auth: "tok", allowInsecure: true })).seen).toEqual(["Bearer tok"]);
  });

  it("refuses before asking the token source", async () => {
    const source = vi.fn(async () => "tok");
    const { seen, err } = await call("http://10.1.2.3:8080", { auth: source });
    expect([err.code, seen, source.mock.calls.length]).toEqual([Code.InvalidArgument, [], 0]);
  });

  it("refuses a plain-http baseUrl when the interceptor is created", () => {
    expect(() => createZitadelInterceptor({ auth: "tok", baseUrl: "http://zitadel.example.test" })).toThrow(
      /option "baseUrl": refusing to send a bearer token over plain http:\/\/ to zitadel\.example\.test.*allowInsecure/,
    );
    expect(() => createZitadelInterceptor({ auth: "tok", baseUrl: "http://zitadel.example.test", allowInsecure: true })).not.toThrow();
    expect(() => createZitadelInterceptor({ auth: "tok", baseUrl: "http://localhost:8080" })).not.toThrow();
  });

  it("also guards where token sources send credentials: discovery and the token endpoint", async () => {
    // Discovery names, as it must, the instance it was fetched from as the issuer.
    const fetchSpy = vi.fn(async (input: RequestInfo | URL) =>
      Response.json({ issuer: new URL(String(input)).origin, token_endpoint: "http://tokens.example.test/token" }),
    );
    const remote = clientCredentials({ clientId: "id", clientSecret: "s3cr3t-secret", issuer: "http://zitadel.example.test", fetch: fetchSpy });
    await expect(Promise.resolve(remote(signal()))).rejects.toThrow(
      /^clientCredentials: refusing to send a client secret over plain http:\/\/ to zitadel\.example\.test/,
    );
    expect(fetchSpy).not.toHaveBeenCalled();

    // https discovery that points the token endpoint at plain http is refused after discovery, before the secret goes out.
    // (A token endpoint on another origin than the issuer needs allowCrossOriginTokenEndpoint first.)
    const redirected = clientCredentials({
      clientId: "id",
      clientSecret: "s3cr3t-secret",
      issuer: "https://x.test",
      fetch: fetchSpy,
      allowCrossOriginTokenEndpoint: true,
    });
    await expect(Promise.resolve(redirected(signal()))).rejects.toThrow(/plain http:\/\/ to tokens\.example\.test/);
    expect(fetchSpy).toHaveBeenCalledTimes(1);

    // The transport's allowInsecure reaches the source through the call's context.
    const allowed = clientCredentials({ clientId: "id", clientSecret: "s3cr3t-secret", fetch: fetchSpy, allowCrossOriginTokenEndpoint: true });
    await expect(Promise.resolve(allowed(signal(), { baseUrl: "http://zitadel.example.test", allowInsecure: true }))).rejects.toThrow(
      /token request to http:\/\/tokens\.example\.test\/token/,
    );
  });
});

describe("service account key files", () => {
  const dir = mkdtempSync(join(tmpdir(), "zmeta-keyfile-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const pem = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs1", format: "pem" }) as string;
  // A run of the key's base64 that must never show up in a message.
  const keyMaterial = pem.split("\n")[5]!;
  const good = { type: "serviceaccount", keyId: "100000000000000001", key: pem, userId: "200000000000000002" };
  const write = (name: string, content: string) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  const refusal = (make: () => unknown): string => {
    try {
      make();
    } catch (e) {
      expect(e).toBeInstanceOf(TypeError);
      const message = (e as Error).message;
      expect(message).not.toContain(keyMaterial);
      expect(inspect(e)).not.toContain(keyMaterial);
      return message;
    }
    throw new Error("expected a TypeError");
  };
  const without = (field: keyof typeof good) => {
    const copy: Record<string, unknown> = { ...good };
    delete copy[field];
    return copy;
  };

  it("accept a path, the JSON text or the object, PKCS#1 or PKCS#8", () => {
    expect(() => serviceAccountKey(write("good.json", JSON.stringify(good)))).not.toThrow();
    expect(() => serviceAccountKey(JSON.stringify(good))).not.toThrow();
    expect(() => webServiceAccountKey(JSON.stringify(good))).not.toThrow();
    const pkcs8 = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }) as string;
    expect(() => serviceAccountKey({ ...good, key: pkcs8 } as typeof good & { type: "serviceaccount" })).not.toThrow();
  });

  it.each([
    ["a missing file", () => serviceAccountKey(join(dir, "missing.json")), /cannot read the key file ".*missing\.json": no such file/],
    ["a directory", () => serviceAccountKey(dir), /cannot read the key file ".*": it is a directory/],
    ["text that is not JSON", () => serviceAccountKey(write("broken.json", `{"key": "${pem}`)), /the key file ".*broken\.json" is not valid JSON\.$/],
    ["a JSON array", () => serviceAccountKey("[1]"), /^serviceAccountKey: the key is not a JSON object\.$/],
    ["no type", () => serviceAccountKey(without("type") as never), /has no "type"; a service account key file has "type": "serviceaccount"/],
    [
      "an application key",
      () => serviceAccountKey({ ...good, type: "application" } as never),
      /"type": "application": that key authenticates an API application/,
    ],
    ["no keyId", () => serviceAccountKey(without("keyId") as never), /has no "keyId" \(the id of the key in ZITADEL\)/],
    ["no userId", () => serviceAccountKey(without("userId") as never), /has no "userId" \(the id of the machine user\)/],
    ["no key", () => serviceAccountKey(without("key") as never), /has no "key" \(the RSA private key in PEM\)/],
    ["a numeric keyId", () => serviceAccountKey({ ...good, keyId: 5 } as never), /"keyId" that is not a non-empty string/],
    ["a key that is not PEM", () => serviceAccountKey({ ...good, key: "MIIEowIBAAKCAQEA" } as never), /"key" that is not a PEM private key/],
    [
      "a PEM with broken base64",
      () => serviceAccountKey({ ...good, key: pem.replace(keyMaterial, `${keyMaterial.slice(0, 10)}!!${keyMaterial.slice(12)}`) } as never),
      /"key" that is not valid base64/,
    ],
    [
      "a PEM with a truncated body",
      () => serviceAccountKey({ ...good, key: pem.replace(keyMaterial, "") } as never),
      /"key" that does not hold a DER-encoded key/,
    ],
    ["an expired key", () => serviceAccountKey({ ...good, expirationDate: "2020-01-01T00:00:00Z" } as never), /expired on 2020-01-01T00:00:00\.000Z/],
    ["a bare PEM instead of the file", () => serviceAccountKey(pem), /looks like a bare key/],
    ["a path in the browser entry", () => webServiceAccountKey("./key.json"), /Reading a key file from a path needs Node/],
  ])("refuse %s, naming the problem and never the key", (_name, make, message) => {
    expect(refusal(make)).toMatch(message);
  });

  it("a well-formed PEM that is not an RSA key fails the call, without the key", async () => {
    const notRsa = "-----BEGIN PRIVATE KEY-----\nMAMCAQA=\n-----END PRIVATE KEY-----\n";
    const source = serviceAccountKey({ ...good, key: notRsa } as never, {
      issuer: "https://x.test",
      fetch: async () => Response.json({ issuer: "https://x.test", token_endpoint: "https://x.test/token" }),
    });
    await expect(Promise.resolve(source(signal()))).rejects.toThrow(/the "key" of the key file for user 200000000000000002 is not a valid RSA private key/);
  });

  it("client credentials options are checked without echoing the secret", () => {
    expect(() => clientCredentials({ clientId: "bot" } as never)).toThrow(/option "clientSecret" is missing/);
    expect(() => clientCredentials({ clientId: "bot", clientSecret: "" })).toThrow(/"clientSecret" must be a non-empty string/);
    const message = refusal(() => clientCredentials({ clientId: "bot", clientSecret: "s3cr3t-value\n" }));
    expect(message).toMatch(/"clientSecret" contains a line break/);
    expect(message).not.toContain("s3cr3t-value");
  });
});

describe("secrets never leak", () => {
  const lines: string[] = [];
  const emulator = useEmulator({ log: (line) => lines.push(line) });

  it("in errors, emulator logs, JSON or inspect output, whatever goes wrong", async () => {
    const bot = emulator().user("acme-bot");
    const keyFile = JSON.parse(readFileSync(bot.keyFile!, "utf8")) as { key: string; keyId: string };
    const outputs: string[] = [];
    const record = (value: unknown) => {
      outputs.push(inspect(value, { depth: 10, showHidden: true }), JSON.stringify(value) ?? "", String(value));
    };

    const goodKey = serviceAccountKey(bot.keyFile!);
    const goodSecret = clientCredentials({ clientId: bot.clientId!, clientSecret: bot.clientSecret! });
    const wrongSecret = clientCredentials({ clientId: bot.clientId!, clientSecret: `${bot.clientSecret!}x` });
    const otherKey = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs1", format: "pem" }) as string;
    const wrongKey = serviceAccountKey(JSON.stringify({ ...keyFile, key: otherKey }));
    const pat = accessToken(bot.token);
    const sources = { goodKey, goodSecret, wrongSecret, wrongKey, pat };
    record(sources);
    for (const source of Object.values(sources)) record(source);

    const issued: string[] = [];
    for (const protocol of protocols) {
      for (const source of Object.values(sources)) {
        const { mgmt, transport } = clientsAs(emulator(), protocol, "acme-bot", { auth: source });
        record(transport);
        try {
          await mgmt.listOrgMetadata({});
        } catch (e) {
          record(e);
          record((e as Error).cause);
        }
      }
    }
    for (const source of [goodKey, goodSecret]) issued.push(await source(signal(), { baseUrl: emulator().url, allowInsecure: false }));
    // The wrong credentials did fail, so there were errors to look at.
    expect(outputs.some((o) => o.includes("invalid_client"))).toBe(true);
    expect(outputs.some((o) => o.includes("invalid_grant"))).toBe(true);
    const secrets = [
      bot.clientSecret!,
      `${bot.clientSecret!}x`,
      bot.token,
      ...issued,
      keyFile.key.split("\n")[3]!,
      otherKey.split("\n")[3]!,
      Buffer.from(`${bot.clientId}:${bot.clientSecret}`).toString("base64"),
    ];
    const everything = [...outputs, ...lines].join("\n");
    for (const secret of secrets) expect(everything).not.toContain(secret);
    expect(lines.some((l) => l.startsWith("oauth token jwt-bearer ok acme-bot"))).toBe(true);
  });
});
