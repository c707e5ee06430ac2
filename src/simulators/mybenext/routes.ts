/** The myBeNext API's resources and how a path names one (by id, under an account, a gateway…). */
export type ResourceName =
  | "accounts"
  | "lifestyles"
  | "scenes"
  | "producttypes"
  | "products"
  | "datatypes"
  | "properties"
  | "climatecontrollers"
  | "availability"
  | "gateways"
  | "nodes"
  | "failuretypes"
  | "failures";

/** Singular names, used in error bodies (`"product not found"`). */
export const SINGULAR: Record<ResourceName, string> = {
  accounts: "account",
  lifestyles: "lifestyle",
  scenes: "scene",
  producttypes: "producttype",
  products: "product",
  datatypes: "datatype",
  properties: "property",
  climatecontrollers: "climatecontroller",
  availability: "availability",
  gateways: "gateway",
  nodes: "node",
  failuretypes: "failuretype",
  failures: "failure",
};

/** Key of the wrapped list (`{"products": [...]}`). */
export const LIST_KEY: Record<ResourceName, string> = { ...Object.fromEntries(Object.keys(SINGULAR).map((k) => [k, k])), availability: "availabilities" } as Record<
  ResourceName,
  string
>;

/** Resources whose GET takes a `Range: resourceids` header (the seed says so per resource). */
export const RANGED = new Set<ResourceName>(["accounts", "lifestyles", "scenes", "producttypes", "products", "datatypes", "properties", "gateways", "nodes", "failures"]);

/** Resources that take a PUT here. */
export const WRITABLE = new Set<ResourceName>(["properties", "climatecontrollers", "lifestyles", "scenes", "products"]);

/** Resources with an id in the URL (`/products/36/`); availability only lists. */
export const HAS_SINGLE = new Set<ResourceName>(Object.keys(SINGULAR).filter((r) => r !== "availability") as ResourceName[]);

/** Sub-resources documented under `/accounts/<id>/`. */
export const UNDER_ACCOUNT = new Set<ResourceName>(["lifestyles", "scenes", "products", "climatecontrollers", "failures"]);

export interface Route {
  resource: ResourceName;
  id?: string;
  scope: { account?: number; product?: number; gateway?: number };
}

export const isId = (s: string | undefined): s is string => s !== undefined && /^\d+$/.test(s);

/** Resolves the path below /login/api/v1/ (segments without empty parts); null = unknown. */
export function parseRoute(seg: string[]): Route | null {
  const [a, b, c, d, e, f] = seg;
  const top = (r: string | undefined): r is ResourceName => r !== undefined && Object.hasOwn(SINGULAR, r);
  if (a === "failuretypes") return seg.length === 1 ? { resource: "failuretypes", scope: {} } : { resource: "failuretypes", id: seg.slice(1).join("/"), scope: {} };
  if (seg.length === 1 && top(a)) return { resource: a, scope: {} };
  if (seg.length === 2 && top(a) && HAS_SINGLE.has(a) && isId(b)) return { resource: a, id: b, scope: {} };
  if (a === "accounts" && isId(b) && c !== undefined) {
    const account = Number(b);
    if (top(c) && UNDER_ACCOUNT.has(c) && seg.length <= 4) {
      if (seg.length === 3) return { resource: c, scope: { account } };
      if (isId(d)) return { resource: c, id: d, scope: { account } };
      return null;
    }
    if (c === "products" && isId(d) && e === "properties" && seg.length <= 6) {
      if (seg.length === 5) return { resource: "properties", scope: { account, product: Number(d) } };
      if (isId(f)) return { resource: "properties", id: f, scope: { account, product: Number(d) } };
    }
    return null;
  }
  // Documented with the singular "account" (3.4.1).
  if (a === "account" && isId(b) && c === "properties" && seg.length <= 4) {
    if (seg.length === 3) return { resource: "properties", scope: { account: Number(b) } };
    if (isId(d)) return { resource: "properties", id: d, scope: { account: Number(b) } };
    return null;
  }
  if (a === "products" && isId(b) && c === "properties" && seg.length <= 4) {
    if (seg.length === 3) return { resource: "properties", scope: { product: Number(b) } };
    if (isId(d)) return { resource: "properties", id: d, scope: { product: Number(b) } };
    return null;
  }
  if (a === "gateways" && isId(b) && c === "nodes" && seg.length <= 4) {
    if (seg.length === 3) return { resource: "nodes", scope: { gateway: Number(b) } };
    if (isId(d)) return { resource: "nodes", id: d, scope: { gateway: Number(b) } };
    return null;
  }
  return null;
}

