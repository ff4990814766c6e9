// Configuration mistakes are ZitadelConfigErrors (still TypeErrors) with a
// stable code and the option at fault, so programs (the CLI among them)
// branch on those, never on message text.
import { describe, expect, it } from "vitest";
import {
  accessToken,
  clientCredentials,
  createRestTransport,
  createZitadelInterceptor,
  createZitadelTransport,
  serviceAccountKey,
  withOrgId,
  ZitadelConfigError,
} from "../src/index.js";
import type { ConfigErrorCode } from "../src/index.js";

function configErrorOf(run: () => unknown): ZitadelConfigError {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(ZitadelConfigError);
    expect(e).toBeInstanceOf(TypeError);
    return e as ZitadelConfigError;
  }
  throw new Error("expected a ZitadelConfigError");
}

describe("ZitadelConfigError", () => {
  const cases: [string, () => unknown, ConfigErrorCode, string | undefined, RegExp][] = [
    [
      "a base URL that is not one",
      () => createZitadelTransport({ baseUrl: "acme", protocol: "grpc", auth: "t" }),
      "ERR_INVALID_OPTION",
      "baseUrl",
      /^createZitadelTransport: option "baseUrl" must be an absolute URL/,
    ],
    [
      "a deadline out of range",
      () => createRestTransport({ baseUrl: "https://a.example", defaultTimeoutMs: -1 }),
      "ERR_INVALID_OPTION",
      "defaultTimeoutMs",
      /option "defaultTimeoutMs" must be a whole number/,
    ],
    ["an org id with a space", () => withOrgId("12 34"), "ERR_INVALID_OPTION", "orgId", /^withOrgId\(orgId\): the organization id contains a space/],
    ["a token with a newline", () => accessToken("abc\n"), "ERR_INVALID_OPTION", "token", /^accessToken\(token\): the token contains a line break/],
    [
      "a token over plain http to a remote host",
      () => createZitadelInterceptor({ auth: "t", baseUrl: "http://zitadel.example.com" }),
      "ERR_INSECURE_URL",
      "baseUrl",
      /^option "baseUrl": /,
    ],
    [
      "client credentials without a secret",
      () => clientCredentials({ clientId: "bot" } as never),
      "ERR_MISSING_OPTION",
      "clientSecret",
      /^clientCredentials: option "clientSecret" is missing\.$/,
    ],
    [
      "a key file that does not exist",
      () => serviceAccountKey("/nonexistent/key.json"),
      "ERR_INVALID_KEY_FILE",
      undefined,
      /^serviceAccountKey: cannot read the key file "\/nonexistent\/key\.json": no such file\.$/,
    ],
    [
      "an option that does not apply to the protocol",
      () => createZitadelTransport({ baseUrl: "https://a.example", protocol: "grpc", auth: "t", jsonOptions: {} }),
      "ERR_OPTION_NOT_APPLICABLE",
      "jsonOptions",
      /^createZitadelTransport: .*"jsonOptions"/,
    ],
    [
      "an option no transport has",
      () => createZitadelTransport({ baseUrl: "https://a.example", protocol: "grpc", auth: "t", retries: 3 } as never),
      "ERR_INVALID_OPTION",
      "retries",
      /unknown option "retries"/,
    ],
    [
      "no auth",
      () => createZitadelTransport({ baseUrl: "https://a.example", protocol: "grpc" } as never),
      "ERR_MISSING_OPTION",
      "auth",
      /option "auth" is missing/,
    ],
    ["a key file that is not JSON", () => serviceAccountKey('{"type":'), "ERR_INVALID_KEY_FILE", undefined, /^serviceAccountKey: the key is not valid JSON\.$/],
  ];

  it.each(cases)("%s: code, option and a message naming it", (_name, run, code, option, message) => {
    const err = configErrorOf(run);
    expect({ code: err.code, option: err.option }).toEqual({ code, option });
    expect(err.message).toMatch(message);
    // `problem` is the message without the function's name, for tools that name their own flags.
    expect(err.message.endsWith(err.problem)).toBe(true);
  });

  it("an interceptor with an OAuth source and no baseUrl: ERR_MISSING_OPTION naming baseUrl", () => {
    const err = configErrorOf(() => createZitadelInterceptor({ auth: clientCredentials({ clientId: "bot", clientSecret: "s" }) }));
    expect({ code: err.code, option: err.option }).toEqual({ code: "ERR_MISSING_OPTION", option: "baseUrl" });
    expect(err.message).not.toContain('"s"');
  });
});
