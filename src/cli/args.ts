import type { Quirks } from "../emulator/index.js";
import type { MetadataApiName, ZitadelProtocol } from "../index.js";
import type { AuthSetting } from "./connection-args.js";
import { apiNames, authOptions, parseAuth, protocols, withoutUserInfo } from "./connection-args.js";
import type { MetadataCommand } from "./metadata-args.js";
import { metadataOptionSpecs, parseMetadataCommand } from "./metadata-args.js";
import type { Env, OptionSpec } from "./parse-options.js";
import { helpOption, nonEmpty, parseDuration, parseOptions, stringValue, usageError } from "./parse-options.js";

/** Every command `zmeta` knows, in the order the overview lists them. */
export const commandNames = ["get", "set", "list", "rm", "export", "import", "emulator", "demo", "completion", "help"] as const;
export type CommandName = (typeof commandNames)[number];

/** `zmeta --version` (or `-V`): only before a command, where no command's flags can clash with it. */
export const versionFlags: readonly string[] = ["--version", "-V"];

/** The protocols the demo can exercise, in table order. */
export const demoProtocols: readonly ZitadelProtocol[] = protocols;

/**
 * A real ZITADEL serves its v1 APIs over gRPC, gRPC-web and REST but not
 * Connect, so the demo leaves Connect out of v1 there unless the user asks
 * for it; v2 has all four. (The embedded emulator, as ZITADEL, does not
 * serve Connect on v1 either; its demo keeps the column to show so.)
 */
const zitadelDefaultProtocols: Readonly<Record<MetadataApiName, readonly ZitadelProtocol[]>> = {
  v1: ["grpc", "grpc-web", "rest"],
  v2: protocols,
};

export interface HelpCommand {
  command: "help";
  /** The command whose usage to show; undefined shows the overview. */
  topic: CommandName | undefined;
}

export interface VersionCommand {
  command: "version";
}

export interface EmulatorCommand {
  command: "emulator";
  host: string;
  port: number;
  /** Path of a JSON file of type EmulatorSeed. */
  seedFile: string | undefined;
  /** Lifetime of tokens from /oauth/v2/token; undefined keeps the emulator's default (12 h, as ZITADEL). */
  tokenTtlSeconds: number | undefined;
  /** --connect-v1: also serve Connect on the v1 paths, which ZITADEL does not. */
  connectV1: boolean;
  /** --list-order, --error-language, --error-conversion-bug: opt-in realism. */
  quirks: Partial<Quirks>;
  /** --faults TEXT, as parseFaults reads it; checked when the command runs (parseFaults lives in the emulator, which parsing must not load). */
  faults: string | undefined;
}

/** Where the demo sends its calls. */
export type DemoTarget = { kind: "emulator" } | { kind: "zitadel"; url: string; auth: AuthSetting; userId: string; orgId: string | undefined };

export interface DemoCommand {
  command: "demo";
  target: DemoTarget;
  /** The APIs to show, in order: v1 and/or v2. */
  apis: MetadataApiName[];
  /** The columns of each API's table. */
  protocols: Record<MetadataApiName, ZitadelProtocol[]>;
  /**
   * --connect-v1: the connect column calls v1 over Connect (the embedded
   * emulator then serves it); without it that column shows ZITADEL's "not served".
   */
  connectV1: boolean;
}

/** The shells `zmeta completion` writes a script for. */
export const completionShells = ["bash", "zsh", "fish"] as const;
export type CompletionShell = (typeof completionShells)[number];

export interface CompletionCommand {
  command: "completion";
  shell: CompletionShell;
}

export type ParsedCommand = HelpCommand | VersionCommand | EmulatorCommand | DemoCommand | CompletionCommand | MetadataCommand;

export type ParseResult = { ok: true; value: ParsedCommand } | { ok: false; errorMessage: string };

/** --list-order's and --error-language's values, first the default. */
export const listOrders = ["storage", "changing"] as const;
export const errorLanguages = ["en", "pseudo"] as const;

const emulatorOptions: OptionSpec = {
  ...helpOption,
  host: { type: "string" },
  port: { type: "string" },
  seed: { type: "string" },
  "token-ttl": { type: "string" },
  "connect-v1": { type: "boolean" },
  "list-order": { type: "string" },
  "error-language": { type: "string" },
  "error-conversion-bug": { type: "boolean" },
  faults: { type: "string" },
};

const demoOptions: OptionSpec = {
  ...helpOption,
  url: { type: "string" },
  ...authOptions,
  user: { type: "string", short: "u" },
  "org-id": { type: "string" },
  api: { type: "string" },
  protocol: { type: "string" },
  "connect-v1": { type: "boolean" },
};

/**
 * Every command's flags: what each parser accepts, and what `zmeta completion`
 * offers, so the two cannot drift apart.
 */
export const commandOptionSpecs: Readonly<Record<CommandName, OptionSpec>> = {
  ...metadataOptionSpecs,
  emulator: emulatorOptions,
  demo: demoOptions,
  completion: helpOption,
  help: helpOption,
};

/** --json where the output is not data for scripts, or is JSON already: refused with the reason. */
const jsonRefusals: Partial<Record<CommandName, string>> = {
  emulator: "--json does not apply: the emulator's ready line is JSON already (one line on stdout); drop --json",
  demo:
    "--json does not apply: the demo prints a table for people, and its exit code (0 or 1) says whether every call behaved; " +
    "drop --json, or script with get --json and list --json",
  completion: "--json does not apply: completion prints a shell script; drop --json",
  help: "--json does not apply: help prints text; drop --json",
};

function refusedFlags(command: CommandName): Record<string, string> | undefined {
  const json = jsonRefusals[command];
  return json === undefined ? undefined : { json };
}

/**
 * Turns `zmeta`'s arguments (without node and the script path) into a
 * command. Pure: it reads the environment only through `env`, prints nothing
 * and never exits, so every rule here is testable without a process.
 */
export function parseCli(argv: readonly string[], env: Env = {}): ParseResult {
  const [first, ...rest] = argv;
  if (first === undefined || first === "--help" || first === "-h") {
    return { ok: true, value: { command: "help", topic: undefined } };
  }
  if (versionFlags.includes(first)) {
    return rest.length === 0 ? { ok: true, value: { command: "version" } } : usageError(undefined, `${first} takes nothing after it`);
  }
  if (first.startsWith("-")) {
    return usageError(undefined, `unknown option "${first}"; options go after the command, e.g. "zmeta get --user ID KEY"`);
  }
  if (!isCommandName(first)) {
    return usageError(undefined, `unknown command "${first}"`);
  }
  switch (first) {
    case "help":
      return parseHelp(rest);
    case "completion":
      return parseCompletion(rest);
    case "emulator":
      return parseEmulator(rest);
    case "demo":
      return parseDemo(rest, env);
    default:
      return parseMetadataCommand(first, rest, env);
  }
}

function parseHelp(argv: string[]): ParseResult {
  const parsed = parseOptions("help", argv, helpOption, {
    maxPositionals: 1,
    echoPositionals: true,
    positionalsHint: "give one command name",
    refused: refusedFlags("help"),
  });
  if (!parsed.ok) return parsed;
  const topic = parsed.positionals[0];
  if (topic === undefined) return { ok: true, value: { command: "help", topic: undefined } };
  if (!isCommandName(topic)) return usageError(undefined, `unknown command "${topic}"`);
  return { ok: true, value: { command: "help", topic } };
}

function parseCompletion(argv: string[]): ParseResult {
  const parsed = parseOptions("completion", argv, helpOption, {
    maxPositionals: 1,
    echoPositionals: true,
    positionalsHint: `give one shell: ${completionShells.join(", ")}`,
    refused: refusedFlags("completion"),
  });
  if (!parsed.ok) return parsed;
  if (parsed.values.help === true) return { ok: true, value: { command: "help", topic: "completion" } };
  const shell = parsed.positionals[0];
  if (shell === undefined) return usageError("completion", `name the shell: zmeta completion ${completionShells.join("|")}`);
  const known = completionShells.find((s) => s === shell);
  if (known === undefined) return usageError("completion", `no completion for "${shell}"; the shells are ${completionShells.join(", ")}`);
  return { ok: true, value: { command: "completion", shell: known } };
}

function parseEmulator(argv: string[]): ParseResult {
  const parsed = parseOptions("emulator", argv, emulatorOptions, {
    maxPositionals: 0,
    echoPositionals: true,
    positionalsHint: "every input is a --flag",
    refused: refusedFlags("emulator"),
  });
  if (!parsed.ok) return parsed;
  const { values } = parsed;
  if (values.help === true) return { ok: true, value: { command: "help", topic: "emulator" } };
  const host = stringValue(values.host) ?? "127.0.0.1";
  if (host === "") return usageError("emulator", '--host needs an interface address such as "127.0.0.1"');
  const portText = stringValue(values.port) ?? "8080";
  // Number("") and Number(" 80") would pass a looser check; a port is digits only.
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
  if (!(port >= 0 && port <= 65535)) {
    return usageError("emulator", `--port must be a number from 0 to 65535 (0 picks a free port), got "${portText}"`);
  }
  const ttlText = stringValue(values["token-ttl"]);
  let tokenTtlSeconds: number | undefined;
  if (ttlText !== undefined) {
    const ms = parseDuration(ttlText, "s");
    if (ms === undefined || ms % 1000 !== 0) {
      return usageError("emulator", `--token-ttl must be a whole number of seconds, or minutes or hours such as 90, 15m, 12h; got "${ttlText}"`);
    }
    tokenTtlSeconds = ms / 1000;
  }
  const connectV1 = values["connect-v1"] === true;
  const quirks: Partial<Quirks> = {};
  const listOrder = stringValue(values["list-order"]);
  if (listOrder !== undefined) {
    if (listOrder !== listOrders[0] && listOrder !== listOrders[1]) {
      return usageError(
        "emulator",
        `--list-order must be "storage" (the default, as ZITADEL) or "changing" (a new row order on every list query), got "${listOrder}"`,
      );
    }
    quirks.listOrder = listOrder;
  }
  const errorLanguage = stringValue(values["error-language"]);
  if (errorLanguage !== undefined) {
    if (errorLanguage !== errorLanguages[0] && errorLanguage !== errorLanguages[1]) {
      return usageError("emulator", `--error-language must be "en" (the default) or "pseudo" (translated error texts), got "${errorLanguage}"`);
    }
    quirks.errorLanguage = errorLanguage;
  }
  if (values["error-conversion-bug"] === true) quirks.errorConversionBug = true;
  const faults = stringValue(values.faults);
  if (faults !== undefined && faults.trim() === "") {
    return usageError("emulator", '--faults needs a list such as "unavailable=0.05,reset-after=0.02,seed=7"');
  }
  return {
    ok: true,
    value: { command: "emulator", host, port, seedFile: stringValue(values.seed), tokenTtlSeconds, connectV1, quirks, faults },
  };
}

function parseDemo(argv: string[], env: Env): ParseResult {
  // A stray word may well be a token whose flag was mistyped, so it is not echoed.
  const parsed = parseOptions("demo", argv, demoOptions, {
    maxPositionals: 0,
    echoPositionals: false,
    positionalsHint: "every input is a --flag",
    refused: refusedFlags("demo"),
  });
  if (!parsed.ok) return parsed;
  const { values } = parsed;
  if (values.help === true) return { ok: true, value: { command: "help", topic: "demo" } };

  const url = stringValue(values.url) ?? nonEmpty(env.ZITADEL_URL);
  let target: DemoTarget;
  if (url === undefined) {
    // Flags that only make sense against a real ZITADEL are a mistake here;
    // stray environment variables are not, so they are ignored.
    const stray = ["token", "key-file", "client-id", "client-secret", "user", "org-id"].filter((name) => values[name] !== undefined);
    if (stray.length > 0) {
      const verb = stray.length === 1 ? "applies" : "apply";
      return usageError("demo", `${stray.map((s) => `--${s}`).join(", ")} only ${verb} together with --url (or ZITADEL_URL)`);
    }
    target = { kind: "emulator" };
  } else {
    try {
      const u = new URL(url);
      if (u.protocol !== "https:" && u.protocol !== "http:") throw new Error("not http(s)");
    } catch {
      return usageError("demo", `--url must be an absolute http(s) URL such as "https://acme.zitadel.cloud", got "${withoutUserInfo(url)}"`);
    }
    const auth = parseAuth(values, env);
    if (!auth.ok) return usageError("demo", auth.problem);
    const userId = stringValue(values.user) ?? nonEmpty(env.ZITADEL_USER_ID);
    const missing = [
      auth.value === undefined ? "--token (or ZITADEL_TOKEN), --key-file (or ZITADEL_KEY_FILE) or --client-id with --client-secret" : undefined,
      userId === undefined ? "--user (or ZITADEL_USER_ID)" : undefined,
    ].filter((m) => m !== undefined);
    if (auth.value === undefined || userId === undefined) {
      return usageError("demo", `with --url it also needs ${missing.join(" and ")}`);
    }
    const orgId = stringValue(values["org-id"]) ?? nonEmpty(env.ZITADEL_ORG_ID);
    target = { kind: "zitadel", url, auth: auth.value, userId, orgId };
  }

  const apiFlag = stringValue(values.api);
  const apiList = apiFlag ?? nonEmpty(env.ZITADEL_API);
  let apis: MetadataApiName[];
  if (apiList === undefined) {
    // A real ZITADEL may be older than v4.7 (or v4.0), and v2's org calls need --org-id: v1 unless asked.
    apis = target.kind === "emulator" ? [...apiNames] : ["v1"];
  } else {
    const names = apiList
      .split(",")
      .map((a) => a.trim())
      .filter((a) => a !== "");
    const unknown = names.filter((a) => !apiNames.some((known) => known === a));
    if (names.length === 0 || unknown.length > 0) {
      return usageError(
        "demo",
        `${apiFlag !== undefined ? "--api" : "ZITADEL_API"} takes v1, v2 or v1,v2${unknown.length > 0 ? `; unknown: ${unknown.join(", ")}` : ""}`,
      );
    }
    apis = apiNames.filter((a) => names.includes(a));
  }
  if (target.kind === "zitadel" && apis.includes("v2") && target.orgId === undefined) {
    return usageError("demo", "--api v2 with --url needs --org-id (or ZITADEL_ORG_ID): v2 takes the organization in the request");
  }

  const protocolList = stringValue(values.protocol) ?? nonEmpty(env.ZITADEL_PROTOCOL);
  let chosen: ZitadelProtocol[] | undefined;
  if (protocolList !== undefined) {
    const names = protocolList
      .split(",")
      .map((p) => p.trim())
      .filter((p) => p !== "");
    const unknown = names.filter((p) => !demoProtocols.some((known) => known === p));
    if (names.length === 0 || unknown.length > 0) {
      return usageError(
        "demo",
        `--protocol takes a comma-separated list of ${demoProtocols.join(", ")}${unknown.length > 0 ? `; unknown: ${unknown.join(", ")}` : ""}`,
      );
    }
    // Keep the table's column order fixed whatever order the user typed.
    chosen = demoProtocols.filter((p) => names.includes(p));
  }
  const columns = (api: MetadataApiName): ZitadelProtocol[] => [...(chosen ?? (target.kind === "emulator" ? demoProtocols : zitadelDefaultProtocols[api]))];
  const perApi = { v1: columns("v1"), v2: columns("v2") };
  const connectV1 = values["connect-v1"] === true;
  if (connectV1 && !(apis.includes("v1") && perApi.v1.includes("connect"))) {
    return usageError(
      "demo",
      apis.includes("v1")
        ? `--connect-v1 applies only when --protocol includes connect (it is ${perApi.v1.join(",")})`
        : "--connect-v1 applies only to v1, and --api leaves v1 out",
    );
  }
  return { ok: true, value: { command: "demo", target, apis, protocols: perApi, connectV1 } };
}

function isCommandName(name: string): name is CommandName {
  return commandNames.some((c) => c === name);
}
