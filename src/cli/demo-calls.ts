import { Code, ConnectError } from "@connectrpc/connect";
import type { AuthClient, ErrorFact, ManagementClient, ZitadelProtocol } from "../index.js";
import { getErrorDetail, isConnectV1Refusal, TextQueryMethod, v1Errors } from "../index.js";

/** What every demo call of one protocol works with. */
export interface DemoContext {
  protocol: ZitadelProtocol;
  /** Writes: a token allowed to write the target user's and the org's metadata. */
  management: ManagementClient;
  /** The "my" calls: the token of whoever they act on. */
  auth: AuthClient;
  userId: string;
  key: string;
  missingKey: string;
  userValue: Uint8Array;
  orgValue: Uint8Array;
  /**
   * Whether the "my" token belongs to the target user. Known for the
   * emulator; for a real ZITADEL it is learnt from ListMyMetadata.
   */
  meIsTarget: boolean | undefined;
}

/** A call behaved differently from what the demo expects; the message is the short reason for the table. */
export class UnexpectedResult extends Error {
  override name = "UnexpectedResult";
  /** The whole story for stderr, when it does not fit in a table cell. */
  readonly detail: string;

  constructor(message: string, detail?: string) {
    super(message);
    this.detail = detail ?? message;
  }
}

export interface DemoCall<C = DemoContext> {
  /** Row label; the RPC name, plus what is special about this call. */
  label: string;
  /** What `needs` names this call by, when its label is not unique in the table (v2 and v2beta share RPC names); default the label. */
  id?: string;
  /** The heading the row goes under (the service), if the table has headings. */
  group?: string;
  /** Runs only when the demo has the target user's own token (its own emulator). */
  needsSelf?: boolean;
  /** Ids of calls whose success this one relies on; if any failed, this one is skipped. */
  needs: string[];
  /** Resolves when the call behaved as expected; throws a ConnectError or UnexpectedResult otherwise. */
  run(ctx: C): Promise<void>;
}

const setUser = "SetUserMetadata";
const setOrg = "SetOrgMetadata";
const listMy = "ListMyMetadata";
const bulkSetUser = "BulkSetUserMetadata";
/** The error a Get of a missing user key gives. */
const missingKeyError = v1Errors.userMetadataNotFound;
const bulkSetOrg = "BulkSetOrgMetadata";

/** The two keys the bulk calls write next to ctx.key. */
const bulkKeys = (ctx: DemoContext) => [`${ctx.key}.bulk.1`, `${ctx.key}.bulk.2`];

/** The calls of one protocol's column, in order: writes, reads, the expected failure, clean-up. */
export const demoCalls: readonly DemoCall[] = [
  {
    label: setUser,
    needs: [],
    async run(ctx) {
      const res = await ctx.management.setUserMetadata({ id: ctx.userId, key: ctx.key, value: ctx.userValue });
      if (res.details === undefined || res.details.sequence === 0n) throw new UnexpectedResult("no details.sequence");
    },
  },
  {
    label: "GetUserMetadata",
    needs: [setUser],
    async run(ctx) {
      const res = await ctx.management.getUserMetadata({ id: ctx.userId, key: ctx.key });
      expectValue(res.metadata?.value, ctx.userValue);
    },
  },
  {
    label: setOrg,
    needs: [],
    async run(ctx) {
      const res = await ctx.management.setOrgMetadata({ key: ctx.key, value: ctx.orgValue });
      if (res.details === undefined || res.details.sequence === 0n) throw new UnexpectedResult("no details.sequence");
    },
  },
  {
    label: "GetOrgMetadata",
    needs: [setOrg],
    async run(ctx) {
      const res = await ctx.management.getOrgMetadata({ key: ctx.key });
      expectValue(res.metadata?.value, ctx.orgValue);
    },
  },
  {
    label: bulkSetUser,
    needs: [],
    async run(ctx) {
      const metadata = bulkKeys(ctx).map((key) => ({ key, value: ctx.userValue }));
      const res = await ctx.management.bulkSetUserMetadata({ id: ctx.userId, metadata });
      if (res.details === undefined || res.details.sequence === 0n) throw new UnexpectedResult("no details.sequence");
    },
  },
  {
    label: "ListUserMetadata",
    needs: [setUser, bulkSetUser],
    async run(ctx) {
      const res = await ctx.management.listUserMetadata({ id: ctx.userId, queries: [startsWith(ctx.key)] });
      expectListed(res.result, [ctx.key, ...bulkKeys(ctx)], ctx.userValue);
    },
  },
  {
    label: bulkSetOrg,
    needs: [],
    async run(ctx) {
      const metadata = bulkKeys(ctx).map((key) => ({ key, value: ctx.orgValue }));
      const res = await ctx.management.bulkSetOrgMetadata({ metadata });
      if (res.details === undefined || res.details.sequence === 0n) throw new UnexpectedResult("no details.sequence");
    },
  },
  {
    label: "ListOrgMetadata",
    needs: [setOrg, bulkSetOrg],
    async run(ctx) {
      const res = await ctx.management.listOrgMetadata({ queries: [startsWith(ctx.key)] });
      expectListed(res.result, [ctx.key, ...bulkKeys(ctx)], ctx.orgValue);
    },
  },
  {
    label: listMy,
    needs: [setUser],
    async run(ctx) {
      const res = await ctx.auth.listMyMetadata({});
      const entry = res.result.find((m) => m.key === ctx.key);
      if (ctx.meIsTarget === undefined) {
        ctx.meIsTarget = entry !== undefined;
      } else if (ctx.meIsTarget && entry === undefined) {
        throw new UnexpectedResult(`"${ctx.key}" not listed`);
      }
      if (entry !== undefined) expectValue(entry.value, ctx.userValue);
    },
  },
  {
    label: "GetMyMetadata",
    needs: [setUser, listMy],
    async run(ctx) {
      if (ctx.meIsTarget) {
        const res = await ctx.auth.getMyMetadata({ key: ctx.key });
        expectValue(res.metadata?.value, ctx.userValue);
      } else {
        // The token's own user is someone else, who has no such key.
        await expectMetadataNotFound(ctx.auth.getMyMetadata({ key: ctx.key }));
      }
    },
  },
  {
    label: `GetUserMetadata (missing key: NotFound ${missingKeyError.id})`,
    needs: [],
    async run(ctx) {
      await expectMetadataNotFound(ctx.management.getUserMetadata({ id: ctx.userId, key: ctx.missingKey }));
    },
  },
  {
    label: "RemoveUserMetadata",
    needs: [setUser],
    async run(ctx) {
      await ctx.management.removeUserMetadata({ id: ctx.userId, key: ctx.key });
    },
  },
  {
    label: "RemoveOrgMetadata",
    needs: [setOrg],
    async run(ctx) {
      await ctx.management.removeOrgMetadata({ key: ctx.key });
    },
  },
  {
    label: "BulkRemoveUserMetadata",
    needs: [bulkSetUser],
    async run(ctx) {
      await ctx.management.bulkRemoveUserMetadata({ id: ctx.userId, keys: bulkKeys(ctx) });
    },
  },
  {
    label: "BulkRemoveOrgMetadata",
    needs: [bulkSetOrg],
    async run(ctx) {
      await ctx.management.bulkRemoveOrgMetadata({ keys: bulkKeys(ctx) });
    },
  },
];

/** A key filter, as the clients take it (a message init). */
function startsWith(prefix: string) {
  return { query: { case: "keyQuery" as const, value: { key: prefix, method: TextQueryMethod.STARTS_WITH } } };
}

/** Exactly these keys, each with this value, in any order (ZITADEL's lists have none). */
export function expectListed(result: readonly { key: string; value: Uint8Array }[], keys: string[], value: Uint8Array): void {
  const listed = result.map((m) => m.key).sort();
  if (listed.join("\n") !== [...keys].sort().join("\n")) {
    throw new UnexpectedResult(`listed ${listed.length} keys, want ${keys.length}`, `listed ${JSON.stringify(listed)}, want ${JSON.stringify(keys)}`);
  }
  for (const m of result) expectValue(m.value, value);
}

export function expectValue(got: Uint8Array | undefined, want: Uint8Array): void {
  if (got === undefined) throw new UnexpectedResult("no metadata in the response");
  if (got.length !== want.length || got.some((b, i) => b !== want[i])) {
    throw new UnexpectedResult(`value differs: got ${got.length} bytes, sent ${want.length}`);
  }
}

/** "Metadata missing" is NotFound with id QUERY-Rgh32; NotFound alone can mean a missing membership. */
function expectMetadataNotFound(call: Promise<unknown>): Promise<void> {
  return expectError(call, missingKeyError);
}

/** The call fails with exactly this code and ErrorDetail id. */
export async function expectError(call: Promise<unknown>, want: Pick<ErrorFact, "id" | "code">): Promise<void> {
  try {
    await call;
  } catch (e) {
    // Refused before sending (v1 over Connect): not an answer to judge here.
    if (isConnectV1Refusal(e)) throw e;
    const err = ConnectError.from(e);
    const id = getErrorDetail(err)?.id;
    if (err.code === want.code && id === want.id) return;
    throw new UnexpectedResult(
      `got ${Code[err.code]}${id === undefined ? "" : ` ${id}`}`,
      `want ${Code[want.code]} ${want.id}, got ${Code[err.code]}: ${err.rawMessage}`,
    );
  }
  throw new UnexpectedResult(`succeeded; want ${Code[want.code]} ${want.id}`);
}
