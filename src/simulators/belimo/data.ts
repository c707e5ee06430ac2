/**
 * Static data of the Belimo Cloud simulator: data profiles and device names.
 *
 * From the seed: the profile `energyvalve3/1.2`, `evcloud.200` "Cooling Energy in J" and
 * `evcloud.210` "Heating Energy in J", the five valve names. From Belimo's published client API
 * spec: the profile shape (aspects, subprofiles, datapoints with `featureValues` such as
 * `default.access`, `default.basetype`, `default.restriction`, `default.unit`), the `default.*`
 * health datapoints and the `metadata.*` datapoints of the device state. From VENDORS.md:
 * `evcloud.140` power (W), `evcloudplus.461` total volume (m³, cumulative). The other datapoint
 * ids (flow, position, temperatures, setpoint, control mode) are illustrative: real profiles use
 * ids of their own, which the bridge reads from the profile like these.
 */

export interface SimDatapointDef {
  id: string;
  featureValues: Record<string, string>;
  /** Only in the history (`data/history/timeseries`), not in the device state. */
  historyOnly?: boolean;
}

export interface SimProfileDef {
  id: string;
  version: string;
  name: string;
  description: string;
  datapoints: SimDatapointDef[];
}

const GUI = "bMg3Fgui";

function dp(
  id: string,
  basetype: string,
  access: "r" | "rw" | "w",
  description: string,
  extra: { unit?: string; restriction?: string; displayname?: string; name?: string; historyOnly?: boolean } = {},
): SimDatapointDef {
  const featureValues: Record<string, string> = {
    "default.access": access,
    "default.basetype": basetype,
    "default.description": description,
    "default.name": extra.name ?? `/device/${id.replace(".", "/")}`,
  };
  if (extra.unit !== undefined) featureValues["default.unit"] = extra.unit;
  if (extra.restriction !== undefined) featureValues["default.restriction"] = extra.restriction;
  if (extra.displayname !== undefined) {
    featureValues[`${GUI}.displayname`] = extra.displayname;
    featureValues[`${GUI}.visibility`] = "normal";
  }
  const def: SimDatapointDef = { id, featureValues };
  if (extra.historyOnly) def.historyOnly = true;
  return def;
}

const HEALTH: SimDatapointDef[] = [
  dp("default.1", "text", "r", "Aggregated health status", { restriction: "re:(OK|WARN|ERROR|UNKNOWN)", displayname: "Device health status", name: "/device/info/health/status" }),
  dp("default.2", "text", "r", "Description of health status,\n\t\t\t\tshould be set together with status", {
    restriction: "len:[0,255]",
    displayname: "Device health description",
    name: "/device/info/health/description",
  }),
];

const ENERGY_VALVE: SimDatapointDef[] = [
  ...HEALTH,
  dp("evcloud.100", "real", "r", "Relative valve position", { unit: "%", restriction: "[0.0,100.0]" }),
  dp("evcloud.110", "real", "rw", "Setpoint relative flow", { unit: "%", restriction: "[0.0,100.0]", displayname: "Flow setpoint" }),
  dp("evcloud.120", "real", "r", "Flow", { unit: "m3/s" }),
  // No unit feature: the unit is in the description, as in the seed.
  dp("evcloud.140", "real", "r", "Heating/cooling power in W"),
  dp("evcloud.150", "real", "r", "Temperature 1 embedded in Grad Kelvin"),
  dp("evcloud.160", "real", "r", "Temperature 2 remote", { unit: "K" }),
  dp("evcloud.170", "real", "r", "Delta T", { unit: "K" }),
  dp("evcloud.200", "real", "r", "Cooling Energy in J"),
  dp("evcloud.210", "real", "r", "Heating Energy in J"),
  dp("evcloudplus.461", "real", "r", "Total volume", { unit: "m3", historyOnly: true }),
  dp("evcloud.900", "int", "r", "Operating state flags", { restriction: "int32" }),
  dp("evcloud.950", "bool", "w", "Triggers a reset of the energy counters"),
];

export const PROFILES: SimProfileDef[] = [
  { id: "energyvalve3", version: "1.2", name: "belimo.energyvalve3", description: "Belimo Energy Valve 3", datapoints: ENERGY_VALVE },
  {
    id: "energyvalve3",
    version: "1.3",
    name: "belimo.energyvalve3",
    description: "Belimo Energy Valve 3 with control mode",
    datapoints: [
      ...ENERGY_VALVE,
      dp("evcloud.300", "text", "rw", "Control mode", { restriction: "re:(POSITION|FLOW|POWER)", displayname: "Control mode" }),
      dp("evcloud.310", "bool", "rw", "Glycol monitoring enabled", { displayname: "Glycol monitoring" }),
    ],
  },
  {
    id: "actuator-mp",
    version: "2.0",
    name: "belimo.actuator.mp",
    description: "Belimo MP-Bus actuator",
    datapoints: [
      ...HEALTH,
      dp("amp.1", "real", "rw", "Relative position setpoint", { unit: "%", restriction: "[0.0,100.0]", displayname: "Position setpoint" }),
      dp("amp.2", "real", "r", "Relative actual position", { unit: "%" }),
      dp("amp.3", "real", "r", "Actuator torque", { unit: "Nm" }),
      dp("amp.4", "text", "rw", "Override control", { restriction: "re:(NONE|OPEN|CLOSE|MIN|MAX)" }),
    ],
  },
];

export const profileRefOf = (p: SimProfileDef): string => `${p.id}/${p.version}`;

/** The seed's five valves first, then more of the same kind. */
const SEED_NAMES = [
  "Energieventil Heizung 2.OG Sued-Ost",
  "Energieventil Heizung 2.OG Nord-Ost",
  "Energieventil Heizung 2.OG Nord-West",
  "Energieventil Heizung 1.OG Sued-West",
  "Energieventil Heizung 2.OG Sued-West",
];
const DIRECTIONS = ["Nord-Ost", "Nord-West", "Sued-Ost", "Sued-West"];

export function valveName(i: number): string {
  if (i < SEED_NAMES.length) return SEED_NAMES[i]!;
  const n = i - SEED_NAMES.length;
  const kind = n % 3 === 2 ? "Kuehlung" : "Heizung";
  const floor = Math.floor(n / DIRECTIONS.length) % 6;
  const wing = Math.floor(n / (DIRECTIONS.length * 6));
  return `Energieventil ${kind} ${floor === 0 ? "EG" : `${floor}.OG`} ${DIRECTIONS[n % DIRECTIONS.length]}${wing > 0 ? ` ${String.fromCharCode(65 + wing)}` : ""}`;
}


export function uuid(rand: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(rand() * 16).toString(16)).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${"89ab"[Math.floor(rand() * 4)]}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
