/**
 * The simulator's checks of metadata PUT bodies, written from the seed's tables ("Metadata"):
 * the answer to an invalid body is 400 with a message naming the field.
 */
type Json = Record<string, unknown>;

const PROPERTY_TYPES = ["HOME", "OFFICE", "COMMERCIAL", "INDUSTRIAL", "INDUSTRY"];
const GENERATORS = ["SOLAR", "HYDROELECTRICITY", "WIND", "BATTERY", "OTHER", "NONE"];
const AGE_RANGES = ["ZERO_TO_FIVE", "SIX_TO_EIGHTEEN", "ADULT", "PENSIONER"];

const APPLIANCE_FIELDS: Record<string, Record<string, string[] | "boolean" | "wattages" | "text" | "seasons">> = {
  AC: { type: ["CENTRALISED", "MINI_SPLIT", "WINDOW", "OTHER", "I_DONT_KNOW"], usage_type: ["SUMMER", "WINTER", "BOTH"] },
  DEHUMIDIFIER: {},
  DISHWASHER: {},
  ELECTRIC_BOILER: { usage_type: ["SPACE_HEATING", "WATER_HEATING", "BOTH"], coupled_with_solar_thermal_system: ["YES", "NO", "NOT_SURE"], water_tank: "boolean" },
  ELECTRIC_HEATING: { type: ["HEAT_PUMP", "HEAT_STORAGE", "RADIATOR", "UNDERFLOOR", "OTHER"] },
  ELECTRIC_LAWN_MOWER: {},
  ELECTRIC_OVEN: { type: ["MICROWAVE", "MINI", "REGULAR"] },
  ELECTRIC_SHOWER: {},
  ELECTRIC_STOVE: { type: ["ELECTRIC", "INDUCTION"] },
  ELECTRIC_VEHICLE: { type: ["BIKE", "CAR", "MOTORBIKE", "SCOOTER"], wattages: "wattages" },
  FRIDGE: { type: ["FRIDGE", "FREEZER", "FRIDGE_AND_FREEZER", "SMALL_ELECTRIC_WINE_CELLAR", "LARGE_ELECTRIC_WINE_CELLAR"] },
  GAS_HEATING: { any_electric_heater: "boolean" },
  HUMIDIFIER: {},
  JACUZZI: {},
  KETTLE: {},
  POOL_PUMP: {},
  TUMBLE_DRYER: { type: ["CONDENSER", "HEAT_PUMP", "VENTED", "I_DONT_KNOW"], usage_types: "seasons" },
  WASHING_MACHINE: {},
  OTHER: { name: "text" },
};

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const isInt = (v: unknown, min: number): boolean => typeof v === "number" && Number.isInteger(v) && v >= min;

function oneOf(body: Json, field: string, values: string[], where = ""): string | undefined {
  if (body[field] === undefined) return `${where}${field} is required`;
  return values.includes(body[field] as string) ? undefined : `${where}${field} must be one of ${values.join(", ")}`;
}

/** The first problem of a property body, or undefined. */
export function propertyProblem(body: unknown): string | undefined {
  if (!isObject(body)) return "body must be a JSON object";
  const first = oneOf(body, "property_type", PROPERTY_TYPES) ?? oneOf(body, "power_generator_source", GENERATORS);
  if (first) return first;
  if (body.version !== "1.0") return "version is required and must be 1.0";
  if (body.property_type !== "HOME") return undefined;
  const home =
    oneOf(body, "home_type", ["FLAT", "HOUSE"]) ??
    oneOf(body, "home_usage_type", ["PRIMARY", "SECONDARY"]) ??
    (typeof body.home_size === "number" && body.home_size > 0 ? undefined : "home_size is required and must be a positive number") ??
    (isInt(body.bedroom_amount, 1) ? undefined : "bedroom_amount is required, minimum value is 1") ??
    (isInt(body.people_amount, 1) ? undefined : "people_amount is required, minimum value is 1") ??
    (isInt(body.people_amount_in_day_time, 0) ? undefined : "people_amount_in_day_time is required, minimum value is 0") ??
    (Array.isArray(body.people) ? undefined : "people must be present (it can be an empty array)");
  if (home) return home;
  for (const [i, p] of (body.people as unknown[]).entries()) {
    if (!isObject(p)) return `people[${i}] must be an object`;
    const bad = oneOf(p, "age_range", AGE_RANGES, `people[${i}].`) ?? (isInt(p.amount, 0) ? undefined : `people[${i}].amount is required`);
    if (bad) return bad;
  }
  return undefined;
}

export function appliancesProblem(body: unknown): string | undefined {
  if (!isObject(body) || !Array.isArray(body.appliances)) return "body must be a JSON object with an appliances list";
  if (body.version !== "1.0") return "version is required and must be 1.0";
  for (const [i, a] of body.appliances.entries()) {
    const where = `appliances[${i}].`;
    if (!isObject(a)) return `appliances[${i}] must be an object`;
    const fields = APPLIANCE_FIELDS[a.key as string];
    if (!fields) return `${where}key must be one of ${Object.keys(APPLIANCE_FIELDS).join(", ")}`;
    if (!isInt(a.amount, 1)) return `${where}amount is required`;
    for (const [field, kind] of Object.entries(fields)) {
      const v = a[field];
      if (v === undefined) return `${where}${field} is required for ${String(a.key)}`;
      if (kind === "boolean" && typeof v !== "boolean") return `${where}${field} must be a boolean`;
      if (kind === "text" && (typeof v !== "string" || v === "")) return `${where}${field} must be text`;
      if (kind === "seasons" && (!Array.isArray(v) || v.length === 0 || v.some((s) => !["AUTUMN", "SPRING", "SUMMER", "WINTER"].includes(s as string)))) {
        return `${where}${field} must list AUTUMN, SPRING, SUMMER and/or WINTER`;
      }
      if (kind === "wattages" && (!Array.isArray(v) || v.length !== a.amount || v.some((w) => !isInt(w, 1)))) {
        return `${where}${field} must be a list of integers of size equal to the amount`;
      }
      if (Array.isArray(kind) && !kind.includes(v as string)) return `${where}${field} must be one of ${kind.join(", ")}`;
    }
  }
  return undefined;
}

export function geolocationProblem(body: unknown): string | undefined {
  if (!isObject(body)) return "body must be a JSON object";
  const { latitude, longitude } = body;
  if (typeof latitude !== "number" || typeof longitude !== "number") return "latitude and longitude are both mandatory";
  if (Math.abs(latitude) > 90 || Math.abs(longitude) > 180) return "must be a valid location";
  return undefined;
}
