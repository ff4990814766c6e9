import type { DescService } from "@bufbuild/protobuf";
import { restPrefixOf } from "../zitadel/versions.js";

/** The REST path prefix of a service: an override by type name, else the one its ZITADEL API version mounts it at. */
export function servicePrefix(service: DescService, overrides?: Readonly<Record<string, string>>): string {
  return overrides?.[service.typeName] ?? restPrefixOf(service.typeName);
}
