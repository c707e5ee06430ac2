/**
 * State of the simulated myBeNext cloud and how its values change.
 *
 * Values are computed lazily from the wall clock scaled by `timeScale` (simulated time runs
 * `timeScale` times faster than real time, starting at the real start time): `evaluate()` runs
 * at the start of every request and brings every property up to date. A sampled property has a
 * period; at each period boundary its value is recomputed and, only if the printed string
 * differs, `updated` becomes the real time of that boundary. Counters integrate a rate (power,
 * flow, ...) so they only rise, consistently with what drives them.
 *
 * The value models live in models.ts, the records in records.ts, how they print in views.ts.
 */
import { ValueModels } from "./models.js";
import { type CCRec, type NodeRec, type ProductRec, type PropRec } from "./records.js";
import { HOUR, SECOND, format, hash01, isoMillis, periodOf } from "./signals.js";
import {
  ACCOUNTS,
  CLIMATE,
  FAILURES,
  FAILURETYPES,
  GATEWAYS,
  LIFESTYLES,
  PRODUCTS,
  PROPERTIES,
  SCENES,
  SCENE_EFFECTS,
  type Rate,
} from "./data.js";
import { DATATYPES, PRODUCTTYPES } from "./catalogue.js";
import type {
  SimAccount,
  SimClimateController,
  SimDatatype,
  SimFailure,
  SimFailuretype,
  SimGateway,
  SimLifestyle,
  SimProducttype,
  SimScene,
} from "./types.js";

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
  private readonly models: ValueModels = new ValueModels(this);

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
          rec.res.value = this.models.sample(rec, k * period);
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
        this.change(rec, this.models.sample(rec, k * period), this.realOf(k * period));
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
    let prev = this.models.rate(rec, rate, integ.t);
    for (let i = 1; i <= n; i++) {
      const next = this.models.rate(rec, rate, integ.t + i * h);
      sum += ((prev + next) / 2) * (h / HOUR);
      prev = next;
    }
    integ.acc += Math.max(0, sum);
    integ.t = to;
  }

  private sync(cc: CCRec, at: number): void {
    cc.anchorT = this.models.roomT(cc, at);
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

  propertyRecs(): PropRec[] {
    return [...this.properties.values()];
  }

  climateView(cc: CCRec): SimClimateController {
    const step = Math.floor(this.lastSim / (60 * SECOND)) * 60 * SECOND;
    const unreachable = this.products.get(cc.product)?.def.unreachable ?? false;
    const t = this.models.roomT(cc, step);
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

  nodeRecs(): NodeRec[] {
    return [...this.nodes.values()];
  }

  // ------------------------------------------------------------------------- writes

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
        cc.anchorT = this.models.roomT(cc, this.lastSim);
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
    this.models.forgetHouses();
    for (const [pid, rec] of this.properties) if (rec.res.product === id) this.properties.delete(pid);
    for (const [nid, n] of this.nodes) if (n.product === id) this.nodes.delete(nid);
    this.climate.delete(id);
  }
}
