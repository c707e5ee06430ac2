import { HTTPError } from "got";
import { pathSafeItems, pathSegment } from "../../http/path.js";
import type { Logger } from "pino";
import { parseDuration } from "../../config/duration.js";
import { idKey, type Command, type Device, type Entity, type Reading } from "../../model/index.js";
import type { Bridge, BridgeContext, PollResult } from "../types.js";
import { wiotysOptions } from "./options.js";
import type { CorporateAccount, Customer, LastValue, Site, Variable, WiotysDevice } from "./api-types.js";
import { LAST_VALUES_FORMATS, WiotysClient, type LastValuesFormat } from "./client.js";
import {
  looksNumeric,
  matcher,
  newestDate,
  pickCorporateAccount,
  readingValue,
  variableEntity,
  variableFilter,
  variableKind,
  variableRef,
  type EntityHints,
} from "./mapping.js";

export const DEFAULT_TOKEN_PATH = "protocol/openid-connect/token";
const FORMAT_STATE = "last_values_format";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** What the hierarchy holds after the config's selections; re-read every `inventory_refresh`. */
interface Inventory {
  readAt: number;
  ca: CorporateAccount;
  customers: Customer[];
  sites: Site[];
  devices: WiotysDevice[];
  /** Device uuid → its selected variables. */
  variables: Map<string, Variable[]>;
}

/** `<keycloak_url>/realms/<realm>/protocol/openid-connect/token`, unless `token_url` is set. */
export function tokenUrlOf(source: Record<string, unknown>): string {
  const s = wiotysOptions(source);
  if (s.token_url !== undefined && s.token_url !== "") return s.token_url;
  const keycloak = s.keycloak_url.replace(/\/+$/, "");
  return `${keycloak}/realms/${pathSegment(s.realm)}/${DEFAULT_TOKEN_PATH}`;
}

const strings = (v: unknown): string[] | undefined => (Array.isArray(v) ? v.map(String) : undefined);

/**
 * Socomec Wiotys (SoData): corporate account → customers → sites → devices (gateways and what
 * hangs on them) → variables. The hierarchy is read at start and every `inventory_refresh`;
 * each poll reads the current values of every device with the bulk last-values PUT, `batch_size`
 * devices per request.
 */
export class WiotysBridge implements Bridge {
  readonly client: WiotysClient;
  private readonly log: Logger;
  private readonly refreshMs: number;
  private readonly batchSize: number;
  private readonly wantedCa: string | undefined;
  private readonly customerMatch: ReturnType<typeof matcher>;
  private readonly siteMatch: ReturnType<typeof matcher>;
  private readonly deviceMatch: ReturnType<typeof matcher>;
  private readonly selection: { customers?: string[]; sites?: string[]; devices?: string[] };
  private readonly variableSelected: (v: Variable) => boolean;
  private inventory: Inventory | undefined;
  /** What last values taught about a variable (unit word, title, numeric or not), by `device|ref`. */
  private readonly hints = new Map<string, EntityHints>();
  private readonly notUuidWarned = new Set<string>();

  constructor(ctx: BridgeContext) {
    const s = wiotysOptions(ctx.source);
    this.log = ctx.logger;
    this.refreshMs = parseDuration(s.inventory_refresh);
    this.batchSize = s.batch_size;
    this.wantedCa = s.corporate_account;
    this.selection = { customers: strings(s.customers), sites: strings(s.sites), devices: strings(s.devices) };
    this.customerMatch = matcher(this.selection.customers);
    this.siteMatch = matcher(this.selection.sites);
    this.deviceMatch = matcher(this.selection.devices);
    this.variableSelected = variableFilter({
      service_types: strings(s.service_types),
      service_ids: strings(s.service_ids),
      items: strings(s.items),
      variables: strings(s.variables),
    });
    const configured = s.last_values_body;
    const pinned = LAST_VALUES_FORMATS.find((f) => f === configured);
    const remembered = LAST_VALUES_FORMATS.find((f) => f === ctx.state.get<string>(FORMAT_STATE));
    this.client = new WiotysClient(ctx, {
      baseUrl: s.base_url,
      tokenUrl: tokenUrlOf(s),
      clientId: s.client_id,
      clientSecret: s.client_secret,
      username: s.username,
      password: s.password,
      pageSize: s.page_size,
      requestsPerSecond: s.requests_per_second,
      lastValuesFormat: pinned,
      initialFormat: remembered,
      onFormat: (format: LastValuesFormat) => {
        ctx.state.set(FORMAT_STATE, format);
        this.log.info({ format }, "last-values: the API takes this request body form; remembered");
      },
    });
  }

  async poll(): Promise<PollResult> {
    if (!this.inventory || Date.now() - this.inventory.readAt >= this.refreshMs) this.inventory = await this.readInventory();
    const inv = this.inventory;
    const values = await this.lastValues(inv.ca.uuid, inv.devices.map((d) => d.uuid));
    return this.model(inv, values);
  }

  async write(command: Command): Promise<Reading[]> {
    throw new Error(`${command.device}/${command.entity}: Wiotys SoData values are read-only`);
  }

  /** Corporate account, then customers, sites, devices and variables, each list paged to its end. */
  private async readInventory(): Promise<Inventory> {
    const ca = pickCorporateAccount(await this.client.corporateAccounts(), this.wantedCa);
    const allCustomers = await this.client.customers(ca.uuid);
    const customers = allCustomers.filter((c) => this.customerMatch(c.uuid, c.name, c.technicalName));
    nothingSelected("customers", this.selection.customers, customers, allCustomers, ca);

    const sitesPerCustomer = await Promise.all(customers.map(async (c) => (await this.client.sites(ca.uuid, c.uuid)).filter((s) => !s.customerUuid || s.customerUuid === c.uuid)));
    const allSites = unique(sitesPerCustomer.flat());
    const sites = allSites.filter((s) => this.siteMatch(s.uuid, s.name, s.technicalName));
    nothingSelected("sites", this.selection.sites, sites, allSites, ca);

    const devicesPerSite = await Promise.all(sites.map(async (s) => (await this.client.devices(ca.uuid, s.uuid)).filter((d) => !d.siteUuid || d.siteUuid === s.uuid)));
    const allDevices = pathSafeItems(unique(devicesPerSite.flat()), (d) => d.uuid, (id) => this.log.warn({ device: id }, "device uuid cannot be used in a URL path: left out"));
    const devices = allDevices.filter((d) => this.deviceMatch(d.uuid, d.name, d.serialNumber, d.technicalName));
    nothingSelected("devices", this.selection.devices, devices, allDevices, ca);

    const variables = new Map<string, Variable[]>();
    await Promise.all(
      devices.map(async (d) => {
        const all = await this.client.variables(ca.uuid, d.uuid).catch((error: unknown) => {
          // Gone between the device list and this request, or hidden from this user: its last
          // values still describe it (see model()).
          if (error instanceof HTTPError && (error.response.statusCode === 404 || error.response.statusCode === 403)) {
            this.log.info({ device: d.uuid, status: error.response.statusCode }, "variables of a device not readable: using its last values instead");
            return [];
          }
          throw error;
        });
        variables.set(d.uuid, all.filter((v) => v.active !== false && this.variableSelected(v)));
      }),
    );
    const selected = [...variables.values()].reduce((n, list) => n + list.length, 0);
    this.log.info({ corporateAccount: ca.name ?? ca.uuid, customers: customers.length, sites: sites.length, devices: devices.length, variables: selected }, "inventory read");
    return { readAt: Date.now(), ca, customers, sites, devices, variables };
  }

  /** ceil(devices / batch_size) bulk requests, never one per device. */
  private async lastValues(ca: string, all: string[]): Promise<Map<string, LastValue[]>> {
    // The bulk request refuses a whole batch (400) for one id that is not a UUID: such a device
    // (never seen in practice) keeps unknown values rather than silencing every other device.
    const uuids = all.filter((uuid) => UUID.test(uuid));
    for (const uuid of all) {
      if (UUID.test(uuid) || this.notUuidWarned.has(uuid)) continue;
      this.notUuidWarned.add(uuid);
      this.log.warn({ device: uuid }, "device id is not a UUID, which the bulk last-values request refuses: its values stay unknown");
    }
    const batches: string[][] = [];
    for (let i = 0; i < uuids.length; i += this.batchSize) batches.push(uuids.slice(i, i + this.batchSize));
    const answers = await Promise.all(batches.map((batch) => this.client.lastValues(ca, batch)));
    const byDevice = new Map<string, LastValue[]>();
    for (const v of answers.flat()) {
      const list = byDevice.get(v.deviceUuid) ?? [];
      list.push(v);
      byDevice.set(v.deviceUuid, list);
    }
    return byDevice;
  }

  private model(inv: Inventory, values: Map<string, LastValue[]>): PollResult {
    const devices: Device[] = [];
    const readings: Reading[] = [];
    const customerKey = (uuid: string): string => `customer_${idKey(uuid)}`;
    const siteKey = (uuid: string): string => `site_${idKey(uuid)}`;
    const deviceKeys = new Map(inv.devices.map((d) => [d.uuid, idKey(d.uuid)]));
    const sitesOf = new Map<string, number>();
    const devicesOf = new Map<string, number>();
    for (const s of inv.sites) if (s.customerUuid) sitesOf.set(s.customerUuid, (sitesOf.get(s.customerUuid) ?? 0) + 1);
    for (const d of inv.devices) if (d.siteUuid) devicesOf.set(d.siteUuid, (devicesOf.get(d.siteUuid) ?? 0) + 1);

    const count = (key: string, name: string, icon: string): Entity => ({ key, name, kind: "sensor", category: "diagnostic", stateClass: "measurement", icon });
    for (const c of inv.customers) {
      if (!sitesOf.has(c.uuid)) continue;
      const key = customerKey(c.uuid);
      devices.push({ key, vendorId: c.uuid, name: c.name || c.technicalName || c.uuid, manufacturer: "Socomec", model: "Wiotys customer", entities: [count("sites", "Sites", "mdi:map-marker-multiple")] });
      readings.push({ device: key, entity: "sites", value: sitesOf.get(c.uuid) ?? 0 });
    }
    const customerKeys = new Set(devices.map((d) => d.key));
    for (const s of inv.sites) {
      const key = siteKey(s.uuid);
      const site: Device = { key, vendorId: s.uuid, name: s.name || s.technicalName || s.uuid, manufacturer: "Socomec", model: "Wiotys site", entities: [count("devices", "Devices", "mdi:devices")] };
      if (s.customerUuid && customerKeys.has(customerKey(s.customerUuid))) site.viaDevice = customerKey(s.customerUuid);
      devices.push(site);
      readings.push({ device: key, entity: "devices", value: devicesOf.get(s.uuid) ?? 0 });
    }
    const siteKeys = new Set(inv.sites.map((s) => siteKey(s.uuid)));

    for (const d of inv.devices) {
      const key = deviceKeys.get(d.uuid)!;
      const own = values.get(d.uuid) ?? [];
      const byRef = new Map(own.map((v) => [variableRef(v), v]));
      const entities: Entity[] = [];
      const seen = new Set<string>();
      let selected = inv.variables.get(d.uuid) ?? [];
      // No variable list (none returned, or not readable): the last values name the variables too.
      if (selected.length === 0 && own.length > 0) selected = own.map(variableOf).filter(this.variableSelected);
      for (const variable of selected) {
        const ref = variableRef(variable);
        const last = byRef.get(ref);
        const hints = this.learn(`${d.uuid}|${ref}`, variable, last);
        const entity = variableEntity(variable, hints);
        if (seen.has(entity.key)) continue;
        seen.add(entity.key);
        entities.push(entity);
        if (last) readings.push({ device: key, entity: entity.key, value: readingValue(entity, last.value) });
      }
      entities.push({ key: "last_update", name: "Last update", kind: "sensor", deviceClass: "timestamp", category: "diagnostic" });
      const newest = newestDate(own);
      if (newest) readings.push({ device: key, entity: "last_update", value: newest });

      const device: Device = {
        key,
        vendorId: d.uuid,
        name: d.name || d.technicalName || d.serialNumber || d.uuid,
        manufacturer: d.manufacturer || "Socomec",
        entities,
      };
      if (d.modelName) device.model = d.modelName;
      if (d.serialNumber) device.serialNumber = d.serialNumber;
      const gateway = d.gatewayUuid ? deviceKeys.get(d.gatewayUuid) : undefined;
      if (gateway && gateway !== key) device.viaDevice = gateway;
      else if (d.siteUuid && siteKeys.has(siteKey(d.siteUuid))) device.viaDevice = siteKey(d.siteUuid);
      devices.push(device);
    }
    return { devices, readings };
  }

  /** Sticky hints: a unit or title once seen stays, so the discovery config does not flap. */
  private learn(id: string, variable: Variable, last: LastValue | undefined): EntityHints {
    const hints = this.hints.get(id) ?? {};
    if (last) {
      if (!hints.unit && last.unit) hints.unit = last.unit;
      if (!hints.title && last.title) hints.title = last.title;
      if (hints.numeric === undefined && variableKind(variable) === "other" && last.value !== null && last.value !== undefined) hints.numeric = looksNumeric(last.value);
    }
    this.hints.set(id, hints);
    return hints;
  }
}

/** A last value as the variable it is of: item, index, service, type, group and unit are all there. */
function variableOf(v: LastValue): Variable {
  return { itemType: v.itemType, itemIndex: v.itemIndex, serviceId: v.serviceId, serviceType: v.serviceType, serviceGroup: v.serviceGroup, unit: v.unit, serviceName: v.title };
}

function unique<T extends { uuid: string }>(items: T[]): T[] {
  const seen = new Map<string, T>();
  for (const item of items) if (!seen.has(item.uuid)) seen.set(item.uuid, item);
  return [...seen.values()];
}

/** A selection that matches nothing is a config mistake: say what there is instead. */
function nothingSelected(key: string, patterns: string[] | undefined, selected: unknown[], all: { uuid: string; name?: string }[], ca: CorporateAccount): void {
  if (!patterns || patterns.length === 0 || selected.length > 0) return;
  const names = all.map((x) => x.name ?? x.uuid).slice(0, 20).join(", ") || "none";
  throw new Error(`${key}: nothing in corporate account ${ca.name ?? ca.uuid} matches ${JSON.stringify(patterns)} (available: ${names})`);
}
