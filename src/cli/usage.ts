import type { CommandName } from "./args.js";

const connection = `Connection (flag, or environment variable):
  --url URL               ZITADEL_URL            e.g. https://acme.zitadel.cloud
  --token TOKEN           ZITADEL_TOKEN          a personal access token
  --key-file FILE|JSON    ZITADEL_KEY_FILE       a service account key file (JWT profile),
                                                 its path or its JSON text
  --client-id ID          ZITADEL_CLIENT_ID      a machine user's client credentials;
  --client-secret SECRET  ZITADEL_CLIENT_SECRET  both are needed
  --api v1|v2             ZITADEL_API            which metadata API to call (default v1):
                                                 v1 works with every ZITADEL; v2 needs
                                                 ZITADEL v4.0 (users) and v4.7 (--org)
  --org-id ORG_ID         ZITADEL_ORG_ID         v1: the context organization
                                                 (x-zitadel-orgid), default the token
                                                 user's own; v2: the organization of
                                                 --org, required there (v2 finds users
                                                 in any organization)
  --protocol P            ZITADEL_PROTOCOL       grpc (default), grpc-web, rest, or connect;
                                                 ZITADEL serves v2 over all four and v1
                                                 over all but connect, so connect with
                                                 --api v1 needs --connect-v1
  --connect-v1            v1 calls over --protocol connect (with --api v2: --me's), only
                          for an emulator started with --connect-v1 (ZITADEL lacks it)
  --allow-insecure        send credentials over http:// to hosts other than loopback
  --timeout MS            deadline per request (default 30000; 30s and 2m work too)
  --retries N             ZITADEL_RETRIES: most attempts per request (default 4: up to
                          3 retries of what is safe to repeat; 1 for none)
  --ca FILE               ZITADEL_CA: PEM file of the CA that signed the server's
                          certificate (a private CA or a self-signed one)
  Give one way to authenticate. From the environment, ZITADEL_TOKEN wins over
  ZITADEL_KEY_FILE, which wins over the client credentials. Secrets are safer
  in variables than in flags, which show up in shell history and ps.`;

/** What differs between --api v1 and --api v2, shown in the overview. */
const apis = `v1 and v2 (--api):
  v1 (the default) is ManagementService and AuthService: every ZITADEL has it,
  its user and org RPCs deprecated since v4.1 but not removed. v2 is
  UserService (ZITADEL v4.0+) and OrganizationService v2 (v4.7+); ZITADEL
  serves it over Connect too. The commands work the same on both:
  - --org on v2 needs --org-id (v2 takes the organization in the request);
    without it the command exits 2 before any call.
  - --me reads v1's AuthService on both (v2 has no "my metadata" RPC), so with
    --api v2 --protocol connect it is refused (exit 2); there, read your own
    metadata with --user YOUR_USER_ID, which v2 always allows.
  - get --json and list --json print the same keys; v2 sends no sequence and
    no resource owner, so those are null.
  - export files are the same: a v1 export imports through v2 and back.`;

/** --rate, shared by list, rm, export and import. */
const rateHelp = (what: string) => `  --rate N          ZITADEL_RATE: at most N requests per second for the whole
                    command, evenly spaced: ${what}.
                    Decimals work (0.5 is one every 2 s); under ZITADEL Cloud's
                    50 per second use 45. When the server still says "too
                    many", the pace halves and honours its Retry-After.`;

const overview = `zmeta - ZITADEL metadata from the command line

Usage:
  zmeta <command> [options]
  zmeta -h, --help
  zmeta -V, --version   Print the version

Metadata commands:
  get KEY           Print one value
  set KEY [VALUE]   Store a value, from the argument, --file or stdin
  list              List keys and values, page by page as they arrive
  rm KEY...         Remove keys
  export            Write users' and the organization's metadata as NDJSON
  import [FILE]     Write NDJSON from export back: checks every line first,
                    then sends only what is missing or different

Other commands:
  emulator          Run a local, ZITADEL-compatible metadata API, v1 and v2, on
                    one port: v1 over gRPC, gRPC-web and REST (Connect too with
                    --connect-v1), v2 over those and Connect
  demo              Call every kind of v1 and v2 metadata RPC over each protocol
                    and print a table of results per API
  completion SHELL  Print a completion script for bash, zsh or fish
  help              Show this overview, or "zmeta help <command>" for one command

Whose metadata (get, set, list, rm):
  -u, --user ID     a user (v1: in the context organization, see --org-id)
  --org             the organization itself (v2: name it with --org-id)
  --me              the token's own user; read-only, as ZITADEL's auth API has no writes

Output for scripts: --json on get, set, list, rm, import, and export with --out;
stdout then holds JSON only (list: one object per line), stderr keeps the
notes and errors, and the exit codes stay the same. Short flags: -u (--user),
-f (--file, on set), -o (--out, on export), -h (--help); each is written on its
own ("-u ID", not "-uID"). An argument that starts with "-" but is a KEY or a
VALUE goes last, after "--": zmeta set --user ID balance -- -5

${connection}

${apis}

Examples:
  export ZITADEL_URL=https://acme.zitadel.cloud ZITADEL_TOKEN=...
  zmeta set --user 69629023906488334 plan pro
  zmeta get --user 69629023906488334 plan
  zmeta list --org --prefix feature.
  zmeta export --user 69629023906488334 --org --out backup.ndjson
  zmeta import backup.ndjson
  zmeta emulator --port 0
  source <(zmeta completion bash)

Exit codes: 0 success, 1 failure, 2 bad usage or bad input (nothing was
written), 3 no such key.
Run "zmeta <command> --help" for the options of a command.`;

const get = `zmeta get - print one metadata value

Usage:
  zmeta get (--user ID | --org | --me) KEY [--format FORMAT | --json] [connection]

Options:
  -u, --user ID   a user's metadata (v1: in the context organization, see --org-id)
  --org           the organization's metadata (v2: name it with --org-id)
  --me            the token's own user's metadata (v1's AuthService on both
                  APIs: not over connect; with --api v2 use --user YOUR_ID)
  --format F      how to print the value:
                    text    UTF-8 text and a newline (default); fails, rather than
                            printing garbage, when the bytes are not UTF-8
                    json    the value parsed as JSON, indented; fails if it is not JSON
                    base64  standard base64 and a newline
                    raw     the stored bytes exactly, nothing added
  --json          the whole entry as one JSON object: {"key","value" (base64),
                  "text" (the value as a string, null when it is not UTF-8),
                  "details":{"sequence","creationDate","changeDate","resourceOwner"}};
                  the same keys on --api v1 and v2, null where the server sent
                  nothing (v2 sends no sequence and no resource owner)
  -h, --help      Show this help.

${connection}

A missing key exits 3 with one line on stderr. On v1 ZITADEL answers the same
for a user outside the context organization, so check --org-id when the key
should exist. v2 has no Get: it reads the key with ListUserMetadata (or
ListOrganizationMetadata) and an EQUALS filter.

Examples:
  zmeta get --user 69629023906488334 plan
  zmeta get --org --org-id 71234567890123456 settings --format json
  zmeta get --me avatar --format raw > avatar.png
  zmeta get --user 69629023906488334 plan --json | jq -r .details.changeDate
  zmeta get -u 69629023906488334 -- -odd-key`;

const set = `zmeta set - store one metadata value

Usage:
  zmeta set (--user ID | --org) KEY VALUE [--format FORMAT] [--json] [connection]
  zmeta set (--user ID | --org) KEY --file PATH [--format FORMAT] [--json] [connection]
  ... | zmeta set (--user ID | --org) KEY [--format FORMAT] [--json] [connection]

The value is the VALUE argument, the content of --file, or stdin when neither
is given. --me cannot write: ZITADEL's auth API has no metadata writes.

Options:
  -u, --user ID   a user's metadata (v1: in the context organization, see --org-id)
  --org           the organization's metadata (v2: name it with --org-id)
  -f, --file PATH read the value from a file ("-" for stdin)
  --format F      how to read the value:
                    text    UTF-8 text (default); from a file or stdin one trailing
                            line break is dropped, as echo and editors add one
                            and get prints one
                    json    JSON text: checked, then stored as written
                    base64  base64 text, decoded; line breaks in it are ignored
                    raw     the bytes exactly as given (binary files)
  --json          also print what was written as one JSON object on stdout:
                  {"key","bytes" (the value's size),"details"}, details as in
                  "zmeta get --json"; never the value
  -h, --help      Show this help.

${connection}

Values are 1 to 500000 bytes. The input is checked before anything is sent:
a bad value exits 2 and writes nothing. A confirmation, never the value, goes to
stderr, with what the server said of the write: on v1 its sequence, on v2 its
date (v2 sends no sequence; for a value that was already stored, that date is
the last earlier change). A KEY or VALUE that starts with "-" goes last,
after "--", which ends the options: everything after it is taken as it is.

Examples:
  zmeta set --user 69629023906488334 plan pro
  echo '{"theme":"dark"}' | zmeta set --user 69629023906488334 prefs --format json
  zmeta set --org logo -f logo.png --format raw
  zmeta set --user 69629023906488334 balance -- -5
  zmeta set -u 69629023906488334 plan pro --json | jq -r .details.sequence`;

const list = `zmeta list - list metadata keys and values

Usage:
  zmeta list (--user ID | --org | --me) [--prefix P] [--format FORMAT | --json] [--rate N] [connection]

One line per entry, KEY<TAB>VALUE, written as the pages arrive. By default the
value is a preview: text with line breaks, tabs, backslashes and control
characters escaped (\\n, \\t, \\\\, \\u001b), cut at 80 characters; a value that
is not UTF-8 shows as <N bytes, not UTF-8>.

Options:
  -u, --user ID   a user's metadata (v1: in the context organization, see --org-id)
  --org           the organization's metadata (v2: name it with --org-id)
  --me            the token's own user's metadata (v1's AuthService on both
                  APIs: not over connect; with --api v2 use --user YOUR_ID)
  --prefix P      only keys that start with P
  --format F      the whole value instead of a preview: text (escaped as above),
                  json (compact, on one line) or base64
  --json          NDJSON: one {"key","value" (base64),"text","details"} object
                  per line, as "zmeta get --json" prints one (an empty listing
                  prints no line)
${rateHelp("every page counts")}
  -h, --help      Show this help.

${connection}

An empty listing prints nothing on stdout and a note on stderr. On SIGINT
(Ctrl-C), SIGTERM or SIGHUP it stops, says how many entries it printed and
exits 130, 143 or 129.

Examples:
  zmeta list --user 69629023906488334
  zmeta list --org --prefix feature. --format base64
  zmeta list --me --json | jq -r .key`;

const rm = `zmeta rm - remove metadata keys

Usage:
  zmeta rm (--user ID | --org) KEY [KEY...] [--rate N] [--json] [connection]

On v1 one key is removed with RemoveUserMetadata or RemoveOrgMetadata, several
with ZITADEL's bulk remove; on v2 with DeleteUserMetadata or
DeleteOrganizationMetadata. Either removes all the keys of a request or, when
any is missing, none. A missing key exits 3, naming it. --me cannot write:
ZITADEL's auth API has no metadata writes.

Options:
  -u, --user ID   a user's metadata (v1: in the context organization, see --org-id)
  --org           the organization's metadata (v2: name it with --org-id)
  --json          on success, print {"removed":[KEY...]} on stdout (each key
                  once, in the order given); on failure nothing
${rateHelp("each request of 500 keys counts")}
  -h, --help      Show this help.

${connection}

Interrupted (SIGINT, SIGTERM, SIGHUP: exit 130, 143, 129) while a request is
in flight, it says that request may or may not have happened.

Examples:
  zmeta rm --user 69629023906488334 plan
  zmeta rm --org feature.a feature.b feature.c
  zmeta rm --user 69629023906488334 -- -draft`;

const exportHelp = `zmeta export - write metadata as NDJSON, for backups and zmeta import

Usage:
  zmeta export [--user ID]... [--users-file FILE] [--org] [--prefix P] [--out FILE [--json]] [--rate N] [connection]

One line per entry:
  {"scope":"user","id":"<user id>","key":"plan","value":"<base64>"}
  {"scope":"org","id":"<organization id>","key":"theme","value":"<base64>"}

ZITADEL's metadata API cannot list users, so there is no "all users": name
them with --user (repeatable) or --users-file. On v1 users are read in the
context organization (--org-id): export the users of several organizations
with one run per organization; on v2 users are found in any organization,
and --org needs --org-id. A user with no metadata (or, on v1, in another
organization) adds no lines and is named in a note on stderr.

The file is the same on --api v1 and v2: an export made over one imports
through the other, byte for byte.

Options:
  -u, --user ID       a user whose metadata to export; repeat it for more
  --users-file FILE   user ids, one per line; blank lines and # comments are
                      skipped; "-" reads them from stdin
  --org               the organization's metadata too (v1: the context
                      organization; v2: the one --org-id names, required)
  --prefix P          only keys that start with P
  -o, --out FILE      write to FILE instead of stdout; it is created readable by
                      you only and replaced only once the export is complete
  --json              with --out: print a summary as one JSON object on stdout,
                      {"out","entries","users","org","usersWithoutMetadata",
                      "orgWithoutMetadata"}; without --out stdout is the export
                      (NDJSON already), so --json is refused there
${rateHelp("one budget for all the lists")}
  -h, --help          Show this help.

${connection}

Entries are written as they are read, never gathered in memory. A progress bar
shows on stderr when it is a terminal; a summary line follows. On SIGINT
(Ctrl-C), SIGTERM or SIGHUP it stops, clears the bar, says how many entries
it had written (with --out: the unfinished temporary file is removed and FILE
is left as it was) and exits 130, 143 or 129.

Examples:
  zmeta export --user 69629023906488334 --user 69629023906488335 --org --out backup.ndjson
  zmeta export --users-file users.txt --org-id 71234567890123456 > globex.ndjson
  zmeta export --users-file users.txt --org -o backup.ndjson --json | jq .entries`;

const importHelp = `zmeta import - write metadata from NDJSON, as zmeta export writes it

Usage:
  zmeta import [FILE | -] [--concurrency N] [--rate N] [--dry-run] [--json] [connection]

Reads FILE, or stdin when it is "-" or not given. Each line is
  {"scope":"user"|"org","id":"...","key":"...","value":"<base64>"}
An org line's id is its organization (v1: sent as x-zitadel-orgid; v2: in
the request). On v1 user lines are written in the context organization
(--org-id); on v2 in whichever organization the user is. The file is the
same on both APIs, so a v1 export imports through --api v2 and back.

First every line is checked: JSON, the four fields and no others, scope, id,
key of 1 to 200 characters, base64 value of 1 to 500000 bytes, no key twice for
the same user or organization. If any line is bad, each is reported with its
number, e.g.
  zmeta import: line 17: "value" is not valid base64
and nothing is written (exit 2).

Then, per user and organization, it lists what is stored and sends only the
entries that are missing or different, in bulk requests of up to 500 entries
(v1 BulkSet*Metadata; v2 Set*Metadata, whose entries apply all or none).
Running the same import again therefore writes nothing, and says so. Keys that
are stored but not in the input are left alone.

Options:
  --concurrency N   requests in flight at once, 1 to 64 (default 4)
  --dry-run         compare only: print per user and organization how many
                    entries would be written and how many are unchanged
  --json            print the outcome as one JSON object on stdout, instead of
                    the dry run's lines: {"dryRun","entries","written",
                    "unchanged","targets":[{"scope","id","entries","changed",
                    "unchanged"}]}; "changed" is what was (with --dry-run: would
                    be) written. A failed or interrupted import prints none
${rateHelp("one budget for all lists and writes")}
  -h, --help        Show this help.

${connection}

A progress bar shows on stderr when it is a terminal; a summary line follows.
If a request fails, the entries written before it stay written and the
summary says how many: exactly, or "at least N" when a request's answer was
lost (a broken connection, a deadline), so that its entries may or may not be
stored. On SIGINT (Ctrl-C), SIGTERM or SIGHUP it stops at once, clears the bar,
prints what the server confirmed (written / unchanged / left) and exits 130,
143 or 129. Either way, running the same import again finishes the job and
writes only what is still missing or different.

Examples:
  zmeta import backup.ndjson
  zmeta import backup.ndjson --dry-run
  gunzip -c backup.ndjson.gz | zmeta import -
  zmeta import backup.ndjson --dry-run --json | jq '[.targets[] | select(.changed > 0)]'`;

const emulator = `zmeta emulator - run a local, ZITADEL-compatible metadata API

Usage:
  zmeta emulator [--host 127.0.0.1] [--port 8080] [--seed FILE] [--token-ttl 12h] [--connect-v1]
                 [--list-order changing] [--error-language pseudo] [--error-conversion-bug]
                 [--faults TEXT]

It serves ZITADEL's v1 and v2 metadata APIs from one store on one port. As
ZITADEL: v1 over gRPC (HTTP/2), gRPC-web and the REST gateway (a Connect request
to v1 gets the gateway's 404, unless --connect-v1); v2 (UserService,
OrganizationService v2 and v2beta) over Connect, gRPC, gRPC-web and REST.

Options:
  --host HOST        Interface to bind (default 127.0.0.1). Anything else exposes
                     the seeded users' tokens to the network.
  --port PORT        Port to bind (default 8080); 0 picks a free port.
  --seed FILE        JSON of orgs and users to start with instead of the default
                     (orgs acme and globex; users iam-admin, acme-admin, alice,
                     globex-admin, bob, and the machine user acme-bot), e.g.
                     {"orgs":[{"name":"acme"}],
                      "users":[{"userName":"admin","org":"acme","roles":["ORG_OWNER"],"token":"dev-token"}]}
  --token-ttl T      Lifetime of tokens from /oauth/v2/token: seconds (90), or
                     with a unit (15m, 12h). Default 12h, as ZITADEL. Short
                     lifetimes exercise a client's token refresh.
  --connect-v1       Also serve the Connect protocol (JSON and binary) on the v1
                     paths: a convenience ZITADEL lacks (it serves Connect for v2
                     only). Clients need --connect-v1 (zmeta) or connectV1: true.

Opt-in realism (off by default; the default already behaves like ZITADEL):
  --list-order changing   Every list query returns its rows in a new order, as
                     after a changed query plan (default "storage": insertion
                     order, a re-set row moving to the end).
  --error-language pseudo  The handlers' error texts (QUERY-*, META-*,
                     COMMAND-*) in a pseudo-language, as ZITADEL translates
                     them; the "(ID)" and the ErrorDetail id stay.
  --error-conversion-bug  ZITADEL v4.11.0-v4.13.1: validation failures and
                     "auth header missing" arrive as code Unknown ("rpc error:
                     code = InvalidArgument desc = ... ()"), HTTP 500 over REST.

Faults (off by default), as a production ZITADEL behind proxies fails:
  --faults TEXT      Comma-separated name=value, e.g.
                     "unavailable=0.05,reset-after=0.02,rate-limit=50/1s,seed=7".
                     Probabilities per request (0 to 1, or 5%; at most 1 in all):
                     unavailable, resource-exhausted (with Retry-After), edge-429
                     (a proxy's plain 429), reset-before, reset-after (applied,
                     answer lost), goaway, slow, hang; also retry-after=S,
                     slow-ms=MS, latency-ms=MS (every call), rate-limit=N/WINDOW
                     (500ms, 1s, 1m; ZITADEL Cloud: 3000/1m), rate-limit-by=token|ip,
                     seed=N (the same faults for the same sequence of requests).
                     A part it cannot read exits 2, naming that part.
  -h, --help         Show this help.

When ready it prints exactly one JSON line to stdout:
  {"url":"http://127.0.0.1:8080","orgs":[{"id","name"}],"users":[{"id","userName","orgId","roles","token"}]}
The tokens in it are the users' bearer tokens (random per start unless the
seed fixes them); machine users also carry keyFile, clientId and clientSecret.
One log line per call goes to stderr. SIGINT (Ctrl-C), SIGTERM and SIGHUP stop
it: it closes, removes the machine users' key files and exits 130, 143 or
129 (a second signal exits at once, removing the key files first).

Examples:
  zmeta emulator
  zmeta emulator --port 0 --seed ./seed.json --token-ttl 90
  zmeta emulator --connect-v1
  zmeta emulator --list-order changing --error-language pseudo
  zmeta emulator --faults "unavailable=0.05,reset-after=0.02,seed=7"
  zmeta emulator --faults "rate-limit=50/1s" & zmeta import backup.ndjson --rate 45
  zmeta emulator --port 0 | head -n1 | jq -r '.users[] | select(.userName=="acme-admin") | .token'`;

const demo = `zmeta demo - call the v1 and v2 metadata RPCs over each protocol and tabulate the results

Usage:
  zmeta demo [--api v1,v2] [--protocol LIST] [--connect-v1]
  zmeta demo --url URL (--token TOKEN | --key-file FILE | --client-id ID --client-secret SECRET)
             --user USER_ID [--org-id ORG_ID] [--api v1,v2] [--protocol LIST]

Without --url it starts an emulator in this process and prints one table per
API, a column per protocol:
  v1  ManagementService and AuthService over gRPC, gRPC-web and REST: acme-admin
      sets and reads alice's metadata (bytes that are not UTF-8 included) and
      the org's, alice lists and reads her own, a missing key fails with
      NotFound QUERY-Rgh32, and what was written is removed. The connect
      column shows each call as "n/a: not served": ZITADEL serves no Connect
      for v1, so the client refuses them before sending; with --connect-v1 the
      emulator serves Connect on v1 too and the column runs like the others.
  v2  UserService, OrganizationService v2 and v2beta over Connect, gRPC,
      gRPC-web and REST: Set (three entries in one request), List with a
      STARTS_WITH and an EQUALS key filter (v2 has no Get), alice listing her
      own, a Delete of a missing key failing with NotFound META-2nnds (users)
      or META-2npds (orgs), and the Delete that removes what was written.

With --url it makes the same calls against that ZITADEL: it writes keys named
"zmeta.demo.<protocol>" (v1) and "zmeta.demo.v2.<protocol>" (v2) on the user
given by --user and on the organization, then removes them.
ListMyMetadata/GetMyMetadata use the same credentials, so they see those keys
only when --user is the caller's own user; v2's "the user's own" row needs the
user's own token and is left out.

Options (flag, or environment variable):
  --url URL               ZITADEL_URL            e.g. https://acme.zitadel.cloud
  --token TOKEN           ZITADEL_TOKEN          a personal access token allowed to write
                                                 user and org metadata
  --key-file FILE|JSON    ZITADEL_KEY_FILE       or a service account key file
  --client-id ID          ZITADEL_CLIENT_ID      or a machine user's client credentials
  --client-secret SECRET  ZITADEL_CLIENT_SECRET
  -u, --user USER_ID      ZITADEL_USER_ID        the user whose metadata to write
  --org-id ORG_ID         ZITADEL_ORG_ID         v1: organization context (x-zitadel-orgid),
                                                 default the caller's; v2: the organization
                                                 to write, needed with --url and v2
  --api LIST              ZITADEL_API            v1, v2 or v1,v2: the tables to show
                                                 (default: both for the emulator; v1 with
                                                 --url, as every ZITADEL serves it and v2
                                                 needs v4.0, and v4.7 for organizations)
  --protocol LIST         ZITADEL_PROTOCOL       comma-separated: grpc, grpc-web, connect, rest
                                                 (default: all four for the emulator; with
                                                 --url grpc,grpc-web,rest for v1, which
                                                 ZITADEL serves without Connect, all four
                                                 for v2)
  --connect-v1                                   call v1 over Connect in the connect column:
                                                 the embedded emulator then serves it; with
                                                 --url only for an emulator started with
                                                 --connect-v1
  -h, --help              Show this help.
Give one way to authenticate; prefer the variables for secrets, so they stay
out of shell history.

Exit code 0 when every call behaved as expected ("n/a" included), 1 otherwise.

Examples:
  zmeta demo
  zmeta demo --api v2 --protocol connect
  ZITADEL_TOKEN=... zmeta demo --url https://acme.zitadel.cloud --user 69629023906488334
  ZITADEL_TOKEN=... zmeta demo --url https://acme.zitadel.cloud --user 69629023906488334 \\
    --api v1,v2 --org-id 71234567890123456
  zmeta demo --url https://acme.zitadel.cloud --key-file ./bot.json --user 69629023906488334`;

const completion = `zmeta completion - print a shell completion script

Usage:
  zmeta completion bash|zsh|fish

Options:
  -h, --help      Show this help.

The script completes commands, every flag of each command (from the same
table the commands parse their flags with), the values of --format, --api,
--protocol, --list-order and --error-language, file names for the flags that
take a file, command names after "zmeta help" and file names for import.

Load it:
  bash   source <(zmeta completion bash)            for this shell, or for all:
         zmeta completion bash > ~/.local/share/bash-completion/completions/zmeta
  zsh    source <(zmeta completion zsh)             after compinit, or for all:
         zmeta completion zsh > "\${fpath[1]}/_zmeta"
  fish   zmeta completion fish | source             for this shell, or for all:
         zmeta completion fish > ~/.config/fish/completions/zmeta.fish`;

/** The help text of one command, or the overview. */
export function usage(topic: CommandName | undefined): string {
  switch (topic) {
    case "get":
      return get;
    case "set":
      return set;
    case "list":
      return list;
    case "rm":
      return rm;
    case "export":
      return exportHelp;
    case "import":
      return importHelp;
    case "emulator":
      return emulator;
    case "demo":
      return demo;
    case "completion":
      return completion;
    case "help":
    case undefined:
      return overview;
  }
}
