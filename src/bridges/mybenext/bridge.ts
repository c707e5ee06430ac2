import { HTTPError } from "got";
import { pathSegment } from "../../http/path.js";
import type { Logger } from "pino";
import { CLIMATE_FIELDS, type ClimateAction, type Command, type Device, type Entity, type Reading } from "../../model/index.js";
import { parseDuration } from "../../config/duration.js";
import type { Bridge, BridgeContext, PollResult } from "../types.js";
import { mybenextOptions } from "./options.js";
import type { SourceState } from "../../state/store.js";
import type { Account, ClimateController, Datatype, Failure, Lifestyle, Node, Product, ProductType, Property, Scene } from "./api-types.js";
import { MyBeNextClient } from "./client.js";
import { propertyEntity, propertyValue, propertyWriteValue, setpointRange } from "./datatypes.js";

const DEFINITIONS_MAX_AGE_MS = 24 * 3_600_000;
/** Seconds subtracted from the newest `updated` seen, so a value stamped in the same second is not missed. */
const CURSOR_OVERLAP_S = 1;

interface Snapshot {
  cursor: string | null;
  fullSyncAt: number;
  products: number[];
  properties: Property[];
}

interface Definitions {
  fetchedAt: number;
  datatypes: Datatype[];
  producttypes: ProductType[];
}

/** myBeNext: accounts, products and their properties, climate controllers, lifestyles, scenes. */
export class MyBeNextBridge implements Bridge {
  private readonly client: MyBeNextClient;
  private readonly state: SourceState;
  private readonly log: Logger;
  private readonly fullSyncMs: number;
  private readonly accountFilter: number[] | undefined;
  private readonly scheduleType: number;
  private datatypes = new Map<number, Datatype>();
  private producttypes = new Map<number, ProductType>();
  private properties = new Map<number, Property>();
  private cursor: string | null = null;
  private fullSyncAt = 0;
  /** Properties without ids at the last full sync. */
  private skippedProperties = 0;
  private knownProducts = new Set<number>();
  private accounts: Account[] = [];
  private lifestyles: Lifestyle[] = [];
  private scenes: Scene[] = [];
  private climates = new Map<number, ClimateController>();

  constructor(ctx: BridgeContext) {
    const s = mybenextOptions(ctx.source);
    this.log = ctx.logger;
    this.state = ctx.state;
    this.fullSyncMs = parseDuration(s.full_sync);
    this.accountFilter = s.accounts !== undefined && s.accounts.length > 0 ? s.accounts : undefined;
    this.scheduleType = s.setpoint_override === "permanent" ? 2 : 1;
    const creds = s.apikey ? { apikey: s.apikey } : { username: String(s.username), password: String(s.password) };
    this.client = new MyBeNextClient(ctx, creds, s.page_size);
    const snap = this.state.get<Snapshot>("snapshot");
    if (snap && Array.isArray(snap.properties)) {
      this.cursor = snap.cursor;
      this.fullSyncAt = snap.fullSyncAt;
      this.knownProducts = new Set(Array.isArray(snap.products) ? snap.products : []);
      for (const p of snap.properties) this.properties.set(p.property, p);
    }
  }

  async poll(): Promise<PollResult> {
    await this.loadDefinitions();
    const accountQuery: Record<string, string> = this.accountFilter ? { account_id: this.accountFilter.join(",") } : {};
    // Accounts change rarely: read with the full property sync, products every poll.
    const refreshAccounts = this.accounts.length === 0 || this.cursor === null || Date.now() - this.fullSyncAt >= this.fullSyncMs;
    const [accounts, products] = await Promise.all([
      refreshAccounts ? this.readAccounts(accountQuery) : Promise.resolve(this.accounts),
      this.client.list<Product>("products", "products", "product", accountQuery),
    ]);
    this.accounts = accounts;
    // The API scopes lists to the credentials; the filter guards against a server ignoring account_id.
    const ownProducts = products.filter((p) => typeof p.product === "number" && (!this.accountFilter || this.accountFilter.includes(p.account)));
    const productIds = new Set(ownProducts.map((p) => p.product));
    const newProducts = [...productIds].some((id) => !this.knownProducts.has(id));
    const full = this.cursor === null || newProducts || Date.now() - this.fullSyncAt >= this.fullSyncMs;
    await this.syncProperties(full, accountQuery, productIds);

    const [climates, lifestyles, nodes, failures] = await Promise.all([
      this.client.list<ClimateController>("climatecontrollers", "climatecontrollers", "product", accountQuery),
      this.client.list<Lifestyle>("lifestyles", "lifestyles", "lifestyle", accountQuery),
      this.client.list<Node>("nodes", "nodes", "node", accountQuery),
      this.client.list<Failure>("failures", "failures", "failure", { ...accountQuery, latest: "true" }),
    ]);
    if (full || this.scenes.length === 0) this.scenes = await this.client.list<Scene>("scenes", "scenes", "scene", accountQuery);
    this.climates = new Map(climates.filter((c) => productIds.has(c.product)).map((c) => [c.product, c]));
    const inScope = (account: number): boolean => !this.accountFilter || this.accountFilter.includes(account);
    this.lifestyles = lifestyles.filter((l) => inScope(l.account));
    // Every account something belongs to gets its device, even one /accounts/ did not list.
    const listed = new Map(accounts.map((a) => [a.account, a]));
    const ids = new Set([...listed.keys(), ...ownProducts.map((p) => p.account), ...this.lifestyles.map((l) => l.account), ...this.scenes.map((sc) => sc.account)]);
    const allAccounts = [...ids].filter((id) => typeof id === "number" && inScope(id)).map((id) => listed.get(id) ?? { account: id });
    return this.model(allAccounts, ownProducts, nodes, failures);
  }

  async write(command: Command, target: { device: Device; entity: Entity }): Promise<Reading[]> {
    const { entity } = target;
    const at = { device: command.device, entity: command.entity };
    if (entity.kind === "climate") {
      const product = Number(target.device.vendorId);
      await this.client.put(`climatecontrollers/${pathSegment(product)}`, { setpoint: command.value, scheduletype: this.scheduleType });
      return [{ ...at, field: CLIMATE_FIELDS.target, value: command.value }];
    }
    if (entity.kind === "select" && entity.key === "lifestyle") {
      const account = Number(target.device.vendorId);
      const lifestyle = this.lifestyles.find((l) => l.account === account && l.name === command.value);
      if (!lifestyle) throw new Error(`lifestyle "${String(command.value)}" is not available for account ${account}`);
      await this.client.put(`lifestyles/${pathSegment(lifestyle.lifestyle)}`, { active: true });
      for (const l of this.lifestyles) if (l.account === account) l.active = l === lifestyle;
      return [{ ...at, value: lifestyle.name }];
    }
    if (entity.kind === "scene") {
      await this.client.put(`scenes/${pathSegment(entity.key.replace(/^scene_/, ""))}`, { trigger: true });
      return [];
    }
    const property = this.properties.get(Number(entity.key.replace(/^property_/, "")));
    if (!property) throw new Error(`property of ${entity.key} is no longer known; wait for the next poll`);
    const dt = this.datatypes.get(property.datatype);
    const value = propertyWriteValue(command.value, dt, entity);
    await this.client.put(`properties/${pathSegment(property.property)}`, { value });
    property.value = value;
    return [{ ...at, value: propertyValue(property, dt, entity) }];
  }

  /** The accounts the credentials see; a server that refuses the list (403/404) is not fatal. */
  private async readAccounts(query: Record<string, string>): Promise<Account[]> {
    try {
      return await this.client.list<Account>("accounts", "accounts", "account", query);
    } catch (error) {
      if (error instanceof HTTPError && [403, 404].includes(error.response.statusCode)) {
        this.log.debug({ status: error.response.statusCode }, "account list not available: accounts named by id");
        return [];
      }
      throw error;
    }
  }

  private async loadDefinitions(): Promise<void> {
    if (this.datatypes.size > 0 && this.producttypes.size > 0) return;
    let defs = this.state.get<Definitions>("definitions");
    if (!defs || !Array.isArray(defs.datatypes) || Date.now() - defs.fetchedAt > DEFINITIONS_MAX_AGE_MS) {
      const [datatypes, producttypes] = await Promise.all([
        this.client.list<Datatype>("datatypes", "datatypes", "datatype"),
        this.client.list<ProductType>("producttypes", "producttypes", "producttype"),
      ]);
      defs = { fetchedAt: Date.now(), datatypes, producttypes };
      this.state.set("definitions", defs);
    }
    this.datatypes = new Map(defs.datatypes.filter((d) => typeof d.datatype === "number").map((d) => [d.datatype, d]));
    this.producttypes = new Map(defs.producttypes.filter((p) => typeof p.producttype === "number").map((p) => [p.producttype, p]));
  }

  /** All properties on a full sync; otherwise only those updated since the cursor. */
  private async syncProperties(full: boolean, accountQuery: Record<string, string>, productIds: Set<number>): Promise<void> {
    const query = full || !this.cursor ? accountQuery : { ...accountQuery, updated_after: this.cursor };
    const fetched = await this.client.list<Property>("properties", "properties", "property", query);
    const valid = fetched.filter((p) => typeof p.property === "number" && typeof p.product === "number" && typeof p.datatype === "number");
    const skipped = fetched.length - valid.length;
    // Warned when a full sync finds a different number, not at every poll of a cloud that keeps a broken item.
    if (skipped > 0) this.log[full && skipped !== this.skippedProperties ? "warn" : "debug"]({ skipped }, "skipped properties without property, product or datatype ids");
    if (full) {
      this.skippedProperties = skipped;
      this.properties = new Map(valid.map((p) => [p.property, p]));
      this.fullSyncAt = Date.now();
    } else {
      for (const p of valid) this.properties.set(p.property, p);
    }
    // Known only once their properties are in: a failed sync must read them again next time.
    this.knownProducts = productIds;
    const unknown = [...new Set(valid.map((p) => p.datatype).filter((d) => !this.datatypes.has(d)))];
    if (unknown.length > 0) await this.fetchDatatypes(unknown);
    const newest = this.newestUpdate();
    if (newest !== null) this.cursor = newest;
    else if (this.cursor === null) this.cursor = isoSeconds(Date.now());
    if (full || valid.length > 0) {
      const snapshot: Snapshot = { cursor: this.cursor, fullSyncAt: this.fullSyncAt, products: [...this.knownProducts], properties: [...this.properties.values()] };
      this.state.set("snapshot", snapshot);
    }
  }

  private async fetchDatatypes(ids: number[]): Promise<void> {
    const found = await this.client.list<Datatype>("datatypes", "datatypes", "datatype", { datatype_id: ids.join(",") });
    for (const d of found) this.datatypes.set(d.datatype, d);
    const missing = ids.filter((id) => !this.datatypes.has(id));
    if (missing.length > 0) this.log.info({ datatypes: missing }, "datatypes unknown to the API: their properties are shown as plain sensors");
  }

  private newestUpdate(): string | null {
    let newest = Number.NEGATIVE_INFINITY;
    for (const p of this.properties.values()) {
      const t = p.updated ? Date.parse(p.updated) : Number.NaN;
      if (Number.isFinite(t) && t > newest) newest = t;
    }
    return Number.isFinite(newest) ? isoSeconds(newest - CURSOR_OVERLAP_S * 1000) : null;
  }

  private model(accounts: Account[], products: Product[], nodes: Node[], failures: Failure[]): PollResult {
    const devices: Device[] = [];
    const readings: Reading[] = [];
    const nodeOf = new Map(nodes.filter((n) => n.product !== null).map((n) => [n.product as number, n]));
    const gatewayProduct = new Map<number, number>();
    for (const n of nodes) if (n.protocol === "mygate" && n.product !== null) gatewayProduct.set(n.gateway, n.product);
    const productFailure = latestFailures(failures, nodes);
    const propsByProduct = new Map<number, Property[]>();
    for (const p of this.properties.values()) {
      const list = propsByProduct.get(p.product) ?? [];
      list.push(p);
      propsByProduct.set(p.product, list);
    }

    for (const account of accounts) {
      const key = `account_${account.account}`;
      const entities: Entity[] = [];
      const lifestyles = this.lifestyles.filter((l) => l.account === account.account).sort((a, b) => a.id - b.id);
      if (lifestyles.length > 0) {
        const options = lifestyles.map((l) => l.name);
        entities.push({ key: "lifestyle", name: "Lifestyle", kind: "select", options, icon: "mdi:home-account", command: { type: "select", options } });
        const active = lifestyles.find((l) => l.active);
        readings.push({ device: key, entity: "lifestyle", value: active ? active.name : null });
      }
      for (const scene of this.scenes.filter((s) => s.account === account.account)) {
        entities.push({ key: `scene_${scene.scene}`, name: scene.name || `Scene ${scene.scene}`, kind: "scene", command: { type: "trigger" } });
      }
      if (entities.length === 0) continue;
      const person = [account.firstname, account.lastname].filter(Boolean).join(" ") || account.username || `account ${account.account}`;
      devices.push({ key, vendorId: String(account.account), name: `myBeNext ${person}`, manufacturer: "BeNext", model: "myBeNext account", entities });
    }
    const accountDevices = new Set(devices.map((d) => d.key));

    for (const product of products) {
      const key = `product_${product.product}`;
      const type = this.producttypes.get(product.producttype);
      const node = nodeOf.get(product.product);
      const climate = this.climates.get(product.product);
      const entities: Entity[] = [];
      for (const property of (propsByProduct.get(product.product) ?? []).sort((a, b) => a.property - b.property)) {
        const dt = this.datatypes.get(property.datatype);
        // A thermostat's setpoint property is written through its climate entity.
        if (climate && [3, 67, 83].includes(property.datatype)) continue;
        const entity = propertyEntity(property, dt);
        entities.push(entity);
        readings.push({ device: key, entity: entity.key, value: propertyValue(property, dt, entity) });
      }
      if (climate) this.climateEntities(key, climate, entities, readings);
      if (node) {
        entities.push({ key: "connectivity", name: "Connectivity", kind: "binary_sensor", deviceClass: "connectivity", category: "diagnostic", hasAttributes: true });
        readings.push({ device: key, entity: "connectivity", value: node.status !== 2 });
        readings.push({ device: key, entity: "connectivity", field: "attributes", value: { status: NODE_STATUS[node.status] ?? String(node.status), protocol: node.protocol, zwave_id: (node as { zwave_id?: number }).zwave_id ?? null } });
      }
      const failure = productFailure.get(product.product);
      entities.push({ key: "problem", name: "Problem", kind: "binary_sensor", deviceClass: "problem", category: "diagnostic", hasAttributes: true });
      readings.push({ device: key, entity: "problem", value: failure?.status === "failed" });
      readings.push({ device: key, entity: "problem", field: "attributes", value: failure ? { failuretype: failure.failuretype, since: failure.timestamp, status: failure.status } : {} });
      const gw = node ? gatewayProduct.get(node.gateway) : undefined;
      const viaDevice = gw !== undefined && gw !== product.product && products.some((p) => p.product === gw) ? `product_${gw}` : `account_${product.account}`;
      const device: Device = {
        key,
        vendorId: String(product.product),
        name: product.name?.trim() || type?.name || `Product ${product.product}`,
        manufacturer: type?.manufacturer ?? "BeNext",
        model: type?.name ?? `producttype ${product.producttype}`,
        entities,
      };
      if (accountDevices.has(viaDevice) || viaDevice.startsWith("product_")) device.viaDevice = viaDevice;
      if (node?.serial) device.serialNumber = node.serial;
      if (node?.version) device.swVersion = node.version;
      devices.push(device);
    }
    return { devices, readings };
  }

  private climateEntities(device: string, c: ClimateController, entities: Entity[], readings: Reading[]): void {
    const range = setpointRange(c.datatype ? this.datatypes.get(c.datatype) : undefined);
    entities.push({ key: "climate", name: "Thermostat", kind: "climate", climate: { ...range, unit: "°C" }, hasAttributes: true });
    const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? Math.round(v * 100) / 100 : null);
    readings.push({ device, entity: "climate", field: CLIMATE_FIELDS.current, value: num(c.temperature) });
    readings.push({ device, entity: "climate", field: CLIMATE_FIELDS.target, value: num(c.setpoint) });
    readings.push({ device, entity: "climate", field: CLIMATE_FIELDS.action, value: climateAction(c) });
    readings.push({ device, entity: "climate", field: CLIMATE_FIELDS.mode, value: "heat" });
    readings.push({
      device,
      entity: "climate",
      field: "attributes",
      value: { synchronised: c.synchronised ?? null, scheduletype: SCHEDULE[c.scheduletype ?? c.schedulertype ?? -1] ?? null, valvestatus: VALVE[c.valvestatus ?? -1] ?? null, controllable: c.controllable ?? null },
    });
    entities.push({ key: "synchronised", name: "Setpoint synchronised", kind: "binary_sensor", category: "diagnostic", icon: "mdi:sync" });
    readings.push({ device, entity: "synchronised", value: c.synchronised ?? null });
  }
}

const NODE_STATUS: Record<number, string> = { 0: "available", 1: "unstable", 2: "unreachable" };
const SCHEDULE: Record<number, string> = { 0: "schedule", 1: "temporary override", 2: "permanent override" };
const VALVE: Record<number, string> = { 0: "unknown", 1: "central heating", 2: "domestic hot water" };
const MODE_ACTION: Record<number, ClimateAction> = { 0: "idle", 1: "heating", 2: "cooling", 3: "fan", 4: "preheating", 5: "idle", 6: "fan", 7: "heating", 8: "heating", 9: "cooling", 10: "heating", 11: "heating" };

function climateAction(c: ClimateController): ClimateAction | null {
  if (typeof c.mode === "number" && MODE_ACTION[c.mode]) {
    const action = MODE_ACTION[c.mode] as ClimateAction;
    // Many controllers report mode 0 while asking for heat: heatdemand is the better witness.
    return action === "idle" && c.heatdemand === true ? "heating" : action;
  }
  if (typeof c.heatdemand === "boolean") return c.heatdemand ? "heating" : "idle";
  return null;
}

/** The newest failure per product; gateway failures land on the gateway's product. */
function latestFailures(failures: Failure[], nodes: Node[]): Map<number, Failure> {
  const gatewayProduct = new Map<number, number>();
  for (const n of nodes) if (n.protocol === "mygate" && n.product !== null) gatewayProduct.set(n.gateway, n.product);
  const out = new Map<number, Failure>();
  for (const f of failures) {
    if (typeof f.resource !== "number") continue;
    const product = f.failuretype.startsWith("product/gateway/") ? gatewayProduct.get(f.resource) : f.resource;
    if (product === undefined) continue;
    const prev = out.get(product);
    if (!prev || Date.parse(f.timestamp) >= Date.parse(prev.timestamp)) out.set(product, f);
  }
  return out;
}

function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}
