import type { DescService } from "@bufbuild/protobuf";

/**
 * The path prefix under which ZITADEL's gateway mounts a service: the
 * annotations of the v1 services carry no prefix of their own.
 */
export function servicePrefix(service: DescService, overrides?: Readonly<Record<string, string>>): string {
  const override = overrides?.[service.typeName];
  if (override !== undefined) return override;
  const v1 = /^zitadel\.([a-z0-9_]+)\.v1\.[A-Za-z0-9_]+$/.exec(service.typeName);
  return v1 ? `/${v1[1]}/v1` : "";
}
