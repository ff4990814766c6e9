import type { OrganizationServiceV2betaClient, OrganizationServiceV2Client, UserServiceV2Client, ZitadelProtocol } from "../index.js";
import { sharedErrors } from "../index.js";
import type { DemoCall } from "./demo-calls.js";
import { expectError, expectListed, UnexpectedResult } from "./demo-calls.js";

/** What every v2 demo call of one protocol works with. */
export interface DemoV2Context {
  protocol: ZitadelProtocol;
  /** zitadel.user.v2.UserService with a token allowed to write the user's metadata. */
  users: UserServiceV2Client;
  /** zitadel.org.v2.OrganizationService (ZITADEL v4.7+), the same token. */
  orgs: OrganizationServiceV2Client;
  /** zitadel.org.v2beta.OrganizationService (deprecated upstream), the same token. */
  orgsBeta: OrganizationServiceV2betaClient;
  /** UserService with the target user's own token, when the demo has it (its own emulator). */
  self: UserServiceV2Client | undefined;
  userId: string;
  /** v2 names the organization in every org request. */
  orgId: string;
  /** The keys of this column: user and org v2, and org v2beta (the same store as v2, so another key). */
  key: string;
  betaKey: string;
  missingKey: string;
  userValue: Uint8Array;
  orgValue: Uint8Array;
}

// filter.v2.TextFilterMethod and object.v2beta.TextQueryMethod number these alike.
const equals = 0;
const startsWith = 2;

/** The two keys written next to ctx.key in the same Set request. */
const moreKeys = (key: string) => [`${key}.bulk.1`, `${key}.bulk.2`];

const userGroup = "UserService (user.v2)";
const orgGroup = "OrganizationService (org.v2, ZITADEL v4.7+)";
const betaGroup = "OrganizationService (org.v2beta, deprecated)";

const setUser = "SetUserMetadata";
const setOrg = "SetOrganizationMetadata";
const setBeta = "SetOrganizationMetadata (v2beta)";

/**
 * The v2 calls of one protocol's column, in order: per service its writes,
 * reads, the expected failure and its clean-up. The labels under a group are
 * the RPC names; `id` keeps v2 and v2beta apart for `needs`.
 */
export const demoCallsV2: readonly DemoCall<DemoV2Context>[] = [
  {
    label: setUser,
    group: userGroup,
    needs: [],
    async run(ctx) {
      // One request, three entries: v2's Set is the batch, applied all or none.
      const metadata = [ctx.key, ...moreKeys(ctx.key)].map((key) => ({ key, value: ctx.userValue }));
      const res = await ctx.users.setUserMetadata({ userId: ctx.userId, metadata });
      if (res.setDate === undefined) throw new UnexpectedResult("no set_date");
    },
  },
  {
    label: "ListUserMetadata (STARTS_WITH)",
    group: userGroup,
    needs: [setUser],
    async run(ctx) {
      const res = await ctx.users.listUserMetadata({ userId: ctx.userId, filters: [keyFilter(ctx.key, startsWith)] });
      expectListed(res.metadata, [ctx.key, ...moreKeys(ctx.key)], ctx.userValue);
      expectTotal(res.pagination?.totalResult, 3);
    },
  },
  {
    label: "ListUserMetadata (EQUALS: one key, v2's get)",
    group: userGroup,
    needs: [setUser],
    async run(ctx) {
      const res = await ctx.users.listUserMetadata({ userId: ctx.userId, filters: [keyFilter(ctx.key, equals)] });
      expectListed(res.metadata, [ctx.key], ctx.userValue);
    },
  },
  {
    label: "ListUserMetadata (by the user: its own)",
    group: userGroup,
    needs: [setUser],
    needsSelf: true,
    async run(ctx) {
      if (ctx.self === undefined) throw new UnexpectedResult("no token of the user itself");
      // No role needed: v2 always lets a user list its own metadata (v2 has no "my metadata" RPC).
      const res = await ctx.self.listUserMetadata({ userId: ctx.userId, filters: [keyFilter(ctx.key, equals)] });
      expectListed(res.metadata, [ctx.key], ctx.userValue);
    },
  },
  {
    label: `DeleteUserMetadata (missing key: NotFound ${sharedErrors.bulkRemoveUserKeyMissing.id})`,
    group: userGroup,
    needs: [],
    async run(ctx) {
      await expectError(ctx.users.deleteUserMetadata({ userId: ctx.userId, keys: [ctx.missingKey] }), sharedErrors.bulkRemoveUserKeyMissing);
    },
  },
  {
    label: "DeleteUserMetadata",
    group: userGroup,
    needs: [setUser],
    async run(ctx) {
      const res = await ctx.users.deleteUserMetadata({ userId: ctx.userId, keys: [ctx.key, ...moreKeys(ctx.key)] });
      if (res.deletionDate === undefined) throw new UnexpectedResult("no deletion_date");
    },
  },
  ...orgCalls(orgGroup, setOrg, (ctx) => ctx.key, {
    set: (ctx, metadata) => ctx.orgs.setOrganizationMetadata({ organizationId: ctx.orgId, metadata }),
    list: (ctx, key) => ctx.orgs.listOrganizationMetadata({ organizationId: ctx.orgId, filters: [keyFilter(key, startsWith)] }),
    del: (ctx, keys) => ctx.orgs.deleteOrganizationMetadata({ organizationId: ctx.orgId, keys }),
  }),
  ...orgCalls(betaGroup, setBeta, (ctx) => ctx.betaKey, {
    set: (ctx, metadata) => ctx.orgsBeta.setOrganizationMetadata({ organizationId: ctx.orgId, metadata }),
    // v2beta's List takes `filter` (MetadataQuery with key_query), not `filters`.
    list: (ctx, key) =>
      ctx.orgsBeta.listOrganizationMetadata({
        organizationId: ctx.orgId,
        filter: [{ query: { case: "keyQuery", value: { key, method: startsWith } } }],
      }),
    del: (ctx, keys) => ctx.orgsBeta.deleteOrganizationMetadata({ organizationId: ctx.orgId, keys }),
  }),
];

interface OrgRpcs {
  set(ctx: DemoV2Context, metadata: { key: string; value: Uint8Array }[]): Promise<{ setDate?: unknown }>;
  list(ctx: DemoV2Context, prefix: string): Promise<{ metadata: { key: string; value: Uint8Array }[]; pagination?: { totalResult: bigint } }>;
  del(ctx: DemoV2Context, keys: string[]): Promise<{ deletionDate?: unknown }>;
}

/** Set, List, the missing-key Delete and Delete of one OrganizationService (v2 and v2beta have the same shape). */
function orgCalls(group: string, setId: string, keyOf: (ctx: DemoV2Context) => string, rpcs: OrgRpcs): DemoCall<DemoV2Context>[] {
  const missing = sharedErrors.bulkRemoveOrgKeyMissing;
  return [
    {
      label: "SetOrganizationMetadata",
      id: setId,
      group,
      needs: [],
      async run(ctx) {
        const key = keyOf(ctx);
        const res = await rpcs.set(
          ctx,
          [key, ...moreKeys(key)].map((k) => ({ key: k, value: ctx.orgValue })),
        );
        if (res.setDate === undefined) throw new UnexpectedResult("no set_date");
      },
    },
    {
      label: "ListOrganizationMetadata (STARTS_WITH)",
      group,
      needs: [setId],
      async run(ctx) {
        const key = keyOf(ctx);
        const res = await rpcs.list(ctx, key);
        expectListed(res.metadata, [key, ...moreKeys(key)], ctx.orgValue);
        expectTotal(res.pagination?.totalResult, 3);
      },
    },
    {
      label: `DeleteOrganizationMetadata (missing key: NotFound ${missing.id})`,
      group,
      needs: [],
      async run(ctx) {
        await expectError(rpcs.del(ctx, [ctx.missingKey]), missing);
      },
    },
    {
      label: "DeleteOrganizationMetadata",
      group,
      needs: [setId],
      async run(ctx) {
        const key = keyOf(ctx);
        const res = await rpcs.del(ctx, [key, ...moreKeys(key)]);
        if (res.deletionDate === undefined) throw new UnexpectedResult("no deletion_date");
      },
    },
  ];
}

/** metadata.v2.MetadataSearchFilter with a key filter, as the clients take it. */
function keyFilter(key: string, method: typeof equals | typeof startsWith) {
  return { filter: { case: "keyFilter" as const, value: { key, method } } };
}

function expectTotal(total: bigint | undefined, want: number): void {
  if (total !== BigInt(want)) throw new UnexpectedResult(`total_result ${total ?? "missing"}, want ${want}`);
}
