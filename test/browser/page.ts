// The page script of the real-browser test: bundled with esbuild from the
// browser entry at test time and run by Chromium on an origin other than the
// emulator's, so every call below is a cross-origin fetch with a preflight.
// It only reports what happened; web-app.spec.ts decides what is right.
import type { Interceptor } from "@connectrpc/connect";
import {
  createManagementClient,
  createMetadataClient,
  createZitadelTransport,
  getErrorDetail,
  isMetadataNotFound,
  withOrgId,
  ZitadelError,
} from "../../src/web.js";

export interface ScenarioArgs {
  baseUrl: string;
  protocol: "grpc-web" | "connect" | "rest";
  /** For "connect": the emulator serves Connect on v1 (started with connectV1), so the transports opt in too. */
  connectV1: boolean;
  /** acme-admin: ORG_OWNER of acme. */
  adminToken: string;
  /** iam-admin: IAM_OWNER, a member of acme; may act in globex only with x-zitadel-orgid. */
  iamAdminToken: string;
  aliceId: string;
  bobId: string;
  globexId: string;
  acmeId: string;
}

export interface ErrorReport {
  name: string;
  code: number | undefined;
  /** ZITADEL's error id from the ErrorDetail, via getErrorDetail (of the ConnectError a ZitadelError wraps). */
  detailId: string | undefined;
  /** The same id, via ZitadelError. */
  zitadelId: string | undefined;
  rawMessage: string;
  isMetadataNotFound: boolean;
}

export interface ScenarioResult {
  pageOrigin: string;
  /** The non-UTF-8 bytes as read back. */
  binary: number[];
  text: string;
  listed: { key: string; value: number[] }[];
  /** iam-admin writing bob's metadata without naming his org. */
  withoutOrg: ErrorReport | "succeeded";
  /** The same with { orgId: globex }: the resource owner of what was written. */
  withOrgResourceOwner: string;
  /** Read back with the generated client and withOrgId(globex). */
  withOrgIdValue: string;
  /** get() of a missing key. */
  missingViaGet: "undefined" | "an entry";
  /** getUserMetadata of a missing key, with the generated client. */
  notFound: ErrorReport | "succeeded";
  /** A call with a request header ZITADEL's CORS does not allow. */
  disallowedHeader: ErrorReport | "succeeded";
  /** The same high-level calls on ZITADEL's v2 APIs (served over all three browser protocols, Connect included, without any opt-in). */
  v2: {
    binary: number[];
    listed: string[];
    applied: { requests: number; atomic: boolean };
    orgValue: string;
    /** Removing a key that does not exist. */
    missingRemove: ErrorReport | "succeeded";
  };
}

function report(e: unknown): ErrorReport {
  const error = e as { name?: string; code?: number; rawMessage?: string; message?: string };
  return {
    name: String(error.name),
    code: error.code,
    detailId: getErrorDetail(e instanceof ZitadelError ? e.cause : e)?.id,
    zitadelId: ZitadelError.from(e).id,
    rawMessage: String(error.rawMessage ?? error.message),
    isMetadataNotFound: isMetadataNotFound(e),
  };
}

async function outcome(call: Promise<unknown>): Promise<ErrorReport | "succeeded"> {
  try {
    await call;
    return "succeeded";
  } catch (e) {
    return report(e);
  }
}

async function scenario(args: ScenarioArgs): Promise<ScenarioResult> {
  const { baseUrl, protocol } = args;
  const prefix = `browser.${protocol}.`;
  const optIn = args.connectV1 ? { connectV1: true } : {};
  const admin = createZitadelTransport({ baseUrl, protocol, auth: args.adminToken, ...optIn });
  const alice = createMetadataClient(admin).user(args.aliceId);

  // Not UTF-8 at all: a lone continuation byte, an invalid lead byte, a NUL.
  await alice.set(`${prefix}binary`, new Uint8Array([0xff, 0xfe, 0x00, 0x80, 0xc3, 0x28]));
  await alice.set(`${prefix}text`, "grüße, 世界");
  const binary = await alice.get(`${prefix}binary`);
  const text = await alice.get(`${prefix}text`);
  const listed = await alice.list({ prefix, pageSize: 1 }).toArray();

  const iamTransport = createZitadelTransport({ baseUrl, protocol, auth: args.iamAdminToken, ...optIn });
  const bob = createMetadataClient(iamTransport).user(args.bobId);
  const withoutOrg = await outcome(bob.set(`${prefix}org`, "in globex"));
  const written = await bob.set(`${prefix}org`, "in globex", { orgId: args.globexId });
  const readBack = await createManagementClient(iamTransport).getUserMetadata(
    { id: args.bobId, key: `${prefix}org` },
    { contextValues: withOrgId(args.globexId) },
  );

  const missing = await alice.get(`${prefix}missing`);
  const notFound = await outcome(createManagementClient(admin).getUserMetadata({ id: args.aliceId, key: `${prefix}missing` }));

  const addApiKey: Interceptor = (next) => (req) => {
    req.header.set("x-api-key", "not on ZITADEL's list");
    return next(req);
  };
  const blocked = createZitadelTransport({ baseUrl, protocol, auth: args.adminToken, interceptors: [addApiKey], ...optIn });
  const disallowedHeader = await outcome(createMetadataClient(blocked).user(args.aliceId).get(`${prefix}text`));

  // v2: no opt-in on any protocol; the org is named in the request.
  const v2 = createMetadataClient(createZitadelTransport({ baseUrl, protocol, auth: args.adminToken }), { api: "v2", orgId: args.acmeId });
  const aliceV2 = v2.user(args.aliceId);
  await aliceV2.set(`${prefix}v2.binary`, new Uint8Array([0x00, 0xff, 0x80]));
  const applied = await aliceV2.apply({ set: { [`${prefix}v2.a`]: "a", [`${prefix}v2.b`]: "b" }, remove: [`${prefix}v2.binary`] });
  const v2Binary = await v2.user(args.aliceId).get(`${prefix}binary`);
  const v2Listed = await aliceV2.list({ prefix: `${prefix}v2.` }).toArray();
  await v2.org().set(`${prefix}v2.org`, "org via v2");
  const orgValue = (await v2.org().get(`${prefix}v2.org`))?.text() ?? "";
  const missingRemove = await outcome(aliceV2.remove(`${prefix}v2.missing`));

  return {
    v2: {
      binary: Array.from(v2Binary?.value ?? []),
      listed: v2Listed.map((e) => e.key).sort(),
      applied: { requests: applied.requests, atomic: applied.atomic },
      orgValue,
      missingRemove,
    },
    pageOrigin: location.origin,
    binary: Array.from(binary?.value ?? []),
    text: text?.text() ?? "",
    listed: listed.map((e) => ({ key: e.key, value: Array.from(e.value) })),
    withoutOrg,
    withOrgResourceOwner: written.details.resourceOwner ?? "",
    withOrgIdValue: new TextDecoder().decode(readBack.metadata?.value),
    missingViaGet: missing === undefined ? "undefined" : "an entry",
    notFound,
    disallowedHeader,
  };
}

(globalThis as unknown as { zmetaScenario: typeof scenario }).zmetaScenario = scenario;
