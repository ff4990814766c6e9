import { ConnectError } from "@connectrpc/connect";
import { expect } from "vitest";
import { ZitadelError } from "../../src/index.js";

/** Awaits a call that must fail with a ConnectError, and returns the error. */
export async function rejection(call: Promise<unknown>): Promise<ConnectError> {
  const e = await call.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(e, "the call should have failed").toBeInstanceOf(ConnectError);
  return e as ConnectError;
}

/** What `make` throws synchronously, or undefined when it returns. */
export function thrownBy(make: () => unknown): unknown {
  try {
    make();
  } catch (e) {
    return e;
  }
  return undefined;
}

/** Awaits a high-level call that must fail with a ZitadelError, and returns the error. */
export async function zitadelRejection(call: Promise<unknown>): Promise<ZitadelError> {
  const e = await call.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(e, "the call should have failed").toBeInstanceOf(ZitadelError);
  return e as ZitadelError;
}
