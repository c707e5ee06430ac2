/**
 * Metadata sync: what the config declares is compared with what GET returns, section by
 * section, and written with PUT only where it differs.
 */
import type { Json, MetadataEntry } from "./config.js";
import type { MetadataSection } from "./client.js";
import { METADATA_VERSION } from "./schema.js";

export const SECTIONS: readonly MetadataSection[] = ["property", "appliances", "geolocation"];

/** The PUT body of a section, or undefined when the config does not declare it. */
export function sectionBody(entry: MetadataEntry, section: MetadataSection): Json | undefined {
  if (section === "property") return entry.property;
  if (section === "appliances") return entry.appliances ? { appliances: entry.appliances, version: METADATA_VERSION } : undefined;
  return entry.geolocation;
}

/**
 * Whether the API already has what we would send: every key we send has the same value there.
 * Lists compare as sets (the API may return appliances or people in another order); numbers to
 * 6 decimals; a `version` the API leaves out is no difference.
 */
export function sameMetadata(desired: Json, actual: unknown): boolean {
  if (typeof actual !== "object" || actual === null || Array.isArray(actual)) return false;
  const have = actual as Json;
  return Object.entries(desired).every(([key, value]) => (key === "version" && have.version === undefined) || canonical(value) === canonical(have[key]));
}

/** Order-free text of a value: keys sorted, list items sorted, numbers rounded. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).sort().join(",")}]`;
  if (typeof value === "number") return String(Math.round(value * 1e6) / 1e6);
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value as Json)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => a.localeCompare(b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value ?? null);
}
