import type { ConnectionSettings } from "./connection-args.js";
import { connectionOptions, isIdLike, parseConnection, parseRate } from "./connection-args.js";
import type { Env, OptionSpec, OptionValues, UsageError } from "./parse-options.js";
import { helpOption, parseOptions, stringList, stringValue, usageError } from "./parse-options.js";
import type { ValueFormat } from "./value-format.js";
import { valueFormats } from "./value-format.js";
import { keyLengthProblem, runeLength, v1Limits } from "../index.js";

/**
 * Whose metadata a command acts on. The organization of "org" is the
 * connection's (--org-id), else (v1 only) the token's own.
 */
export type ScopeSelector = { kind: "user"; userId: string } | { kind: "org" } | { kind: "me" };

/** The scopes that can be written: ZITADEL's auth API ("me") only reads. */
export type WritableScope = Exclude<ScopeSelector, { kind: "me" }>;

export interface GetCommand {
  command: "get";
  connection: ConnectionSettings;
  scope: ScopeSelector;
  key: string;
  format: ValueFormat;
  /** Print the whole entry (base64 value and details) as one JSON object. */
  json: boolean;
}

export type SetInput = { kind: "argument"; text: string } | { kind: "file"; path: string } | { kind: "stdin" };

export interface SetCommand {
  command: "set";
  connection: ConnectionSettings;
  scope: WritableScope;
  key: string;
  input: SetInput;
  format: ValueFormat;
  /** Print what was written (key, size, the server's details) as one JSON object on stdout. */
  json: boolean;
}

export interface ListCommand {
  command: "list";
  connection: ConnectionSettings;
  scope: ScopeSelector;
  prefix: string | undefined;
  json: boolean;
  /** Undefined: a truncated preview per entry, for people. */
  format: Exclude<ValueFormat, "raw"> | undefined;
}

export interface RmCommand {
  command: "rm";
  connection: ConnectionSettings;
  scope: WritableScope;
  /** Distinct, in the order given. */
  keys: string[];
  /** Print the removed keys as one JSON object on stdout. */
  json: boolean;
}

export interface ExportCommand {
  command: "export";
  connection: ConnectionSettings;
  /** Distinct, in the order given. */
  userIds: string[];
  /** A file of user ids, one per line (or "-" for stdin). */
  usersFile: string | undefined;
  org: boolean;
  prefix: string | undefined;
  /** Undefined: standard output. */
  out: string | undefined;
  /** With --out only: the summary as one JSON object on stdout. */
  json: boolean;
}

export interface ImportCommand {
  command: "import";
  connection: ConnectionSettings;
  /** Undefined: standard input. */
  file: string | undefined;
  concurrency: number;
  dryRun: boolean;
  /** The outcome (per user and organization) as one JSON object on stdout. */
  json: boolean;
}

export type MetadataCommand = GetCommand | SetCommand | ListCommand | RmCommand | ExportCommand | ImportCommand;
export type MetadataCommandName = MetadataCommand["command"];

type HelpRequest = { command: "help"; topic: MetadataCommandName };
type Result = { ok: true; value: MetadataCommand | HelpRequest } | UsageError;

const scopeOptions: OptionSpec = {
  user: { type: "string", short: "u" },
  org: { type: "boolean" },
  me: { type: "boolean" },
};

/** --rate: on the commands that send many requests (get and set send one). */
const rateOption: OptionSpec = { rate: { type: "string" } };

/** The commands that take --rate (and read ZITADEL_RATE). */
const paced: ReadonlySet<MetadataCommandName> = new Set(["list", "rm", "export", "import"]);

/** --json: every metadata command prints its result as JSON on stdout with it. */
const jsonOption: OptionSpec = { json: { type: "boolean" } };

/**
 * The flags of each metadata command: what the parser accepts, and what
 * `zmeta completion` offers. Short flags: -u (--user), -f (--file, on set),
 * -o (--out, on export), -h (--help); none other, so none means two things.
 */
export const metadataOptionSpecs: Readonly<Record<MetadataCommandName, OptionSpec>> = {
  get: { ...helpOption, ...scopeOptions, ...connectionOptions, ...jsonOption, format: { type: "string" } },
  set: { ...helpOption, ...scopeOptions, ...connectionOptions, ...jsonOption, format: { type: "string" }, file: { type: "string", short: "f" } },
  list: { ...helpOption, ...scopeOptions, ...connectionOptions, ...rateOption, ...jsonOption, prefix: { type: "string" }, format: { type: "string" } },
  rm: { ...helpOption, ...scopeOptions, ...connectionOptions, ...rateOption, ...jsonOption },
  export: {
    ...helpOption,
    ...connectionOptions,
    ...rateOption,
    ...jsonOption,
    user: { type: "string", short: "u", multiple: true },
    "users-file": { type: "string" },
    org: { type: "boolean" },
    prefix: { type: "string" },
    out: { type: "string", short: "o" },
  },
  import: { ...helpOption, ...connectionOptions, ...rateOption, ...jsonOption, concurrency: { type: "string" }, "dry-run": { type: "boolean" } },
};

/** How a KEY, VALUE or FILE that starts with "-" is passed: after "--", which ends the flags. */
const dashHints: Record<MetadataCommandName, string | undefined> = {
  get: 'a KEY that starts with "-" goes last, after "--": zmeta get --user ID -- -KEY',
  set: 'a KEY or VALUE that starts with "-" goes last, after "--": zmeta set --user ID KEY -- -5',
  list: undefined,
  rm: 'KEYs that start with "-" go last, after "--": zmeta rm --user ID -- -KEY',
  export: undefined,
  import: 'a FILE that starts with "-" goes last, after "--": zmeta import -- -FILE',
};

const maxPositionals: Record<MetadataCommandName, number> = { get: 1, set: 2, list: 0, rm: Infinity, export: 0, import: 1 };

/** Parses the arguments after get, set, list, rm, export or import. Pure, like parseCli. */
export function parseMetadataCommand(command: MetadataCommandName, argv: readonly string[], env: Env): Result {
  const spec = metadataOptionSpecs[command];
  // "--org 123" leaves 123 as a positional; say what --org is instead of "unexpected argument".
  const afterOrg = argv[argv.indexOf("--org") + 1];
  const orgHint =
    argv.includes("--org") && afterOrg !== undefined && /^\d+$/.test(afterOrg)
      ? "--org takes no value (it selects the organization itself); name an organization with --org-id ID"
      : undefined;
  const parsed = parseOptions(command, argv, spec, {
    maxPositionals: maxPositionals[command],
    // set's VALUE may be a secret.
    echoPositionals: command !== "set",
    positionalsHint: orgHint ?? positionalsHints[command],
    dashHint: dashHints[command],
    refused: command === "export" ? { me: "export does not take --me; export your own metadata with --user and your user id" } : undefined,
  });
  if (!parsed.ok) return parsed;
  const { values, positionals } = parsed;
  if (values.help === true) return { ok: true, value: { command: "help", topic: command } };

  const fail = (problem: string) => usageError(command, problem);
  const built = buildCommand(command, values, positionals);
  if (typeof built === "string") return fail(built);
  const connection = parseConnection(values, env);
  if (!connection.ok) return fail(connection.problem);
  const conflict = "scope" in built && built.scope.kind === "me" ? meProblem(connection.value) : undefined;
  if (conflict !== undefined) return fail(conflict);
  let settings = connection.value;
  if (paced.has(command)) {
    const rate = parseRate(values, env);
    if (!rate.ok) return fail(rate.problem);
    if (rate.value !== undefined) settings = { ...settings, rate: rate.value };
  }
  return { ok: true, value: { ...built, connection: settings } as MetadataCommand };
}

/**
 * v2 has no "my metadata" RPC, so --me reads v1's AuthService on both APIs;
 * ZITADEL serves that over grpc, grpc-web and rest only. (v2 lets every user
 * list its own metadata, so --user with one's own id is the v2 way.)
 */
function meProblem(connection: ConnectionSettings): string | undefined {
  if (connection.api !== "v2" || connection.protocol !== "connect" || connection.connectV1) return undefined;
  return (
    '--me with --protocol connect: v2 has no "my metadata" RPC, so --me reads v1\'s AuthService, which ZITADEL does not serve over Connect; ' +
    "read your own metadata with --user YOUR_USER_ID (v2 always lets a user read its own), or use --protocol grpc, grpc-web or rest"
  );
}

const positionalsHints: Record<MetadataCommandName, string | undefined> = {
  get: "give one KEY",
  set: "give KEY and at most one VALUE (quote a value with spaces)",
  list: "list takes no arguments; filter with --prefix",
  rm: undefined,
  export: "export takes no arguments; name users with --user (repeatable) or --users-file",
  import: "give at most one FILE (or - for stdin)",
};

type WithoutConnection<T> = T extends unknown ? Omit<T, "connection"> : never;

/** The command without its connection, or a usage problem. */
function buildCommand(command: MetadataCommandName, values: OptionValues, positionals: string[]): WithoutConnection<MetadataCommand> | string {
  switch (command) {
    case "get": {
      const scope = parseScope(values, false);
      if (typeof scope === "string") return scope;
      const key = requireKey(positionals[0], "get --user ID KEY");
      if (!key.ok) return key.problem;
      const format = parseFormat(values.format);
      if (typeof format !== "object") return format;
      if (values.json === true && format.given) return "--json prints the whole entry with a base64 value; drop --format, or drop --json";
      return { command, scope, key: key.key, format: format.format, json: values.json === true };
    }
    case "set": {
      const scope = parseScope(values, true);
      if (typeof scope === "string") return scope;
      if (scope.kind === "me") return meIsReadOnly;
      const key = requireKey(positionals[0], "set --user ID KEY VALUE");
      if (!key.ok) return key.problem;
      const format = parseFormat(values.format);
      if (typeof format !== "object") return format;
      const file = stringValue(values.file);
      const text = positionals[1];
      if (file !== undefined && text !== undefined) return "give the value as an argument or with --file, not both";
      if (file === "") return "--file needs a path (or - for stdin)";
      const input: SetInput =
        text !== undefined ? { kind: "argument", text } : file !== undefined && file !== "-" ? { kind: "file", path: file } : { kind: "stdin" };
      return { command, scope, key: key.key, input, format: format.format, json: values.json === true };
    }
    case "list": {
      const scope = parseScope(values, false);
      if (typeof scope === "string") return scope;
      const format = parseFormat(values.format);
      if (typeof format !== "object") return format;
      if (values.json === true && format.given) return "--json prints whole entries with base64 values; drop --format, or drop --json";
      if (format.format === "raw") return "--format raw has no line structure for a list; use --format base64, --json, or get --format raw per key";
      const prefix = stringValue(values.prefix);
      return { command, scope, prefix, json: values.json === true, format: format.given ? format.format : undefined };
    }
    case "rm": {
      const scope = parseScope(values, true);
      if (typeof scope === "string") return scope;
      if (scope.kind === "me") return meIsReadOnly;
      if (positionals.length === 0) return "give at least one KEY to remove";
      for (const k of positionals) {
        const problem = keyProblem(k);
        if (problem) return problem;
      }
      return { command, scope, keys: [...new Set(positionals)], json: values.json === true };
    }
    case "export": {
      const userIds = [...new Set(stringList(values.user))];
      const bad = userIds.find((id) => !isIdLike(id));
      if (bad !== undefined) return `--user must be a user id such as 69629023906488334, got "${bad}"`;
      const usersFile = stringValue(values["users-file"]);
      if (usersFile === "") return "--users-file needs a path (or - for stdin)";
      const org = values.org === true;
      if (userIds.length === 0 && usersFile === undefined && !org) {
        return "say what to export: --user ID (repeatable), --users-file FILE, and/or --org; " + "ZITADEL's metadata API cannot list users, so users are named";
      }
      const out = stringValue(values.out);
      if (out === "") return "--out needs a path";
      const toStdout = out === undefined || out === "-";
      if (values.json === true && toStdout) {
        return 'export writes NDJSON to stdout already, one {"scope","id","key","value"} per line; --json prints a JSON summary instead, so it needs --out FILE';
      }
      return { command, userIds, usersFile, org, prefix: stringValue(values.prefix), out: toStdout ? undefined : out, json: values.json === true };
    }
    case "import": {
      const text = stringValue(values.concurrency) ?? "4";
      const concurrency = /^\d{1,2}$/.test(text) ? Number(text) : NaN;
      if (!(concurrency >= 1 && concurrency <= 64)) return `--concurrency must be a number from 1 to 64, got "${text}"`;
      const file = positionals[0];
      return {
        command,
        file: file === undefined || file === "-" ? undefined : file,
        concurrency,
        dryRun: values["dry-run"] === true,
        json: values.json === true,
      };
    }
  }
}

const meIsReadOnly =
  "--me is read-only: ZITADEL's auth API has no metadata writes; to change your own metadata use --user with your user id and a token allowed to write it";

function parseScope(values: OptionValues, writes: boolean): ScopeSelector | string {
  const user = stringValue(values.user);
  const org = values.org === true;
  const me = values.me === true;
  const given = [user !== undefined ? "--user" : undefined, org ? "--org" : undefined, me ? "--me" : undefined].filter((f) => f !== undefined);
  if (given.length === 0) {
    return writes
      ? "say whose metadata: --user ID, or --org for the organization (--org-id picks which)"
      : "say whose metadata: --user ID, --org for the organization (--org-id picks which), or --me for the token's own user";
  }
  if (given.length > 1) return `choose one of --user, --org and --me, not ${given.join(" and ")}`;
  if (me) return { kind: "me" };
  if (org) return { kind: "org" };
  if (user !== undefined && !isIdLike(user)) return `--user must be a user id such as 69629023906488334, got "${user}"`;
  return { kind: "user", userId: user! };
}

function requireKey(key: string | undefined, example: string): { ok: true; key: string } | { ok: false; problem: string } {
  if (key === undefined) return { ok: false, problem: `give the KEY, e.g. "zmeta ${example}"` };
  const problem = keyProblem(key);
  return problem === undefined ? { ok: true, key } : { ok: false, problem };
}

/** ZITADEL's rule: 1 to 200 characters (code points). */
export function keyProblem(key: string): string | undefined {
  return keyLengthProblem(key) === undefined ? undefined : `a KEY must be 1 to ${v1Limits.maxKeyRunes} characters, got ${runeLength(key)}`;
}

function parseFormat(v: OptionValues[string]): { format: ValueFormat; given: boolean } | string {
  const text = stringValue(v);
  if (text === undefined) return { format: "text", given: false };
  const format = valueFormats.find((f) => f === text);
  if (format === undefined) return `--format must be one of ${valueFormats.join(", ")}, got "${text}"`;
  return { format, given: true };
}
