import { afterAll, beforeAll } from "vitest";
import type { Emulator, EmulatorOptions, EmulatorSeed } from "../../src/emulator/index.js";
import { defaultSeed, startEmulator } from "../../src/emulator/index.js";

/** The default seed plus users whose roles the default seed lacks. */
export const testSeed = {
  orgs: defaultSeed.orgs,
  users: [
    ...defaultSeed.users,
    // A membership without any write permission, for AUTH-5mWD2.
    { userName: "acme-viewer", org: "acme", roles: ["ORG_OWNER_VIEWER"] },
    // Only org settings: may write org metadata, not user metadata.
    { userName: "acme-settings", org: "acme", roles: ["ORG_SETTINGS_MANAGER"] },
  ],
};

/**
 * Starts an emulator on 127.0.0.1, port 0, before the tests of the
 * enclosing describe block and closes it after them.
 */
export function useEmulator(options: EmulatorOptions = {}): () => Emulator {
  let emulator: Emulator | undefined;
  beforeAll(async () => {
    emulator = await startEmulator({ seed: testSeed, ...options });
  });
  afterAll(async () => {
    await emulator?.close();
  });
  return () => {
    if (!emulator) throw new Error("the emulator has not started");
    return emulator;
  };
}

/** One organization "acme" with an ORG_OWNER "admin" and `count` users without roles, user0 to user{count-1}: for bulk work. */
export function adminAndUsers(count: number): EmulatorSeed {
  return {
    orgs: [{ name: "acme" }],
    users: [
      { userName: "admin", org: "acme", roles: ["ORG_OWNER"] },
      ...Array.from({ length: count }, (_, i) => ({ userName: `user${i}`, org: "acme", roles: [] })),
    ],
  };
}
