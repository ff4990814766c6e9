import { Code, ConnectError } from "@connectrpc/connect";

/** Milliseconds per unit of a grpc-timeout value: hours, minutes, seconds, milli-, micro-, nanoseconds. */
const unitMs: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1_000, m: 1, u: 0.001, n: 0.000_001 };

/** Node's longest timer; a later deadline (99999999H is allowed) is as good as none. */
const maxTimerMs = 2_147_483_647;

/**
 * The deadline a gRPC or gRPC-web client asks for in grpc-timeout (at most
 * eight digits and a unit, e.g. "100m"), in milliseconds; undefined when the
 * header is absent or the deadline is beyond ~24.8 days. A malformed value
 * fails the call with Internal, as grpc-go answers it.
 */
export function parseGrpcTimeout(value: string | string[] | undefined): number | undefined {
  if (value === undefined) return undefined;
  const text = Array.isArray(value) ? value[0] : value;
  const match = /^(\d{1,8})([HMSmun])$/.exec(text ?? "");
  if (!match) throw new ConnectError(`malformed grpc-timeout: ${JSON.stringify(text?.slice(0, 40))}`, Code.Internal);
  const ms = Number(match[1]) * unitMs[match[2]!]!;
  return ms > maxTimerMs ? undefined : ms;
}
