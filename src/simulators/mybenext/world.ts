/**
 * State of the simulated myBeNext cloud and how its values change.
 *
 * Values are computed lazily from the wall clock scaled by `timeScale` (simulated time runs
 * `timeScale` times faster than real time, starting at the real start time): `evaluate()` runs
 * at the start of every request and brings every property up to date. A sampled property has a
 * period; at each period boundary its value is recomputed and, only if the printed string
 * differs, `updated` becomes the real time of that boundary. Counters integrate a rate (power,
 * flow, ...) so they only rise, consistently with what drives them.
 */
import {
  ACCOUNTS,
  CLIMATE,
  DATATYPES,
  FAILURES,
  FAILURETYPES,
  GATEWAYS,
  LIFESTYLES,
  PRODUCTS,
  PRODUCTTYPES,
  PROPERTIES,
  SCENES,
  SCENE_EFFECTS,
  type Model,
  type ProductDef,
  type PropertyDef,
  type Rate,
} from "./data.js";
import { ERROR_CODES, badRequest } from "./errors.js";
import type {
  SimAccount,
  SimAvailability,
  SimClimateController,
  SimDatatype,
  SimFailure,
  SimFailuretype,
  SimGateway,
  SimLifestyle,
  SimNode,
  SimProduct,
  SimProducttype,
  SimProperty,
  SimScene,
} from "./types.js";

const SECOND = 1000;
const HOUR = 3600 * SECOND;
const DAY = 24 * HOUR;
const TAU = 45 * 60 * SECOND; // room temperature time constant
const FLAP_PERIOD = HOUR;

/** Timestamps: properties print whole seconds (as in the seed), failures/availability ms. */
export const isoSeconds = (ms: number): string => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
export const isoMillis = (ms: number): string => new Date(ms).toISOString();

/** Deterministic hash of two integers to [0, 1). */
export function hash01(a: number, b: number): number {
  let h = Math.imul(a | 0, 0x9e3779b1) ^ Math.imul((b | 0) ^ Math.floor(b / 4294967296), 0x85ebca6b);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  h = Math.imul(h, 0x297a2d39);
  h ^= h >>> 15;
  return (h >>> 0) / 4294967296;
}

const NOISE_PERIODS = [173, 911, 3607, 14411];
const NOISE_WEIGHTS = [0.4, 0.3, 0.2, 0.1];
/** Smooth deterministic noise in [-1, 1]; `scale` stretches its periods. */
function smooth(seed: number, t: number, scale = 1): number {
  let sum = 0;
  for (let i = 0; i < NOISE_PERIODS.length; i++) {
    const period = NOISE_PERIODS[i]! * scale * SECOND;
    sum += NOISE_WEIGHTS[i]! * Math.sin((2 * Math.PI * t) / period + 2 * Math.PI * hash01(seed, i));
  }
  return sum;
}
const unit = (x: number): number => 0.5 + 0.5 * x;

/** Sunlight in the Netherlands (52° N, CET): 0 at night, up to 1 at a summer noon. */
function daylight(t: number): number {
  const year = new Date(t).getUTCFullYear();
  const dayOfYear = (t - Date.UTC(year, 0, 1)) / DAY;
  const dayLength = 12.2 + 4.3 * Math.sin((2 * Math.PI * (dayOfYear - 80)) / 365.25); // hours
  const hour = (((t / HOUR + 1) % 24) + 24) % 24;
  const sunrise = 12.6 - dayLength / 2;
  if (hour <= sunrise || hour >= sunrise + dayLength) return 0;
  const strength = 0.45 + (0.55 * (dayLength - 7.9)) / (16.5 - 7.9);
  return strength * Math.sin((Math.PI * (hour - sunrise)) / dayLength);
}

function format(n: number, decimals: number): string {
  const s = n.toFixed(decimals);
  return /^-0(\.0+)?$/.test(s) ? s.slice(1) : s;
}

interface PropRec {
  def: PropertyDef;
  res: Omit<SimProperty, "updated"> & { updated: number | null };
  account: number;
  /** Pinned by setPropertyValue: the simulation no longer changes it. */
  frozen: boolean;
  lastStep: number;
  integ?: { t: number; acc: number };
  /** Last non-zero level of a Basic property (255 restores it). */
  lastLevel?: string;
}

interface ProductRec extends SimProduct {
  def: ProductDef;
}

interface CCRec {
  product: number;
  account: number;
  datatype: number;
  /** Requested (reported) setpoint. */
  setpoint: number;
  /** Setpoint the device has taken at its last wake-up. */
  synced: number;
  synchronised: boolean;
  syncAt: number | null;
  scheduletype: number;
  valvestatus: number;
  wakeSeconds: number;
  anchorT: number;
  anchorTime: number;
  setpointProperty: number;
  temperatureProperty: number;
}

interface NodeRec extends Omit<SimNode, "status"> {
  account: number;
  unreachable: boolean;
  flapping: boolean;
}

export interface WorldOptions {
  username: string;
  timeScale: number;
  extraProducts: number;
  now?: number;
}

export class World {
  readonly realStart: number;
  readonly timeScale: number;
  readonly datatypes = new Map<number, SimDatatype>();
  readonly producttypes = new Map<number, SimProducttype>();
  readonly accounts = new Map<number, SimAccount>();
  readonly products = new Map<number, ProductRec>();
  readonly properties = new Map<number, PropRec>();
  readonly climate = new Map<number, CCRec>();
  readonly nodes = new Map<number, NodeRec>();
  readonly gateways = new Map<number, Omit<SimGateway, "status" | "status_time"> & { product: number }>();
  readonly lifestyles = new Map<number, SimLifestyle>();
  readonly scenes = new Map<number, SimScene>();
  readonly failures = new Map<number, SimFailure & { impact: string }>();
  readonly failuretypes = new Map<string, SimFailuretype & { impact: string }>();
  readonly triggeredScenes: number[] = [];
  private lastSim: number;
  /** Per account: appliances counted in the home's load, and whether it has solar panels. */
  private houseCache: Map<number, { appliances: PropRec[]; solar: boolean }> | null = null;

  constructor(opts: WorldOptions) {
    this.realStart = opts.now ?? Date.now();
    this.timeScale = opts.timeScale > 0 ? opts.timeScale : 1;
    this.lastSim = this.realStart;
    for (const d of DATATYPES) this.datatypes.set(d.datatype, structuredClone(d));
    for (const p of PRODUCTTYPES) this.producttypes.set(p.producttype, structuredClone(p));
    for (const a of ACCOUNTS) this.accounts.set(a.account, { ...a, addons: [...a.addons], username: a.account === 1 ? opts.username : a.username });
    for (const g of GATEWAYS) this.gateways.set(g.gateway, { ...g });
    for (const l of LIFESTYLES) this.lifestyles.set(l.lifestyle, { ...l });
    for (const s of SCENES) this.scenes.set(s.scene, { ...s });
    for (const f of FAILURETYPES) this.failuretypes.set(f.failuretype, { ...f });
    for (const f of FAILURES) {
      const impact = this.failuretypes.get(f.failuretype)?.impact ?? "low";
      this.failures.set(f.failure, {
        account: f.account,
        failure: f.failure,
        failuretype: f.failuretype,
        resource: f.resource,
        status: f.status,
        timestamp: isoMillis(this.realStart - f.ageMinutes * 60 * SECOND - Math.floor(hash01(f.failure, 7) * 1000)),
        impact,
      });
    }

    const products = [...PRODUCTS];
    const properties = [...PROPERTIES];
    for (let i = 0; i < Math.max(0, Math.floor(opts.extraProducts)); i++) {
      const product = 1000 + i;
      const first = 10000 + 3 * i;
      products.push({
        product,
        account: 1,
        name: `Socket ${i + 1}`,
        producttype: 42,
        appearance: 42,
        node: { node: 2000 + i, protocol: "zwave", zwave_id: 30 + (i % 200) },
      });
      properties.push(
        { property: first, product, datatype: 9, name: "Switch", receiving: true, value: i % 3 === 2 ? "0" : "255", model: { kind: "fixed" } },
        { property: first + 1, product, datatype: 18, name: "Energy", receiving: false, model: { kind: "appliance", gate: first, min: 1, max: 60, period: 10, decimals: 0, house: false } },
        { property: first + 2, product, datatype: 39, name: "kWh", receiving: false, model: { kind: "counter", start: 10 + i, rate: { from: "power", property: first + 1 }, period: 60, decimals: 2 } },
      );
    }

    for (const def of products) {
      this.products.set(def.product, {
        account: def.account,
        appearance: def.appearance ?? def.producttype,
        name: def.name,
        product: def.product,
        producttype: def.producttype,
        def,
      });
      const gateway = [...this.gateways.values()].find((g) => g.account === def.account);
      this.nodes.set(def.node.node, {
        gateway: gateway?.gateway ?? 0,
        node: def.node.node,
        product: def.product,
        protocol: def.node.protocol,
        serial: def.node.serial ?? null,
        version: def.node.version ?? null,
        zwave_id: def.node.zwave_id,
        account: def.account,
        unreachable: def.unreachable ?? false,
        flapping: def.flapping ?? false,
      });
    }

    for (const c of CLIMATE) {
      this.climate.set(c.product, {
        product: c.product,
        account: this.products.get(c.product)?.account ?? 1,
        datatype: c.datatype,
        setpoint: c.setpoint,
        synced: c.setpoint,
        synchronised: true,
        syncAt: null,
        scheduletype: c.scheduletype,
        valvestatus: c.valvestatus,
        wakeSeconds: c.wakeSeconds,
        anchorT: c.startTemperature,
        anchorTime: this.realStart - 10 * 60 * SECOND,
        setpointProperty: c.setpointProperty,
        temperatureProperty: c.temperatureProperty,
      });
    }

    for (const def of properties) {
      const product = this.products.get(def.product);
      if (!product) continue;
      const rec: PropRec = {
        def,
        res: {
          datatype: def.datatype,
          name: def.name,
          product: def.product,
          property: def.property,
          receiving: def.receiving,
          sending: def.sending ?? true,
          updated: null,
          value: null,
        },
        account: product.account,
        frozen: false,
        lastStep: 0,
      };
      this.properties.set(def.property, rec);
    }
    // Initial values once every record exists (models refer to each other).
    const simStart = this.realStart;
    for (const rec of this.properties.values()) {
      const model = rec.def.model;
      const unreachable = this.products.get(rec.res.product)?.def.unreachable ?? false;
      if (model.kind === "fixed") {
        rec.res.value = rec.def.value ?? null;
        rec.res.updated = rec.res.value === null ? null : this.realStart - Math.floor((1 + hash01(rec.res.property, 1) * 47) * HOUR);
        if (rec.res.datatype === 53 && rec.res.value !== null && rec.res.value !== "0") rec.lastLevel = rec.res.value;
      } else if (model.kind === "setpoint") {
        const cc = this.climate.get(rec.res.product);
        rec.res.value = cc ? this.formatSetpoint(cc.setpoint, rec.res.datatype) : (rec.def.value ?? null);
        rec.res.updated = this.realStart - Math.floor((1 + hash01(rec.res.property, 1) * 20) * HOUR);
      } else {
        const period = periodOf(model) * SECOND;
        const k = Math.floor(simStart / period);
        rec.lastStep = k;
        if (model.kind === "counter") {
          rec.integ = { t: simStart, acc: model.start };
          rec.res.value = format(model.start, model.decimals);
        } else {
          rec.res.value = this.sample(rec, k * period);
        }
        rec.res.updated = unreachable ? this.realStart - 2 * HOUR - Math.floor(hash01(rec.res.property, 2) * 600 * SECOND) : this.realOf(k * period);
      }
    }
  }

  // ------------------------------------------------------------------------- time

  simOf(real: number): number {
    return this.realStart + (real - this.realStart) * this.timeScale;
  }

  realOf(sim: number): number {
    return Math.round(this.realStart + (sim - this.realStart) / this.timeScale);
  }

  get simNow(): number {
    return this.lastSim;
  }

  /** Brings every simulated value up to `real` (default now). */
  evaluate(real = Date.now()): void {
    const simNow = Math.max(this.lastSim, this.simOf(real));
    this.lastSim = simNow;
    // Climate controllers that have woken up take their new setpoint (in time order).
    const due = [...this.climate.values()].filter((c) => c.syncAt !== null && c.syncAt <= simNow).sort((a, b) => a.syncAt! - b.syncAt!);
    for (const cc of due) this.sync(cc, cc.syncAt!);

    for (const rec of this.properties.values()) {
      const model = rec.def.model;
      if (rec.frozen || model.kind === "fixed" || model.kind === "setpoint") continue;
      if (this.products.get(rec.res.product)?.def.unreachable) continue;
      const period = periodOf(model) * SECOND;
      const k = Math.floor(simNow / period);
      if (model.kind === "counter") {
        const integ = rec.integ!;
        if (k > rec.lastStep) {
          const boundary = k * period;
          this.integrate(rec, model.rate, boundary);
          this.change(rec, format(integ.acc, model.decimals), this.realOf(boundary));
          rec.lastStep = k;
        }
        this.integrate(rec, model.rate, simNow);
      } else if (k !== rec.lastStep) {
        rec.lastStep = k;
        this.change(rec, this.sample(rec, k * period), this.realOf(k * period));
      }
    }
  }

  private change(rec: PropRec, value: string, at: number): void {
    if (value === rec.res.value) return;
    rec.res.value = value;
    rec.res.updated = Math.max(at, rec.res.updated ?? 0);
  }

  private integrate(rec: PropRec, rate: Rate, to: number): void {
    const integ = rec.integ!;
    const span = to - integ.t;
    if (span <= 0) return;
    const n = Math.min(200, Math.max(1, Math.ceil(span / (60 * SECOND))));
    const h = span / n;
    let sum = 0;
    let prev = this.rate(rec, rate, integ.t);
    for (let i = 1; i <= n; i++) {
      const next = this.rate(rec, rate, integ.t + i * h);
      sum += ((prev + next) / 2) * (h / HOUR);
      prev = next;
    }
    integ.acc += Math.max(0, sum);
    integ.t = to;
  }

  /** Rate of a counter, in its units per hour, at simulated time t. */
  private rate(rec: PropRec, rate: Rate, t: number): number {
    switch (rate.from) {
      case "power": {
        const source = this.properties.get(rate.property);
        return source ? this.applianceW(source, t) / 1000 : 0;
      }
      case "gridImport":
        return Math.max(0, this.houseW(rec.account, t) - this.solarW(rec.account, t)) / 1000;
      case "gridExport":
        return Math.max(0, this.solarW(rec.account, t) - this.houseW(rec.account, t)) / 1000;
      case "solar":
        return this.solarW(rec.account, t) / 1000;
      case "gas":
        return 0.04 + 0.6 * this.heatDemand(rec.account, t) + 0.05 * Math.max(0, smooth(rec.account * 31 + 5, t, 0.5));
      case "flow":
        return this.flow(t);
      case "heat":
        return Math.max(0, 3 + 4 * smooth(4711, t, 3)) * 0.0036;
      case "cool":
        return Math.max(0, smooth(4712, t, 3) - 0.55) * 8 * 0.0036;
      case "const":
        return rate.perHour;
    }
  }

  /** The printed value of a sampled property at simulated time t. */
  private sample(rec: PropRec, t: number): string {
    const model = rec.def.model;
    const id = rec.res.property;
    switch (model.kind) {
      case "wave":
        return format(model.base + model.amp * smooth(model.seed ?? id, t, model.scale ?? 1), model.decimals);
      case "appliance":
        return format(this.applianceW(rec, t), model.decimals);
      case "gridImport":
        return format(Math.max(0, this.houseW(rec.account, t) - this.solarW(rec.account, t)), model.decimals);
      case "gridExport":
        return format(Math.max(0, this.solarW(rec.account, t) - this.houseW(rec.account, t)), model.decimals);
      case "gridCurrent": {
        const net = Math.abs(this.houseW(rec.account, t) - this.solarW(rec.account, t));
        return format(net / this.voltage(t), model.decimals);
      }
      case "solar":
        return format(this.solarW(rec.account, t) * model.dcFactor, model.decimals);
      case "motion":
      case "contact":
        return hash01(id, Math.floor(t / (model.period * SECOND))) < model.chance ? "255" : "0";
      case "battery": {
        const drop = Math.floor(Math.max(0, t - this.realStart) / (model.daysPerPercent * DAY) + hash01(id, 3));
        return String(Math.max(0, model.start - drop));
      }
      case "daylight": {
        const lightLevel = daylight(t) * (0.6 + 0.4 * unit(smooth(id, t, 2)));
        return format(Math.min(model.max, model.max * lightLevel + (model.max > 100 ? 2 : 0)), 0);
      }
      case "flow":
        return format(this.flow(t), model.decimals);
      case "roomtemp": {
        const cc = this.climate.get(rec.res.product);
        return format(cc ? this.roomT(cc, t) : 20, 1);
      }
      case "counter":
        return format(rec.integ?.acc ?? model.start, model.decimals);
      case "fixed":
      case "setpoint":
        return rec.res.value ?? "";
    }
  }

  private gateFactor(gateId: number): number {
    const gate = this.properties.get(gateId);
    if (!gate || gate.res.value === null) return 0;
    const dt = this.datatypes.get(gate.res.datatype);
    const v = Number(gate.res.value);
    if (dt?.value.type === "boolean") return v === dt.value.max ? 1 : 0;
    return Math.min(1, Math.max(0, v / 99));
  }

  private applianceW(rec: PropRec, t: number): number {
    const model = rec.def.model;
    if (model.kind !== "appliance") return 0;
    const g = this.gateFactor(model.gate);
    if (g === 0) return 0;
    return g * (model.min + (model.max - model.min) * unit(smooth(rec.res.property, t)));
  }

  private house(account: number): { appliances: PropRec[]; solar: boolean } {
    if (!this.houseCache) {
      this.houseCache = new Map();
      for (const rec of this.properties.values()) {
        let entry = this.houseCache.get(rec.account);
        if (!entry) this.houseCache.set(rec.account, (entry = { appliances: [], solar: false }));
        const model = rec.def.model;
        if (model.kind === "appliance" && model.house) entry.appliances.push(rec);
        if (model.kind === "solar") entry.solar = true;
      }
    }
    return this.houseCache.get(account) ?? { appliances: [], solar: false };
  }

  private houseW(account: number, t: number): number {
    let w = 140 + 160 * unit(smooth(account * 7919, t, 2));
    for (const rec of this.house(account).appliances) w += this.applianceW(rec, t);
    return w;
  }

  private solarW(account: number, t: number): number {
    if (!this.house(account).solar) return 0;
    return 3400 * daylight(t) * (0.55 + 0.45 * unit(smooth(9001, t, 2)));
  }

  private voltage(t: number): number {
    return 231 + 2.5 * smooth(88, t);
  }

  private flow(t: number): number {
    return Math.max(0, smooth(4242, t, 0.5) - 0.45) * 3;
  }

  private roomT(cc: CCRec, t: number): number {
    const target = cc.synced + 0.05;
    return target + (cc.anchorT - target) * Math.exp(-Math.max(0, t - cc.anchorTime) / TAU) + 0.12 * smooth(cc.product, t, 2);
  }

  /** Fraction of an account's climate controllers asking for heat at t. */
  private heatDemand(account: number, t: number): number {
    let n = 0;
    let demand = 0;
    for (const cc of this.climate.values()) {
      if (cc.account !== account) continue;
      n++;
      if (this.roomT(cc, t) < cc.synced - 0.1) demand++;
    }
    return n ? demand / n : 0;
  }

  private sync(cc: CCRec, at: number): void {
    cc.anchorT = this.roomT(cc, at);
    cc.anchorTime = at;
    cc.synced = cc.setpoint;
    cc.synchronised = true;
    cc.syncAt = null;
    const prop = this.properties.get(cc.setpointProperty);
    if (prop) {
      prop.res.value = this.formatSetpoint(cc.setpoint, prop.res.datatype);
      prop.res.updated = Math.max(this.realOf(at), prop.res.updated ?? 0);
    }
  }

  private formatSetpoint(v: number, datatype: number): string {
    const dt = this.datatypes.get(datatype);
    return dt?.value.type === "integer" ? String(Math.round(v)) : String(v);
  }

  // ------------------------------------------------------------------------- views

  propertyView(rec: PropRec): SimProperty {
    return { ...rec.res, updated: rec.res.updated === null ? null : isoSeconds(rec.res.updated) };
  }

  propertyRecs(): PropRec[] {
    return [...this.properties.values()];
  }

  climateView(cc: CCRec): SimClimateController {
    const step = Math.floor(this.lastSim / (60 * SECOND)) * 60 * SECOND;
    const unreachable = this.products.get(cc.product)?.def.unreachable ?? false;
    const t = this.roomT(cc, step);
    const heatdemand = t < cc.synced - 0.1;
    return {
      controllable: !unreachable,
      datatype: cc.datatype,
      formattedtemperature: `${t.toFixed(1)} gr C`,
      heatdemand,
      mode: heatdemand ? 1 : 0,
      product: cc.product,
      scheduletype: cc.scheduletype,
      setpoint: cc.setpoint,
      synchronised: cc.synchronised,
      temperature: Math.round(t * 10000) / 10000,
      valvestatus: cc.valvestatus,
    };
  }

  climateRecs(): CCRec[] {
    return [...this.climate.values()];
  }

  nodeView(n: NodeRec): SimNode {
    let status = 0;
    if (n.unreachable) status = 2;
    else if (n.flapping && this.flapActive(n.node, this.lastSim)) status = 1;
    return { gateway: n.gateway, node: n.node, product: n.product, protocol: n.protocol, serial: n.serial, status, version: n.version, zwave_id: n.zwave_id };
  }

  nodeRecs(): NodeRec[] {
    return [...this.nodes.values()];
  }

  gatewayViews(): (SimGateway & { product: number })[] {
    return [...this.gateways.values()].map((g) => ({
      account: g.account,
      firmware: g.firmware,
      gateway: g.gateway,
      public_ip: g.public_ip,
      serial: g.serial,
      status: 0,
      status_time: isoSeconds(this.realStart - 3 * DAY - Math.floor(hash01(g.gateway, 5) * HOUR)),
      product: g.product,
    }));
  }

  private flapActive(node: number, t: number): boolean {
    const k = Math.floor(t / FLAP_PERIOD);
    const offset = t - k * FLAP_PERIOD;
    return hash01(node, k) < 0.2 && offset >= 10 * 60 * SECOND && offset < 15 * 60 * SECOND;
  }

  /** Availability reports (4.1): history before the start, then the flapping nodes' reports. */
  availabilities(): (SimAvailability & { ms: number })[] {
    const out: (SimAvailability & { ms: number })[] = [];
    const push = (product: number, status: string, ms: number): void => {
      out.push({ product, status, timestamp: isoMillis(ms), ms });
    };
    for (const p of this.products.values()) {
      push(p.product, "product_avail", this.realStart - 7 * DAY - Math.floor(hash01(p.product, 4) * DAY));
      if (p.def.unreachable) {
        push(p.product, "product_retry", this.realStart - 130 * 60 * SECOND);
        push(p.product, "product_unavail", this.realStart - 125 * 60 * SECOND);
      }
    }
    for (const n of this.nodes.values()) {
      if (!n.flapping || n.product === null || !this.products.has(n.product)) continue;
      const kEnd = Math.floor(this.lastSim / FLAP_PERIOD);
      const kStart = Math.max(Math.floor(this.realStart / FLAP_PERIOD), kEnd - 2000);
      for (let k = kStart; k <= kEnd; k++) {
        if (hash01(n.node, k) >= 0.2) continue;
        const retry = k * FLAP_PERIOD + 10 * 60 * SECOND;
        const back = k * FLAP_PERIOD + 15 * 60 * SECOND;
        if (retry >= this.realStart && retry <= this.lastSim) push(n.product, "product_retry", this.realOf(retry));
        if (back >= this.realStart && back <= this.lastSim) push(n.product, "product_avail", this.realOf(back));
      }
    }
    return out.sort((a, b) => a.ms - b.ms || a.product - b.product);
  }

  // ------------------------------------------------------------------------- writes

  /** Checks a value written to a property against its datatype; returns the value to store. */
  validateValue(datatype: number, raw: unknown): string {
    const dt = this.datatypes.get(datatype);
    if (!dt) throw badRequest("property", `unknown datatype ${datatype}`, ERROR_CODES.invalidValue);
    if (typeof raw !== "string" && typeof raw !== "number") throw badRequest("property", "value must be a string", ERROR_CODES.invalidValue);
    const s = String(raw).trim();
    const v = dt.value;
    if (v.type === "choice") {
      if (!Object.hasOwn(v.choice, s)) throw badRequest("property", `invalid value '${s}' for ${dt.name}: choices are ${Object.keys(v.choice).join(", ")}`, ERROR_CODES.invalidValue);
      return s;
    }
    const n = s === "" ? NaN : Number(s);
    if (!Number.isFinite(n)) throw badRequest("property", `invalid value '${s}' for ${dt.name}: not a number`, ERROR_CODES.invalidValue);
    if (v.type === "boolean") {
      if (n !== v.min && n !== v.max) throw badRequest("property", `invalid value '${s}' for ${dt.name}: must be ${v.min} or ${v.max}`, ERROR_CODES.invalidValue);
      return String(n);
    }
    let x = n;
    if ((datatype === 8 || datatype === 44) && x === 100) x = 99; // "100 gets converted to 99"
    if (datatype === 53 && x === 255) return "255";
    if (v.type === "integer" && !Number.isInteger(x)) throw badRequest("property", `invalid value '${s}' for ${dt.name}: must be a whole number`, ERROR_CODES.invalidValue);
    if (x < v.min || x > v.max) throw badRequest("property", `invalid value '${s}' for ${dt.name}: must be between ${v.min} and ${v.max}`, ERROR_CODES.invalidValue);
    const steps = (x - v.min) / v.step;
    if (Math.abs(steps - Math.round(steps)) > 1e-6) throw badRequest("property", `invalid value '${s}' for ${dt.name}: must be a multiple of ${v.step}`, ERROR_CODES.invalidValue);
    return String(x);
  }

  /** Stores a written value (the device reports it back at once): a fresh `updated` even if equal. */
  writeValue(id: number, value: string, real = Date.now()): void {
    const rec = this.properties.get(id);
    if (!rec) return;
    let v = value;
    if (rec.res.datatype === 53) {
      if (v === "255") v = rec.lastLevel ?? "99";
      if (v !== "0") rec.lastLevel = v;
    }
    rec.res.value = v;
    rec.res.updated = Math.max(real, rec.res.updated ?? 0);
    if (rec.def.model.kind === "setpoint") {
      const cc = this.climate.get(rec.res.product);
      if (cc) this.requestSetpoint(cc, Number(v), undefined);
    }
  }

  requestSetpoint(cc: CCRec, setpoint: number | undefined, scheduletype: number | undefined): void {
    if (setpoint !== undefined) cc.setpoint = setpoint;
    if (scheduletype !== undefined) cc.scheduletype = scheduletype;
    cc.synchronised = false;
    cc.syncAt = this.lastSim + cc.wakeSeconds * SECOND;
  }

  /** Checks a climate controller setpoint against the controller's datatype. */
  validateSetpoint(cc: CCRec, raw: unknown): number {
    const dt = this.datatypes.get(cc.datatype);
    const n = typeof raw === "number" ? raw : typeof raw === "string" && raw.trim() !== "" ? Number(raw) : NaN;
    if (!Number.isFinite(n)) throw badRequest("climatecontroller", "setpoint must be a number", ERROR_CODES.invalidValue);
    if (!dt || dt.value.type === "boolean" || dt.value.type === "choice") return n;
    const v = dt.value;
    if (n < v.min || n > v.max) throw badRequest("climatecontroller", `setpoint must be between ${v.min} and ${v.max}`, ERROR_CODES.invalidValue);
    const steps = (n - v.min) / v.step;
    if ((v.type === "integer" && !Number.isInteger(n)) || Math.abs(steps - Math.round(steps)) > 1e-6) {
      throw badRequest("climatecontroller", `setpoint must be a multiple of ${v.step}`, ERROR_CODES.invalidValue);
    }
    return n;
  }

  triggerScene(id: number, real = Date.now()): void {
    this.triggeredScenes.push(id);
    for (const [property, value] of SCENE_EFFECTS[id] ?? []) {
      if (this.properties.has(property)) this.writeValue(property, value, real);
    }
  }

  activateLifestyle(id: number): void {
    const target = this.lifestyles.get(id);
    if (!target) return;
    for (const l of this.lifestyles.values()) if (l.account === target.account) l.active = l.lifestyle === id;
  }

  /** Test hook: pins a property to a value (the simulation stops changing it). */
  pinValue(id: number, value: string, real = Date.now()): void {
    const rec = this.properties.get(id);
    if (!rec) return;
    const model = rec.def.model;
    rec.res.value = value;
    rec.res.updated = Math.max(real, rec.res.updated ?? 0);
    if (model.kind === "setpoint") {
      const cc = this.climate.get(rec.res.product);
      const n = Number(value);
      if (cc && Number.isFinite(n)) {
        cc.anchorT = this.roomT(cc, this.lastSim);
        cc.anchorTime = this.lastSim;
        cc.setpoint = cc.synced = n;
        cc.synchronised = true;
        cc.syncAt = null;
      }
    } else if (model.kind !== "fixed") {
      rec.frozen = true;
    } else if (rec.res.datatype === 53 && value !== "0") {
      rec.lastLevel = value;
    }
  }

  removeProduct(id: number): void {
    if (!this.products.delete(id)) return;
    this.houseCache = null;
    for (const [pid, rec] of this.properties) if (rec.res.product === id) this.properties.delete(pid);
    for (const [nid, n] of this.nodes) if (n.product === id) this.nodes.delete(nid);
    this.climate.delete(id);
  }
}

function periodOf(model: Model): number {
  switch (model.kind) {
    case "battery":
      return 3600;
    case "fixed":
    case "setpoint":
      return 60;
    default:
      return model.period;
  }
}
