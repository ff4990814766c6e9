import { ConnectError } from "@connectrpc/connect";
import type { ErrorDetail } from "../gen/zitadel/message_pb.js";
import { ErrorDetailSchema } from "../gen/zitadel/message_pb.js";

/**
 * The zitadel.v1.ErrorDetail ZITADEL attaches to its errors ({ id, message }),
 * or undefined when the error carries none (e.g. "auth header missing" or a
 * validation error).
 */
export function getErrorDetail(error: unknown): ErrorDetail | undefined {
  if (!(error instanceof ConnectError)) return undefined;
  return error.findDetails(ErrorDetailSchema)[0];
}
