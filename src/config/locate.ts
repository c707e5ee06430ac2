import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter } from "yaml";
import type { PathSegment } from "./yaml-path.js";

function lineOf(node: unknown, counter: LineCounter): number | undefined {
  if (node === null || typeof node !== "object" || !("range" in node)) return undefined;
  const range = (node as { range?: [number, number, number] | null }).range;
  return range ? counter.linePos(range[0]).line : undefined;
}

/** The line of the deepest part of `segments` present in the document (a missing key: its parent's). */
export function locateLine(doc: Document, counter: LineCounter, segments: readonly PathSegment[]): number | undefined {
  let node: unknown = doc.contents;
  let line = lineOf(node, counter);
  for (const segment of segments) {
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? p.key.value === segment : p.key === segment));
      if (pair === undefined) break;
      line = lineOf(pair.key, counter) ?? line;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === "number" && node.items[segment] !== undefined) {
      node = node.items[segment];
      line = lineOf(node, counter) ?? line;
    } else {
      break;
    }
  }
  return line;
}
