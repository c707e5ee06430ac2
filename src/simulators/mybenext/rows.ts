/** The rows each resource lists, the filters that apply to them, and the shape of one answer (fields, Range). */
import { type AuthContext } from "./auth.js";
import { ENERGY_DATATYPES } from "./catalogue.js";
import { notFound } from "./errors.js";
import { type FilterFactory, type Row, bool, intList, like, strList, timeFilter } from "./filters.js";
import { type ResourceName, type Route, SINGULAR } from "./routes.js";
import { type World } from "./world.js";
import { availabilities, gatewayViews, nodeView, propertyView } from "./views.js";
/** The seed's single climatecontroller example prints `schedulertype` (its list: `scheduletype`). */
export function singleView(resource: ResourceName, obj: Record<string, unknown>): Record<string, unknown> {
  if (resource !== "climatecontrollers") return obj;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) out[k === "scheduletype" ? "schedulertype" : k] = v;
  return out;
}

const FIELD_ALIASES: Record<string, string[]> = { scheduletype: ["scheduletype", "schedulertype"], resourcetype: ["resource_type"] };

/** Keeps the `fields` asked for (all by default); keys in alphabetical order, as the API prints them. */
export function project(obj: Record<string, unknown>, fields: string | null): Record<string, unknown> {
  let entries = Object.entries(obj).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (fields !== null) {
    const wanted = new Set<string>();
    for (const f of fields.split(",").map((s) => s.trim())) for (const k of FIELD_ALIASES[f] ?? [f]) wanted.add(k);
    entries = entries.filter(([k]) => wanted.has(k));
  }
  return Object.fromEntries(entries);
}

export function applyRange(rows: Row[], header: string): Row[] {
  const m = /^\s*resourceids\s+(\*|-?\d+)-(-?\d+)?(?:\/(\d+))?\s*$/i.exec(header);
  // "The semantic checking for this header is limited": an invalid one gives an empty list.
  if (!m) return [];
  const start = m[1] === "*" ? -Infinity : Number(m[1]);
  const end = m[2] === undefined ? Infinity : Number(m[2]);
  const count = m[3] === undefined ? Infinity : Number(m[3]);
  return rows.filter((r) => typeof r.id === "number" && r.id >= start && r.id <= end).slice(0, count);
}



export function accountOf(world: World, account: number | null): { username?: string; firstname?: string; lastname?: string; email?: string } {
  return account === null ? {} : (world.accounts.get(account) ?? {});
}

function accountFilters(world: World): Record<string, FilterFactory> {
  return {
    account_id: intList((r) => r.account),
    account_name: like((r) => accountOf(world, r.account).username),
    account_search: like(
      (r) => accountOf(world, r.account).username,
      (r) => accountOf(world, r.account).firstname,
      (r) => accountOf(world, r.account).lastname,
      (r) => accountOf(world, r.account).email,
    ),
  };
}

function productFilters(): Record<string, FilterFactory> {
  return {
    appearance_id: intList((r) => r.meta.appearance),
    node_null: bool((r, v) => (r.meta.hasNode === false) === v),
    product_id: intList((r) => r.meta.product),
    product_name: like((r) => r.meta.productName),
    producttype_id: intList((r) => r.meta.producttype),
  };
}

function productMeta(world: World, productId: number, withNode: Set<number | null>): Record<string, unknown> {
  const p = world.products.get(productId);
  return { product: productId, appearance: p?.appearance, productName: p?.name, producttype: p?.producttype, hasNode: withNode.has(productId) };
}

function buildRows(world: World, resource: ResourceName, auth: AuthContext): { rows: Row[]; filters: Record<string, FilterFactory> } {
  const visible = (account: number | null): boolean => account === null || auth.accounts.has(account);
  const acc = accountFilters(world);
  const withNode = new Set([...world.nodes.values()].map((n) => n.product));
  let rows: Row[] = [];
  let filters: Record<string, FilterFactory> = {};
  switch (resource) {
    case "accounts":
      rows = [...world.accounts.values()].map((a) => ({ id: a.account, account: a.account, obj: { ...a }, meta: {} }));
      filters = acc;
      break;
    case "lifestyles":
      rows = [...world.lifestyles.values()].map((l) => ({ id: l.lifestyle, account: l.account, obj: { ...l }, meta: {} }));
      filters = {
        ...acc,
        lifestyle_id: intList((r) => r.id),
        active: bool((r, v) => r.obj.active === v),
        id: intList((r) => r.obj.id),
      };
      break;
    case "scenes":
      rows = [...world.scenes.values()].map((s) => ({ id: s.scene, account: s.account, obj: { ...s }, meta: {} }));
      filters = { ...acc, scene_id: intList((r) => r.id), scene_name: like((r) => r.obj.name) };
      break;
    case "producttypes":
      rows = [...world.producttypes.values()].map((p) => ({ id: p.producttype, account: null, obj: { ...p, appearance: [...p.appearance] }, meta: {} }));
      filters = { producttype_id: intList((r) => r.id), climatecontroller: bool((r, v) => r.obj.climatecontroller === v) };
      break;
    case "products":
      rows = [...world.products.values()].map((p) => ({
        id: p.product,
        account: p.account,
        obj: { account: p.account, appearance: p.appearance, name: p.name, product: p.product, producttype: p.producttype },
        meta: productMeta(world, p.product, withNode),
      }));
      filters = { ...acc, ...productFilters() };
      break;
    case "datatypes":
      rows = [...world.datatypes.values()].map((d) => ({ id: d.datatype, account: null, obj: structuredClone(d) as unknown as Record<string, unknown>, meta: {} }));
      filters = { datatype_id: intList((r) => r.id) };
      break;
    case "properties":
      rows = world.propertyRecs().map((rec) => ({
        id: rec.res.property,
        account: rec.account,
        obj: propertyView(rec) as unknown as Record<string, unknown>,
        meta: { ...productMeta(world, rec.res.product, withNode), updated: rec.res.updated, datatype: rec.res.datatype },
      }));
      filters = {
        ...acc,
        ...productFilters(),
        datatype_id: intList((r) => r.meta.datatype),
        energy_data: bool((r, v) => ENERGY_DATATYPES.has(r.meta.datatype as number) === v),
        property_id: intList((r) => r.id),
        property_name: like((r) => r.obj.name),
        updated_after: timeFilter((r) => r.meta.updated as number | null, (v, t) => v > t),
        updated_before: timeFilter((r) => r.meta.updated as number | null, (v, t) => v < t),
        value_like: like((r) => r.obj.value),
      };
      break;
    case "climatecontrollers":
      rows = world.climateRecs().map((cc) => ({
        id: cc.product,
        account: cc.account,
        obj: world.climateView(cc) as unknown as Record<string, unknown>,
        meta: productMeta(world, cc.product, withNode),
      }));
      filters = { ...acc, ...productFilters() };
      break;
    case "availability":
      rows = availabilities(world).map((a) => ({
        id: a.ms,
        account: world.products.get(a.product)?.account ?? null,
        obj: { product: a.product, status: a.status, timestamp: a.timestamp },
        meta: { ms: a.ms },
      }));
      filters = {
        ...acc,
        begin: timeFilter((r) => r.meta.ms as number, (v, t) => v >= t),
        end: timeFilter((r) => r.meta.ms as number, (v, t) => v <= t),
        product_id: intList((r) => r.obj.product),
      };
      break;
    case "gateways":
      rows = gatewayViews(world).map(({ product: _product, ...g }) => ({ id: g.gateway, account: g.account, obj: { ...g }, meta: {} }));
      filters = {
        ...acc,
        gateway_id: intList((r) => r.id),
        public_ip: strList((r) => r.obj.public_ip),
        serial: strList((r) => r.obj.serial),
      };
      break;
    case "nodes":
      rows = world.nodeRecs().map((n) => ({ id: n.node, account: n.account, obj: nodeView(world, n) as unknown as Record<string, unknown>, meta: {} }));
      filters = {
        ...acc,
        gateway_id: intList((r) => r.obj.gateway),
        node_id: intList((r) => r.id),
        product_id: intList((r) => r.obj.product),
        product_null: bool((r, v) => (r.obj.product === null) === v),
        protocol_id: strList((r) => r.obj.protocol),
        status_id: intList((r) => r.obj.status),
        zwave_id: intList((r) => r.obj.zwave_id),
      };
      break;
    case "failuretypes":
      rows = [...world.failuretypes.values()].map((f) => ({
        id: f.failuretype,
        account: null,
        obj: { failuretype: f.failuretype, resource_type: f.resource_type },
        meta: { impact: f.impact },
      }));
      filters = { failuretype_id: strList((r) => r.id), failuretype_name: like((r) => r.id) };
      break;
    case "failures":
      rows = [...world.failures.values()].map(({ impact, ...f }) => ({ id: f.failure, account: f.account, obj: { ...f }, meta: { impact, ms: Date.parse(f.timestamp) } }));
      filters = {
        ...acc,
        begin: timeFilter((r) => r.meta.ms as number, (v, t) => v >= t),
        end: timeFilter((r) => r.meta.ms as number, (v, t) => v <= t),
        failure_id: intList((r) => r.id),
        failuretype_name: like((r) => r.obj.failuretype),
        impact: strList((r) => r.meta.impact),
        resource_id: intList((r) => r.obj.resource),
        status_str: strList((r) => r.obj.status),
        latest: bool(() => true), // handled on the whole list below
      };
      break;
  }
  rows = rows.filter((r) => visible(r.account));
  rows.sort((a, b) => (typeof a.id === "number" && typeof b.id === "number" ? a.id - b.id : String(a.id).localeCompare(String(b.id))));
  return { rows, filters };
}

/** Rows of a route: visible to the caller, inside the URL's scope, filtered by the query. */
export function selectRows(world: World, auth: AuthContext, route: Route, query: URLSearchParams): Row[] {
  const { scope } = route;
  if (scope.account !== undefined && !(auth.accounts.has(scope.account) && world.accounts.has(scope.account))) throw notFound("account");
  if (scope.product !== undefined) {
    const p = world.products.get(scope.product);
    if (!p || !auth.accounts.has(p.account) || (scope.account !== undefined && p.account !== scope.account)) throw notFound("product");
  }
  if (scope.gateway !== undefined) {
    const g = world.gateways.get(scope.gateway);
    if (!g || !auth.accounts.has(g.account)) throw notFound("gateway");
  }
  const { rows: all, filters } = buildRows(world, route.resource, auth);
  let rows = all.filter((r) => {
    if (scope.account !== undefined && r.account !== scope.account) return false;
    if (scope.product !== undefined && r.meta.product !== scope.product) return false;
    if (scope.gateway !== undefined && r.obj.gateway !== scope.gateway) return false;
    return true;
  });
  if (route.id !== undefined) {
    const id = route.resource === "failuretypes" ? route.id : Number(route.id);
    const row = rows.find((r) => r.id === id);
    if (!row) throw notFound(SINGULAR[route.resource]);
    return [row];
  }
  for (const [name, raw] of query) {
    const factory = filters[name];
    if (factory) {
      const test = factory(raw, name);
      rows = rows.filter(test);
    }
  }
  if (route.resource === "failures" && query.get("latest")?.toLowerCase() === "true") {
    const newest = new Map<string, Row>();
    for (const r of rows) {
      const key = `${String(r.obj.resource)}|${String(r.obj.failuretype)}`;
      const prev = newest.get(key);
      if (!prev || (r.meta.ms as number) > (prev.meta.ms as number) || ((r.meta.ms as number) === (prev.meta.ms as number) && (r.id as number) > (prev.id as number))) newest.set(key, r);
    }
    const keep = new Set(newest.values());
    rows = rows.filter((r) => keep.has(r));
  }
  return rows;
}

