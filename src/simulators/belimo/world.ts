/**
 * The simulated Belimo Cloud account: devices with their data profiles, values that change over
 * time (energy and volume counters only rise; flows, powers, temperatures move), write jobs that
 * the device confirms after a delay, and the OAuth tokens of BelimoID.
 */
import { randomBytes } from "node:crypto";
import { prng } from "../kit/random.js";
import { PROFILES, profileRefOf, uuid, valveName, type SimDatapointDef, type SimProfileDef } from "./data.js";

export type HealthState = "OK" | "WARNING" | "ERROR" | "UNKNOWN";

interface Params {
  /** Heating and cooling power: mean and amplitude (W), amplitude ≤ mean so counters never fall. */
  heatMean: number;
  heatAmp: number;
  coolMean: number;
  coolAmp: number;
  /** Angular speed (rad per simulated second) and phase. */
  w: number;
  phase: number;
  heatE0: number;
  coolE0: number;
  /** Flow (m³/s) and total volume at start (m³). */
  flow: number;
  volume0: number;
  supplyC: number;
  deltaT: number;
  flags: number;
}

export interface SimDevice {
  id: string;
  productionId: string;
  displayName: string;
  serialNumber: string;
  materialNumber: string;
  deviceType: string;
  profile: SimProfileDef | undefined;
  /**
   * How the device names its profile: `{entityId: "x/1.2", ref}` (plain), an entityId that is
   * already a full path, or only the `ref` path.
   */
  refStyle: "plain" | "fullPath" | "refOnly";
  registered: boolean;
  /** Offline devices stopped reporting at `lastSeen`; their values stay as they were. */
  online: boolean;
  lastSeen: number | undefined;
  onlineDays: number;
  health: { state: HealthState; description: string | null };
  params: Params;
  /** Values confirmed by write jobs, and values pinned by tests. */
  written: Map<string, unknown>;
  pinned: Map<string, unknown>;
}

export interface SimJob {
  id: string;
  deviceId: string;
  datapoints: Record<string, unknown>;
  createdAt: number;
  state: "PENDING" | "EXECUTING" | "SUCCESS" | "FAILURE" | "CANCELED";
  mergeable: boolean;
  cancelable: boolean;
  confirmedAt?: number;
  confirmedBy?: "DEVICE" | "USER" | "SYSTEM";
  result?: string;
  error?: string;
  fail: boolean;
}

export interface TokenGrant {
  scope: string[];
  expiresAt: number;
  revoked: boolean;
}

export interface WorldOptions {
  valves: number;
  actuators: number;
  unregistered: number;
  timeScale: number;
  jobDelayMs: number;
  seed: number;
  /** Ids of the first devices instead of generated UUIDs (ids unsafe in topics and URLs, say). */
  ids?: string[];
}

const DAY_S = 86_400;
const MATERIALS = ["EV025R2+BAC", "EV032R2+BAC", "EV040R2+BAC", "EV050R2+BAC", "EV065F2+BAC"];

export class World {
  readonly devices = new Map<string, SimDevice>();
  readonly jobs = new Map<string, SimJob>();
  readonly accessTokens = new Map<string, TokenGrant>();
  readonly refreshTokens = new Map<string, TokenGrant>();
  readonly counters = { logins: 0, failedLogins: 0, refreshes: 0, failedRefreshes: 0 };
  /** Real time the simulation started; simulated time runs `timeScale` times faster from here. */
  readonly start = Date.now();
  /** Jobs created from now on end in FAILURE (count down). */
  failNextJobs = 0;
  private readonly order: string[] = [];

  constructor(readonly opts: WorldOptions) {
    const rand = prng(opts.seed);
    const ev12 = PROFILES.find((p) => p.id === "energyvalve3" && p.version === "1.2")!;
    const ev13 = PROFILES.find((p) => p.id === "energyvalve3" && p.version === "1.3")!;
    const actuator = PROFILES.find((p) => p.id === "actuator-mp")!;
    for (let i = 0; i < opts.valves; i++) {
      const heating = !valveName(i).includes("Kuehlung");
      this.add({
        rand,
        name: valveName(i),
        profile: i % 4 === 3 ? ev13 : ev12,
        refStyle: i % 5 === 2 ? "fullPath" : i % 5 === 4 ? "refOnly" : "plain",
        // Every 8th valve has stopped reporting; one has a warning.
        online: i % 8 !== 7,
        health: i === 3 ? { state: "WARNING", description: "Flow too low" } : i % 8 === 7 ? { state: "UNKNOWN", description: null } : { state: "OK", description: null },
        heating,
        materialNumber: MATERIALS[i % MATERIALS.length]!,
        deviceType: "1:energyvalve3",
      });
    }
    for (let i = 0; i < opts.actuators; i++) {
      this.add({ rand, name: `Klappenantrieb Lueftung ${i + 1}`, profile: actuator, refStyle: "plain", online: true, health: { state: "OK", description: null }, heating: true, materialNumber: "LMV-D3-MP", deviceType: "2:actuator-mp" });
    }
    for (let i = 0; i < opts.unregistered; i++) {
      this.add({ rand, name: "", profile: undefined, refStyle: "plain", online: false, health: { state: "UNKNOWN", description: null }, heating: true, materialNumber: "EV050R2+BAC", deviceType: "1:energyvalve3", registered: false });
    }
  }

  private add(o: {
    rand: () => number;
    name: string;
    profile: SimProfileDef | undefined;
    refStyle: SimDevice["refStyle"];
    online: boolean;
    health: SimDevice["health"];
    heating: boolean;
    materialNumber: string;
    deviceType: string;
    registered?: boolean;
  }): void {
    const r = o.rand;
    const generated = uuid(r);
    const id = this.opts.ids?.[this.order.length] ?? generated;
    const serial = `${String(Math.floor(r() * 90_000) + 10_000)}-${String(Math.floor(r() * 90_000) + 10_000)}-${String(Math.floor(r() * 900) + 100)}-${String(Math.floor(r() * 900) + 100)}`;
    const heatMean = o.heating ? 4000 + r() * 8000 : 300 + r() * 500;
    const coolMean = o.heating ? 50 + r() * 150 : 3000 + r() * 5000;
    const registered = o.registered ?? true;
    const device: SimDevice = {
      id,
      productionId: `MPUID${serial.replace(/-/g, "")}`,
      displayName: o.name || serial,
      serialNumber: serial,
      materialNumber: o.materialNumber,
      deviceType: o.deviceType,
      profile: o.profile,
      refStyle: o.refStyle,
      registered,
      online: registered && o.online,
      lastSeen: registered ? (o.online ? undefined : this.start - (2 + Math.floor(r() * 20)) * 3_600_000) : undefined,
      onlineDays: registered ? 30 + Math.floor(r() * 900) : 0,
      health: o.health,
      params: {
        heatMean,
        heatAmp: heatMean * (0.3 + r() * 0.6),
        coolMean,
        coolAmp: coolMean * (0.3 + r() * 0.6),
        w: (2 * Math.PI) / DAY_S,
        phase: r() * 2 * Math.PI,
        heatE0: 2e11 + r() * 5e11,
        coolE0: 5e10 + r() * 2e11,
        flow: 0.0002 + r() * 0.0008,
        volume0: 20_000 + r() * 50_000,
        supplyC: o.heating ? 50 + r() * 20 : 8 + r() * 6,
        deltaT: 5 + r() * 10,
        flags: r() < 0.8 ? 0 : 4,
      },
      written: new Map(),
      pinned: new Map(),
    };
    this.devices.set(id, device);
    this.order.push(id);
  }

  /** Registered, unregistered, in creation order. */
  list(): SimDevice[] {
    return this.order.map((id) => this.devices.get(id)).filter((d): d is SimDevice => d !== undefined);
  }

  remove(id: string): boolean {
    const i = this.order.indexOf(id);
    if (i >= 0) this.order.splice(i, 1);
    return this.devices.delete(id);
  }

  profileRef(d: SimDevice): string | undefined {
    return d.profile ? profileRefOf(d.profile) : undefined;
  }

  findProfile(id: string, version: string): SimProfileDef | undefined {
    const candidates = PROFILES.filter((p) => p.id === id);
    if (version === "last") return candidates.sort((a, b) => compareVersions(b.version, a.version))[0];
    return candidates.find((p) => p.version === version);
  }

  /** When the device last reported: now for online devices. */
  lastSeen(d: SimDevice, now = Date.now()): number | undefined {
    if (!d.registered) return undefined;
    return d.online ? now - 20_000 : d.lastSeen;
  }

  /** Simulated seconds since the start at a real time (negative before the start). */
  simSeconds(realMs: number): number {
    return ((realMs - this.start) / 1000) * this.opts.timeScale;
  }

  /**
   * A datapoint's value at a real time; offline devices keep the values of their last contact.
   * Undefined for datapoints the device does not have.
   */
  value(d: SimDevice, id: string, realMs = Date.now()): unknown {
    if (d.pinned.has(id)) return d.pinned.get(id);
    if (d.written.has(id)) return d.written.get(id);
    const seen = this.lastSeen(d, realMs);
    const at = seen !== undefined && !d.online ? Math.min(realMs, seen) : realMs;
    const t = this.simSeconds(at);
    const p = d.params;
    const s = (k = 1, shift = 0): number => Math.sin(p.w * k * t + p.phase + shift);
    // ∫ (mean + amp·sin(wt+φ)) dt = mean·t + amp/w·(cos φ − cos(wt+φ)): rises, never falls.
    const integral = (mean: number, amp: number, shift = 0): number => mean * t + (amp / p.w) * (Math.cos(p.phase + shift) - Math.cos(p.w * t + p.phase + shift));
    const setpoint = Number(this.written(d, "evcloud.110") ?? this.written(d, "amp.1") ?? (d.profile?.id === "actuator-mp" ? 50 : 60));
    switch (id) {
      case "default.1":
        return { OK: "OK", WARNING: "WARN", ERROR: "ERROR", UNKNOWN: "UNKNOWN" }[d.health.state];
      case "default.2":
        return d.health.description ?? "";
      case "evcloud.100":
        return round(clamp(setpoint * 0.95 + 3 * s(4), 0, 100), 1);
      case "evcloud.110":
        return 60;
      case "evcloud.120":
        return round(p.flow * (1 + 0.2 * s()), 6);
      case "evcloud.140":
        return Math.round(p.heatMean + p.heatAmp * s() + p.coolMean + p.coolAmp * s(1, Math.PI));
      case "evcloud.150":
        return round(273.15 + p.supplyC + 3 * s(0.5), 2);
      case "evcloud.160":
        return round(273.15 + p.supplyC + 3 * s(0.5) - (p.deltaT + 2 * s()), 2);
      case "evcloud.170":
        return round(p.deltaT + 2 * s(), 2);
      case "evcloud.200":
        return Math.round(p.coolE0 + integral(p.coolMean, p.coolAmp, Math.PI));
      case "evcloud.210":
        return Math.round(p.heatE0 + integral(p.heatMean, p.heatAmp));
      case "evcloudplus.461":
        return round(p.volume0 + integral(p.flow, p.flow * 0.2), 4);
      case "evcloud.900":
        return p.flags;
      case "evcloud.300":
        return "FLOW";
      case "evcloud.310":
        return false;
      case "amp.1":
        return 50;
      case "amp.2":
        return round(clamp(setpoint + 0.5 * s(8), 0, 100), 1);
      case "amp.3":
        return round(4 + 0.8 * s(3), 2);
      case "amp.4":
        return "NONE";
      default:
        return undefined;
    }
  }

  private written(d: SimDevice, id: string): unknown {
    return d.pinned.get(id) ?? d.written.get(id);
  }

  /** The device state's datapoints (`{id: {value}}`): metadata and the profile's readable, non-history ones. */
  stateDatapoints(d: SimDevice, now = Date.now()): Record<string, { value: unknown }> {
    const out: Record<string, { value: unknown }> = this.metadata(d);
    for (const def of d.profile?.datapoints ?? []) {
      if (def.historyOnly || !readable(def)) continue;
      const v = this.value(d, def.id, now);
      if (v !== undefined) out[def.id] = { value: v };
    }
    return out;
  }

  /** `metadata.*` datapoints the state carries although no device profile lists them. */
  metadata(d: SimDevice): Record<string, { value: unknown }> {
    const out: Record<string, { value: unknown }> = {
      "metadata.1001": { value: d.displayName },
      "metadata.2": { value: "vHe1qeBV" },
      "metadata.5": { value: true },
      "metadata.6": { value: true },
      "metadata.7": { value: "CLOUD_CONTROLLED_MANUAL" },
      "metadata.1011": { value: "CH" },
    };
    const ref = this.profileRef(d);
    if (ref) out["metadata.3"] = { value: ref };
    return out;
  }

  // ------------------------------------------------------------------------------ jobs

  createJob(d: SimDevice, datapoints: Record<string, unknown>, mergeable: boolean, cancelable: boolean): SimJob {
    const fail = this.failNextJobs > 0;
    if (fail) this.failNextJobs--;
    const job: SimJob = { id: randomBytes(12).toString("base64url").slice(0, 16), deviceId: d.id, datapoints, createdAt: Date.now(), state: "PENDING", mergeable, cancelable, fail };
    this.jobs.set(job.id, job);
    return job;
  }

  /** Moves jobs on: a reachable device takes a job after half the delay and confirms it after the delay. */
  tick(now = Date.now()): void {
    for (const job of this.jobs.values()) {
      if (job.state !== "PENDING" && job.state !== "EXECUTING") continue;
      const d = this.devices.get(job.deviceId);
      if (!d || !d.online) continue; // an offline device never picks its job up
      const age = now - job.createdAt;
      if (age >= this.opts.jobDelayMs) {
        job.confirmedAt = job.createdAt + this.opts.jobDelayMs;
        job.confirmedBy = "DEVICE";
        if (job.fail) {
          job.state = "FAILURE";
          job.error = "DEVICE_REJECTED: the device refused the parametrization";
        } else {
          job.state = "SUCCESS";
          job.result = "ok";
          for (const [id, v] of Object.entries(job.datapoints)) d.written.set(id, v);
        }
      } else if (age >= this.opts.jobDelayMs / 2) {
        job.state = "EXECUTING";
      }
    }
  }

  // ------------------------------------------------------------------------------ tokens

  issueAccess(scope: string[], lifetimeS: number): string {
    const token = randomBytes(24).toString("hex");
    this.accessTokens.set(token, { scope, expiresAt: Date.now() + lifetimeS * 1000, revoked: false });
    return token;
  }

  issueRefresh(scope: string[], lifetimeS: number | undefined): string {
    const token = randomBytes(24).toString("hex");
    this.refreshTokens.set(token, { scope, expiresAt: lifetimeS === undefined ? Number.POSITIVE_INFINITY : Date.now() + lifetimeS * 1000, revoked: false });
    return token;
  }

  /** Stats as the cloud counts them: online = contact within the last 5 minutes. */
  stats(now = Date.now()): { total: number; online: number; offline: number; problem: number; ok: number } {
    const all = this.list();
    const online = all.filter((d) => {
      const seen = this.lastSeen(d, now);
      return seen !== undefined && now - seen <= 5 * 60_000;
    }).length;
    const problem = all.filter((d) => d.health.state === "WARNING" || d.health.state === "ERROR").length;
    return { total: all.length, online, offline: all.length - online, problem, ok: all.length - problem };
  }
}

export function readable(def: SimDatapointDef): boolean {
  return (def.featureValues["default.access"] ?? "r").includes("r");
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

function clamp(v: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, v));
}

function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
