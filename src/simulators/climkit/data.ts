/**
 * Sites of the Climkit simulator. Ids are 24-hex ObjectIds like the API's; names, addresses and
 * time zones are Swiss, like Climkit's customers (ZEV/RCP self-consumption communities).
 */
import type { SimMeter, SimSensor, SimSite } from "./world.js";

export function meter(id: string, type: SimMeter["type"], name: string, extra: Partial<SimMeter> = {}): SimMeter {
  return { id, type, name, mode: "consumption", prim_ad: Number.parseInt(id.slice(-2), 16), is_rule_meter: false, ...extra };
}

export function sensor(id: string, name: string, type: string, unit: string, base: number, amplitude: number, model = "Climkit Sense"): SimSensor {
  return { id, name, type, unit, model, base, amplitude };
}

export function site(id: string, name: string, meters: SimMeter[], sensors: SimSensor[] = [], extra: Partial<SimSite> = {}): SimSite {
  return {
    id,
    site_ref: `CK-${id.slice(-4).toUpperCase()}`,
    name,
    address: { street_name: "Chemin des Vignes", street_number: "12", city: "Lausanne", postal_code: 1004 },
    creation_date: "2021-05-17T08:00:00",
    latitude: 46.5197,
    longitude: 6.6323,
    timezone: "Europe/Zurich",
    meters,
    sensors,
    ...extra,
  };
}

/** The demo: one self-consumption community with a flat, the PV system and a room sensor. Light on purpose (1 request/second). */
export function demoSites(): SimSite[] {
  return [
    site(
      "64a1f0c2e4b0a1b2c3d4e501",
      "Résidence Les Vignes",
      [
        meter("64a1f0c2e4b0a1b2c3d4e5a1", "electricity", "Appartement 1.1"),
        meter("64a1f0c2e4b0a1b2c3d4e5a2", "electricity", "Photovoltaïque", { mode: "production" }),
      ],
      [sensor("64a1f0c2e4b0a1b2c3d4e5c1", "Salon", "temperature", "°C", 21, 1.5)],
    ),
  ];
}

/** A richer world for tests: two sites, every meter type, a rule meter and three kinds of sensors. */
export function sampleSites(): SimSite[] {
  return [
    site(
      "64b2a0000000000000000001",
      "Les Vergers",
      [
        meter("64b2a00000000000000000a1", "electricity", "Flat A"),
        meter("64b2a00000000000000000a2", "electricity", "PV roof", { mode: "production" }),
        meter("64b2a00000000000000000a3", "electricity", "Building (rule)", { is_rule_meter: true }),
      ],
      [sensor("64b2a00000000000000000c1", "Living room", "temperature", "degC", 21, 1.5), sensor("64b2a00000000000000000c2", "Living room air", "co2", "ppm", 650, 200)],
    ),
    site(
      "64b2a0000000000000000002",
      "Chemin Vert 5",
      [meter("64b2a00000000000000000b1", "heating", "Heat meter"), meter("64b2a00000000000000000b2", "hot_water", "Hot water")],
      [sensor("64b2a00000000000000000c3", "Cellar", "humidity", "%", 55, 5)],
      { address: { street_name: "Chemin Vert", street_number: "5", city: "Genève", postal_code: 1205 }, timezone: "Europe/Zurich" },
    ),
  ];
}
