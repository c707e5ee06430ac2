/**
 * How the simulated home's values move: appliances behind their switches, the house load and
 * solar production, gas, heat and water flow, room temperatures towards their setpoints.
 * Pure functions of simulated time and the world's records, so any instant can be sampled.
 */
import type { Rate } from "./data.js";
import type { CCRec, PropRec } from "./records.js";
import { SECOND, DAY, TAU, daylight, format, hash01, smooth, unit } from "./signals.js";
import type { World } from "./world.js";

export class ValueModels {
  /** Per account: appliances counted in the home's load, and whether it has solar panels. */
  private houseCache: Map<number, { appliances: PropRec[]; solar: boolean }> | null = null;

  constructor(private readonly world: Pick<World, "properties" | "climate" | "datatypes" | "realStart">) {}

  /** Products came or went: the houses are counted again. */
  forgetHouses(): void {
    this.houseCache = null;
  }

  /** Rate of a counter, in its units per hour, at simulated time t. */
  rate(rec: PropRec, rate: Rate, t: number): number {
    switch (rate.from) {
      case "power": {
        const source = this.world.properties.get(rate.property);
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
  sample(rec: PropRec, t: number): string {
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
        const drop = Math.floor(Math.max(0, t - this.world.realStart) / (model.daysPerPercent * DAY) + hash01(id, 3));
        return String(Math.max(0, model.start - drop));
      }
      case "daylight": {
        const lightLevel = daylight(t) * (0.6 + 0.4 * unit(smooth(id, t, 2)));
        return format(Math.min(model.max, model.max * lightLevel + (model.max > 100 ? 2 : 0)), 0);
      }
      case "flow":
        return format(this.flow(t), model.decimals);
      case "roomtemp": {
        const cc = this.world.climate.get(rec.res.product);
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
    const gate = this.world.properties.get(gateId);
    if (!gate || gate.res.value === null) return 0;
    const dt = this.world.datatypes.get(gate.res.datatype);
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
      for (const rec of this.world.properties.values()) {
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

  roomT(cc: CCRec, t: number): number {
    const target = cc.synced + 0.05;
    return target + (cc.anchorT - target) * Math.exp(-Math.max(0, t - cc.anchorTime) / TAU) + 0.12 * smooth(cc.product, t, 2);
  }

  /** Fraction of an account's climate controllers asking for heat at t. */
  private heatDemand(account: number, t: number): number {
    let n = 0;
    let demand = 0;
    for (const cc of this.world.climate.values()) {
      if (cc.account !== account) continue;
      n++;
      if (this.roomT(cc, t) < cc.synced - 0.1) demand++;
    }
    return n ? demand / n : 0;
  }
}
