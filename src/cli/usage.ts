import type { CommandName } from "./args.js";

const overview = `zmeta - ZITADEL metadata from the command line

Usage:
  zmeta <command> [options]

Commands:
  emulator   Run a local, ZITADEL-compatible metadata API (gRPC, gRPC-web, Connect on one port)
  demo       Call every kind of metadata RPC over each protocol and print a table of results
  help       Show this overview, or "zmeta help <command>" for one command

Examples:
  zmeta emulator --port 0
  zmeta demo
  zmeta demo --url https://acme.zitadel.cloud --user 69629023906488334

Exit codes: 0 success, 1 failure, 2 bad usage or bad input (flags, seed file).
Run "zmeta <command> --help" for the options of a command.`;

const emulator = `zmeta emulator - run a local, ZITADEL-compatible metadata API

Usage:
  zmeta emulator [--host 127.0.0.1] [--port 8080] [--seed FILE]

Options:
  --host HOST   Interface to bind (default 127.0.0.1). Anything else exposes
                the seeded users' tokens to the network.
  --port PORT   Port to bind (default 8080); 0 picks a free port.
  --seed FILE   JSON of orgs and users to start with instead of the default
                (orgs acme and globex; users iam-admin, acme-admin, alice,
                globex-admin, bob), e.g.
                {"orgs":[{"name":"acme"}],
                 "users":[{"userName":"admin","org":"acme","roles":["ORG_OWNER"],"token":"dev-token"}]}
  -h, --help    Show this help.

When ready it prints exactly one JSON line to stdout:
  {"url":"http://127.0.0.1:8080","orgs":[{"id","name"}],"users":[{"id","userName","orgId","roles","token"}]}
The tokens in it are the users' bearer tokens (random per start unless the
seed fixes them). One log line per call goes to stderr. Ctrl-C stops it.

Examples:
  zmeta emulator
  zmeta emulator --port 0 --seed ./seed.json
  zmeta emulator --port 0 | head -n1 | jq -r '.users[] | select(.userName=="acme-admin") | .token'`;

const demo = `zmeta demo - call the metadata RPCs over each protocol and tabulate the results

Usage:
  zmeta demo
  zmeta demo --url URL --token TOKEN --user USER_ID [--org-id ORG_ID] [--protocol grpc,grpc-web]

Without --url it starts an emulator in this process and, over gRPC, gRPC-web
and Connect, lets acme-admin set and read alice's metadata (bytes that are not
UTF-8 included) and the org's, lets alice list and read her own, checks that a
missing key fails with NotFound QUERY-Rgh32, and removes what it wrote.

With --url it makes the same calls against that ZITADEL: it writes keys named
"zmeta.demo.<protocol>" on the user given by --user and on the organization,
then removes them. ListMyMetadata/GetMyMetadata use the same token, so they
see those keys only when --user is the token's own user.

Options (flag, or environment variable):
  --url URL         ZITADEL_URL      e.g. https://acme.zitadel.cloud
  --token TOKEN     ZITADEL_TOKEN    a personal access token allowed to write user
                                     and org metadata; prefer the variable, so
                                     the token stays out of shell history
  --user USER_ID    ZITADEL_USER_ID  the user whose metadata to write
  --org-id ORG_ID   ZITADEL_ORG_ID   organization context (x-zitadel-orgid);
                                     default: the token user's organization
  --protocol LIST   ZITADEL_PROTOCOL comma-separated: grpc, grpc-web, connect
                                     (default: all three for the emulator; grpc,grpc-web
                                     for a real ZITADEL, which serves v1 without Connect)
  -h, --help        Show this help.

Exit code 0 when every call behaved as expected, 1 otherwise.

Examples:
  zmeta demo
  ZITADEL_TOKEN=... zmeta demo --url https://acme.zitadel.cloud --user 69629023906488334`;

/** The help text of one command, or the overview. */
export function usage(topic: CommandName | undefined): string {
  switch (topic) {
    case "emulator":
      return emulator;
    case "demo":
      return demo;
    case "help":
    case undefined:
      return overview;
  }
}
