import { metadataRules } from "../metadata-rules.js";

export { runeLength, keyLengthProblem, valueSizeProblem } from "../metadata-rules.js";

/** The size rules of ZITADEL's v1 metadata API, in one place for the client, the emulator and the CLI. */
export const v1Limits = {
  ...metadataRules,
  /** The largest request message ZITADEL's gRPC server takes (grpc-go's default). */
  maxRequestBytes: 4 * 1024 * 1024,
  /** The largest response message it sends; a bigger answer (a huge `limit: 0` list) fails. */
  maxResponseBytes: 10 * 1024 * 1024,
} as const;
