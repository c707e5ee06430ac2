/**
 * Vendor ids go into URL paths. Percent-encoding alone is not enough: `.` and `..` are left as
 * they are by encodeURIComponent, and the URL parser resolves them (and their `%2e` spellings),
 * so an id of `..` would make a request reach another path of the API.
 */
export class UnsafePathSegmentError extends Error {
  override name = "UnsafePathSegmentError";
}

/** One path segment from a vendor id: percent-encoded; refuses "", "." and "..". */
export function pathSegment(id: string | number): string {
  const text = String(id);
  if (text === "" || text === "." || text === "..") {
    throw new UnsafePathSegmentError(`refusing to put the id ${JSON.stringify(text)} into a URL path`);
  }
  return encodeURIComponent(text);
}

/** A path from literal parts and ids: `apiPath\`devices/${id}/data\`` encodes each id as one segment. */
export function apiPath(literals: TemplateStringsArray, ...ids: Array<string | number>): string {
  let out = literals[0] ?? "";
  ids.forEach((id, i) => {
    out += pathSegment(id) + (literals[i + 1] ?? "");
  });
  return out;
}

/** Whether `pathSegment` accepts the id. */
export function isPathSafe(id: string | number): boolean {
  const text = String(id);
  return text !== "" && text !== "." && text !== "..";
}

/**
 * The items whose id can go into a URL path; each other one is reported and left out, so one
 * hostile id costs its own device rather than failing every poll of the source.
 */
export function pathSafeItems<T>(items: readonly T[], idOf: (item: T) => string | number, refused: (id: string) => void): T[] {
  return items.filter((item) => {
    const id = idOf(item);
    if (isPathSafe(id)) return true;
    refused(String(id));
    return false;
  });
}
