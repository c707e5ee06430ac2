import type { Device, Reading } from "../model/index.js";

/**
 * A source's include/exclude lists. A pattern without "/" matches a device by key or name; a
 * pattern "device/entity" matches entities by keys ("product_44/property_222") or by names
 * ("Kitchen/Battery"). `*` matches any run of characters; case is ignored.
 */
export class SourceFilter {
  private readonly includeDevices: RegExp[];
  private readonly includeEntities: RegExp[];
  private readonly excludeDevices: RegExp[];
  private readonly excludeEntities: RegExp[];

  constructor(include: string[] = [], exclude: string[] = []) {
    [this.includeDevices, this.includeEntities] = split(include);
    [this.excludeDevices, this.excludeEntities] = split(exclude);
  }

  get active(): boolean {
    return this.includeDevices.length + this.includeEntities.length + this.excludeDevices.length + this.excludeEntities.length > 0;
  }

  apply(devices: Device[], readings: Reading[]): { devices: Device[]; readings: Reading[] } {
    if (!this.active) return { devices, readings };
    const kept: Device[] = [];
    const allowed = new Set<string>();
    for (const device of devices) {
      const names = [device.key, device.name];
      if (this.excludeDevices.some((re) => names.some((n) => re.test(n)))) continue;
      const deviceIncluded = this.includeDevices.length === 0 && this.includeEntities.length === 0 ? true : this.includeDevices.some((re) => names.some((n) => re.test(n)));
      const entities = device.entities.filter((e) => {
        const paths = [`${device.key}/${e.key}`, `${device.name}/${e.name}`];
        const matches = (re: RegExp): boolean => paths.some((p) => re.test(p));
        if (this.excludeEntities.some(matches)) return false;
        return deviceIncluded || this.includeEntities.some(matches);
      });
      if (entities.length === 0) continue;
      kept.push({ ...device, entities });
      for (const e of entities) allowed.add(`${device.key}/${e.key}`);
    }
    // A parent dropped by a filter must not be referenced as via_device.
    const keys = new Set(kept.map((d) => d.key));
    for (const d of kept) if (d.viaDevice && !keys.has(d.viaDevice)) delete d.viaDevice;
    return { devices: kept, readings: readings.filter((r) => allowed.has(`${r.device}/${r.entity}`)) };
  }
}

function split(patterns: string[]): [RegExp[], RegExp[]] {
  const devices: RegExp[] = [];
  const entities: RegExp[] = [];
  for (const p of patterns) (p.includes("/") ? entities : devices).push(glob(p));
  return [devices, entities];
}

function glob(pattern: string): RegExp {
  const body = pattern.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*");
  return new RegExp(`^${body}$`, "i");
}
