/**
 * Home Assistant's own rules for MQTT device-based discovery payloads, encoded for tests.
 *
 * Every table names the Home Assistant file it was read from (repository home-assistant/core;
 * "newest" means the newest stored version that could be found, which has moved from voluptuous to
 * `probatio` but keeps the same schema shapes). Rules marked "well-known" could not be read in
 * source and come from Home Assistant's documented behaviour.
 *
 * How Home Assistant treats a violation differs, and each check says which applies:
 * - device level: DEVICE_DISCOVERY_SCHEMA has no `extra=` so an unknown key there rejects the whole
 *   device payload (mqtt/discovery.py `_parse_device_payload` logs "Invalid MQTT device discovery
 *   payload" and drops every component);
 * - component level: each platform's DISCOVERY_SCHEMA is `.extend({}, extra=REMOVE_EXTRA)`, so an
 *   unknown key is silently dropped (the option we meant does nothing), while a bad value or a
 *   failed validator (`vol.Invalid`) rejects that entity;
 * - entity level: sensor/number unit and state class mismatches make the entity log a warning and
 *   raise a repair issue (and, in newer versions, the MQTT sensor schema rejects a unit that does
 *   not fit the device class).
 * The checker reports all of them: none is acceptable in a payload we publish.
 */

type Json = Record<string, unknown>;

// -------------------------------------------------------------------------------------------------
// Platforms

/** mqtt/const.py SUPPORTED_COMPONENTS (newest): what `platform` may name in `components`. */
export const SUPPORTED_COMPONENTS: ReadonlySet<string> = new Set([
  "alarm_control_panel", "binary_sensor", "button", "camera", "climate", "cover", "date", "datetime",
  "device_automation", "device_tracker", "event", "fan", "humidifier", "image", "infrared", "lawn_mower",
  "light", "lock", "notify", "number", "scene", "siren", "select", "sensor", "switch", "tag", "text",
  "time", "update", "vacuum", "valve", "water_heater",
]);

/** mqtt/const.py ENTITY_PLATFORMS: platforms that create entities, so need a unique_id (schemas.py check_unique_id). */
export const ENTITY_PLATFORMS: ReadonlySet<string> = new Set([
  "alarm_control_panel", "binary_sensor", "button", "camera", "climate", "cover", "date", "datetime",
  "device_tracker", "event", "fan", "humidifier", "image", "infrared", "light", "lawn_mower", "lock", "notify",
  "number", "scene", "select", "sensor", "siren", "switch", "text", "time", "update", "vacuum", "valve", "water_heater",
]);

// -------------------------------------------------------------------------------------------------
// Device-level payload (mqtt/schemas.py DEVICE_DISCOVERY_SCHEMA, newest)

/** mqtt/schemas.py _MQTT_AVAILABILITY_SCHEMA (single topic form + list form). */
export const AVAILABILITY_KEYS = ["availability_topic", "availability_template", "payload_available", "payload_not_available", "availability_mode", "availability"] as const;

/** mqtt/const.py AVAILABILITY_MODES. */
export const AVAILABILITY_MODES: ReadonlySet<string> = new Set(["all", "any", "latest"]);

/** mqtt/schemas.py _MQTT_AVAILABILITY_LIST_SCHEMA: the keys of one `availability` item (`topic` required). */
export const AVAILABILITY_ITEM_KEYS: ReadonlySet<string> = new Set(["topic", "payload_available", "payload_not_available", "value_template"]);

/**
 * mqtt/schemas.py DEVICE_DISCOVERY_SCHEMA: availability keys, required device / components / origin,
 * optional state_topic, command_topic, message_expiry_interval, qos, encoding. No `extra=`: anything
 * else rejects the payload. (`~`, the topic base, is popped by discovery.py before validation.)
 */
export const DEVICE_DISCOVERY_KEYS: ReadonlySet<string> = new Set([
  ...AVAILABILITY_KEYS, "device", "components", "origin", "state_topic", "command_topic", "message_expiry_interval", "qos", "encoding", "~",
]);
export const DEVICE_DISCOVERY_REQUIRED = ["device", "components", "origin"] as const;

/**
 * mqtt/discovery.py `_merge_common_device_options` with schemas.py SHARED_OPTIONS: the device-level
 * options a component inherits when it does not set them itself.
 */
export const SHARED_OPTIONS: ReadonlySet<string> = new Set([
  "availability", "availability_mode", "availability_template", "availability_topic", "command_topic", "encoding",
  "message_expiry_interval", "payload_available", "payload_not_available", "state_topic", "qos",
]);

/** mqtt/schemas.py MQTT_ENTITY_DEVICE_INFO_SCHEMA (plain vol.Schema: no extra keys) + validate_device_has_at_least_one_identifier. */
export const DEVICE_INFO_KEYS: ReadonlySet<string> = new Set([
  "identifiers", "connections", "manufacturer", "model", "model_id", "name", "hw_version", "serial_number",
  "sw_version", "via_device", "suggested_area", "configuration_url",
]);

/** mqtt/schemas.py MQTT_ORIGIN_INFO_SCHEMA: `name` required, `sw_version` and `support_url` optional. */
export const ORIGIN_KEYS: ReadonlySet<string> = new Set(["name", "sw_version", "support_url"]);

/** mqtt/util.py valid_qos_schema. */
export const QOS_VALUES: ReadonlySet<unknown> = new Set([0, 1, 2]);

/**
 * mqtt/discovery.py TOPIC_MATCHER: `<component>/[<node_id>/]<object_id>/config` after the prefix,
 * ids in [a-zA-Z0-9_-]. Device discovery subscribes `<prefix>/device/+/config`.
 */
export const DISCOVERY_TOPIC_MATCHER = /^(?<component>\w+)\/(?:(?<node_id>[a-zA-Z0-9_-]+)\/)?(?<object_id>[a-zA-Z0-9_-]+)\/config$/;

/**
 * Keys of `components`: discovery.py uses each as the component's object_id and joins it with the
 * node id by a space (`f"{node_id} {component_id}"`), splitting on spaces for removal; keep them to
 * TOPIC_MATCHER's id alphabet.
 */
export const COMPONENT_ID = /^[a-zA-Z0-9_-]+$/;

// -------------------------------------------------------------------------------------------------
// Component keys

/** mqtt/config.py SCHEMA_BASE (newest): every platform. */
const BASE = ["qos", "encoding", "group"];
/** mqtt/config.py MQTT_RO_SCHEMA: state_topic required. */
const RO = [...BASE, "state_topic", "value_template"];
/** mqtt/config.py MQTT_RW_SCHEMA: command_topic required. */
const RW = [...BASE, "command_topic", "optimistic", "retain", "state_topic"];

/**
 * mqtt/schemas.py MQTT_ENTITY_COMMON_SCHEMA (newest) + the availability keys, plus `platform`, which
 * discovery.py pops from each component (`component = config.pop(CONF_PLATFORM)`).
 * `object_id` is deliberately absent: deprecated in 2025.10 for `default_entity_id`
 * ("This will stop working in Home Assistant Core 2026.4", mqtt/entity.py) and gone from the
 * newest schema, so it must not be published.
 */
export const COMMON_ENTITY_KEYS: readonly string[] = [
  ...AVAILABILITY_KEYS, "platform", "device", "entity_picture", "origin", "enabled_by_default", "entity_category", "icon",
  "json_attributes_topic", "json_attributes_template", "default_entity_id", "message_expiry_interval", "unique_id",
  "visible_by_default", "name",
];

/** Keys Home Assistant removed: publishing them is a defect even where an old version still read them. */
export const REMOVED_KEYS: ReadonlySet<string> = new Set(["object_id"]);

interface PlatformSchema {
  /** Source of the schema. */
  file: string;
  required: readonly string[];
  keys: readonly string[];
}

const CLIMATE_KEYS = [
  "current_humidity_template", "current_humidity_topic", "current_temperature_template", "current_temperature_topic",
  "fan_mode_command_template", "fan_mode_command_topic", "fan_modes", "fan_mode_state_template", "fan_mode_state_topic",
  "target_humidity_command_template", "target_humidity_command_topic", "min_humidity", "max_humidity",
  "target_humidity_state_template", "target_humidity_state_topic", "mode_command_template", "mode_command_topic", "modes",
  "mode_state_template", "mode_state_topic", "optimistic", "payload_on", "payload_off", "power_command_topic",
  "power_command_template", "precision", "retain", "action_template", "action_topic", "preset_mode_command_topic",
  "preset_modes", "preset_mode_command_template", "preset_mode_state_topic", "preset_mode_value_template",
  "swing_horizontal_mode_command_template", "swing_horizontal_mode_command_topic", "swing_horizontal_modes",
  "swing_horizontal_mode_state_template", "swing_horizontal_mode_state_topic", "swing_mode_command_template",
  "swing_mode_command_topic", "swing_modes", "swing_mode_state_template", "swing_mode_state_topic", "initial", "min_temp",
  "max_temp", "temp_step", "temperature_command_template", "temperature_command_topic", "temperature_high_command_template",
  "temperature_high_command_topic", "temperature_high_state_topic", "temperature_high_state_template",
  "temperature_low_command_template", "temperature_low_command_topic", "temperature_low_state_template",
  "temperature_low_state_topic", "temperature_state_template", "temperature_state_topic", "temperature_unit", "value_template",
];

const LIGHT_BASIC_KEYS = [
  "brightness_command_template", "brightness_command_topic", "brightness_scale", "brightness_state_topic",
  "brightness_value_template", "color_mode_state_topic", "color_mode_value_template", "color_temp_command_template",
  "color_temp_command_topic", "color_temp_state_topic", "color_temp_value_template", "color_temp_kelvin",
  "effect_command_template", "effect_command_topic", "effect_list", "effect_state_topic", "effect_value_template",
  "hs_command_template", "hs_command_topic", "hs_state_topic", "hs_value_template", "max_mireds", "min_mireds", "max_kelvin",
  "min_kelvin", "on_command_type", "payload_off", "payload_on", "rgb_command_template", "rgb_command_topic",
  "rgb_state_topic", "rgb_value_template", "rgbw_command_template", "rgbw_command_topic", "rgbw_state_topic",
  "rgbw_value_template", "rgbww_command_template", "rgbww_command_topic", "rgbww_state_topic", "rgbww_value_template",
  "state_value_template", "white_command_topic", "white_scale", "xy_command_template", "xy_command_topic", "xy_state_topic",
  "xy_value_template", "schema",
];

/** The platforms our bridges produce, each with its DISCOVERY_SCHEMA keys. */
export const PLATFORM_SCHEMAS: Readonly<Record<string, PlatformSchema>> = {
  sensor: {
    file: "mqtt/sensor.py _PLATFORM_SCHEMA_BASE (MQTT_RO_SCHEMA)",
    required: ["state_topic"],
    keys: [...RO, "device_class", "expire_after", "force_update", "last_reset_value_template", "options", "suggested_display_precision", "state_class", "unit_of_measurement"],
  },
  binary_sensor: {
    file: "mqtt/binary_sensor.py PLATFORM_SCHEMA_MODERN (MQTT_RO_SCHEMA)",
    required: ["state_topic"],
    keys: [...RO, "device_class", "expire_after", "force_update", "off_delay", "payload_off", "payload_on"],
  },
  switch: {
    file: "mqtt/switch.py PLATFORM_SCHEMA_MODERN (MQTT_RW_SCHEMA)",
    required: ["command_topic"],
    keys: [...RW, "command_template", "payload_off", "payload_on", "state_off", "state_on", "value_template", "device_class"],
  },
  light: {
    file: "mqtt/light/schema_basic.py PLATFORM_SCHEMA_MODERN_BASIC (MQTT_RW_SCHEMA) + light/schema.py `schema`",
    required: ["command_topic"],
    keys: [...RW, ...LIGHT_BASIC_KEYS],
  },
  cover: {
    file: "mqtt/cover.py _PLATFORM_SCHEMA_BASE (MQTT_BASE_SCHEMA: no required topic)",
    required: [],
    keys: [
      ...BASE, "command_topic", "device_class", "position_topic", "optimistic", "payload_close", "payload_open", "payload_stop",
      "payload_stop_tilt", "position_closed", "position_open", "retain", "set_position_template", "set_position_topic",
      "state_closed", "state_closing", "state_open", "state_opening", "state_stopped", "state_topic", "tilt_closed_value",
      "tilt_command_topic", "tilt_max", "tilt_min", "tilt_opened_value", "tilt_optimistic", "tilt_status_topic",
      "tilt_status_template", "value_template", "position_template", "tilt_command_template",
    ],
  },
  lock: {
    file: "mqtt/lock.py PLATFORM_SCHEMA_MODERN (MQTT_RW_SCHEMA)",
    required: ["command_topic"],
    keys: [
      ...RW, "code_format", "command_template", "payload_lock", "payload_unlock", "payload_open", "payload_reset", "state_jammed",
      "state_locked", "state_locking", "state_open", "state_opening", "state_unlocked", "state_unlocking", "value_template",
    ],
  },
  number: {
    file: "mqtt/number.py _PLATFORM_SCHEMA_BASE (MQTT_RW_SCHEMA)",
    required: ["command_topic"],
    keys: [...RW, "command_template", "device_class", "max", "min", "mode", "payload_reset", "step", "unit_of_measurement", "value_template"],
  },
  select: {
    file: "mqtt/select.py PLATFORM_SCHEMA_MODERN (MQTT_RW_SCHEMA)",
    required: ["command_topic", "options"],
    keys: [...RW, "command_template", "options", "value_template"],
  },
  scene: {
    file: "mqtt/scene.py PLATFORM_SCHEMA_MODERN (MQTT_BASE_SCHEMA)",
    required: ["command_topic"],
    keys: [...BASE, "command_topic", "payload_on", "retain"],
  },
  climate: {
    file: "mqtt/climate.py _PLATFORM_SCHEMA_BASE (MQTT_BASE_SCHEMA)",
    required: [],
    keys: [...BASE, ...CLIMATE_KEYS],
  },
};

// -------------------------------------------------------------------------------------------------
// Device classes

/** sensor/const.py SensorDeviceClass. */
export const SENSOR_DEVICE_CLASSES: ReadonlySet<string> = new Set([
  "date", "enum", "timestamp", "apparent_power", "aqi", "area", "atmospheric_pressure", "battery", "blood_glucose_concentration",
  "carbon_monoxide", "carbon_dioxide", "conductivity", "current", "data_rate", "data_size", "distance", "duration", "energy",
  "energy_distance", "energy_storage", "frequency", "gas", "humidity", "illuminance", "irradiance", "moisture", "monetary",
  "nitrogen_dioxide", "nitrogen_monoxide", "nitrous_oxide", "ozone", "ph", "pm1", "pm10", "pm25", "power_factor", "power",
  "precipitation", "precipitation_intensity", "pressure", "reactive_power", "signal_strength", "sound_pressure", "speed",
  "sulphur_dioxide", "temperature", "volatile_organic_compounds", "volatile_organic_compounds_parts", "voltage", "volume",
  "volume_storage", "volume_flow_rate", "water", "weight", "wind_direction", "wind_speed",
]);

/** sensor/const.py NON_NUMERIC_DEVICE_CLASSES. */
export const NON_NUMERIC_DEVICE_CLASSES: ReadonlySet<string> = new Set(["date", "enum", "timestamp"]);

/** number/const.py NumberDeviceClass ("aligned with SensorDeviceClass", without the non-numeric ones). */
export const NUMBER_DEVICE_CLASSES: ReadonlySet<string> = new Set([...SENSOR_DEVICE_CLASSES].filter((c) => !NON_NUMERIC_DEVICE_CLASSES.has(c)));

/** binary_sensor/__init__.py BinarySensorDeviceClass. */
export const BINARY_SENSOR_DEVICE_CLASSES: ReadonlySet<string> = new Set([
  "battery", "battery_charging", "carbon_monoxide", "cold", "connectivity", "door", "garage_door", "gas", "heat", "light", "lock",
  "moisture", "motion", "moving", "occupancy", "opening", "plug", "power", "presence", "problem", "running", "safety", "smoke",
  "sound", "tamper", "update", "vibration", "window",
]);

/** cover/__init__.py (cover/const.py in newer versions) CoverDeviceClass. */
export const COVER_DEVICE_CLASSES: ReadonlySet<string> = new Set(["awning", "blind", "curtain", "damper", "door", "garage", "gate", "shade", "shutter", "window"]);

/** switch/__init__.py SwitchDeviceClass. */
export const SWITCH_DEVICE_CLASSES: ReadonlySet<string> = new Set(["outlet", "switch"]);

/** Each platform's DEVICE_CLASSES_SCHEMA (`vol.Coerce(<Platform>DeviceClass)`); platforms without one take no device_class. */
export const DEVICE_CLASSES: Readonly<Record<string, ReadonlySet<string>>> = {
  sensor: SENSOR_DEVICE_CLASSES,
  binary_sensor: BINARY_SENSOR_DEVICE_CLASSES,
  cover: COVER_DEVICE_CLASSES,
  switch: SWITCH_DEVICE_CLASSES,
  number: NUMBER_DEVICE_CLASSES,
};

/** helpers/entity.py ENTITY_CATEGORIES_SCHEMA (EntityCategory). */
export const ENTITY_CATEGORIES: ReadonlySet<string> = new Set(["config", "diagnostic"]);

/**
 * binary_sensor/__init__.py async_internal_added_to_hass raises "cannot be added as the entity
 * category is set to config"; sensor/__init__.py does the same (well-known).
 */
export const NO_CONFIG_CATEGORY: ReadonlySet<string> = new Set(["sensor", "binary_sensor"]);

// -------------------------------------------------------------------------------------------------
// Units (homeassistant/const.py UnitOf* enums, newest values found)

/**
 * Home Assistant has used both MICRO SIGN (U+00B5) and GREEK SMALL LETTER MU (U+03BC) in its unit
 * constants; the newest mqtt/sensor.py maps the ambiguous spelling to the canonical one
 * (AMBIGUOUS_UNITS) before checking. Compare units with both folded to one.
 */
export function normalizeUnit(unit: string | null | undefined): string | null {
  return unit === undefined || unit === null ? null : unit.replace(/\u00b5/g, "\u03bc");
}

const U = {
  apparentPower: ["mVA", "VA", "kVA"],
  area: ["m²", "cm²", "km²", "mm²", "in²", "ft²", "yd²", "mi²", "ac", "ha"],
  bloodGlucose: ["mg/dL", "mmol/L"],
  conductivity: ["S/cm", "μS/cm", "mS/cm"],
  current: ["mA", "A"],
  dataRate: ["bit/s", "kbit/s", "Mbit/s", "Gbit/s", "B/s", "kB/s", "MB/s", "GB/s", "KiB/s", "MiB/s", "GiB/s"],
  information: ["bit", "kbit", "Mbit", "Gbit", "B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"],
  length: ["mm", "cm", "m", "km", "in", "ft", "yd", "mi", "nmi"],
  energy: ["J", "kJ", "MJ", "GJ", "mWh", "Wh", "kWh", "MWh", "GWh", "TWh", "cal", "kcal", "Mcal", "Gcal"],
  energyDistance: ["kWh/100km", "Wh/km", "mi/kWh", "km/kWh"],
  frequency: ["Hz", "kHz", "MHz", "GHz"],
  irradiance: ["W/m²", "BTU/(h⋅ft²)"],
  mass: ["g", "kg", "mg", "μg", "oz", "lb", "st"],
  precipitationDepth: ["in", "mm", "cm"],
  /** UnitOfPressure, newest: mPa … psi. There is no `mmH₂O`. */
  pressure: ["mPa", "Pa", "hPa", "kPa", "bar", "cbar", "mbar", "mmHg", "inHg", "inH₂O", "psi"],
  reactivePower: ["mvar", "var", "kvar"],
  soundPressure: ["dB", "dBA"],
  speed: ["Beaufort", "ft/s", "in/s", "m/min", "m/s", "km/h", "kn", "mph", "mm/s"],
  temperature: ["°C", "°F", "K"],
  voltage: ["μV", "mV", "V", "kV", "MV"],
  volume: ["ft³", "CCF", "MCF", "m³", "L", "mL", "gal", "fl. oz."],
  volumeFlowRate: ["m³/h", "m³/min", "m³/s", "ft³/min", "L/h", "L/min", "L/s", "gal/h", "gal/min", "gal/d", "mL/s"],
  volumetricFlux: ["in/d", "in/h", "mm/d", "mm/h"],
};

const set = (...units: (string | null)[]): ReadonlySet<string | null> => new Set(units.map(normalizeUnit));

/**
 * sensor/const.py DEVICE_CLASS_UNITS (number/const.py DEVICE_CLASS_UNITS is the same table).
 * `null` stands for "no unit". Classes not listed accept any unit. carbon_monoxide follows the newest
 * util/unit_conversion.py CarbonMonoxideConcentrationConverter.VALID_UNITS (older const.py: ppm only).
 */
export const DEVICE_CLASS_UNITS: Readonly<Record<string, ReadonlySet<string | null>>> = {
  apparent_power: set(...U.apparentPower),
  aqi: set(null),
  area: set(...U.area),
  atmospheric_pressure: set(...U.pressure),
  battery: set("%"),
  blood_glucose_concentration: set(...U.bloodGlucose),
  carbon_monoxide: set("ppb", "ppm", "mg/m³", "μg/m³"),
  carbon_dioxide: set("ppm"),
  conductivity: set(...U.conductivity),
  current: set(...U.current),
  data_rate: set(...U.dataRate),
  data_size: set(...U.information),
  distance: set(...U.length),
  duration: set("d", "h", "min", "s", "ms", "μs"),
  energy: set(...U.energy),
  energy_distance: set(...U.energyDistance),
  energy_storage: set(...U.energy),
  frequency: set(...U.frequency),
  gas: set("CCF", "ft³", "m³", "L"),
  humidity: set("%"),
  illuminance: set("lx"),
  irradiance: set(...U.irradiance),
  moisture: set("%"),
  nitrogen_dioxide: set("μg/m³"),
  nitrogen_monoxide: set("μg/m³"),
  nitrous_oxide: set("μg/m³"),
  ozone: set("μg/m³"),
  ph: set(null),
  pm1: set("μg/m³"),
  pm10: set("μg/m³"),
  pm25: set("μg/m³"),
  power_factor: set("%", null),
  power: set("mW", "W", "kW", "MW", "GW", "TW"),
  precipitation: set(...U.precipitationDepth),
  precipitation_intensity: set(...U.volumetricFlux),
  pressure: set(...U.pressure),
  reactive_power: set(...U.reactivePower),
  signal_strength: set("dB", "dBm"),
  sound_pressure: set(...U.soundPressure),
  speed: set(...U.speed, ...U.volumetricFlux),
  sulphur_dioxide: set("μg/m³"),
  temperature: set(...U.temperature),
  volatile_organic_compounds: set("μg/m³"),
  volatile_organic_compounds_parts: set("ppb", "ppm"),
  voltage: set(...U.voltage),
  volume: set(...U.volume),
  volume_flow_rate: set(...U.volumeFlowRate),
  volume_storage: set(...U.volume),
  water: set("CCF", "ft³", "m³", "gal", "L"),
  weight: set(...U.mass),
  wind_direction: set("°"),
  wind_speed: set(...U.speed),
};

// -------------------------------------------------------------------------------------------------
// State classes

/** sensor/const.py SensorStateClass. */
export const STATE_CLASSES: ReadonlySet<string> = new Set(["measurement", "measurement_angle", "total", "total_increasing"]);

const ALL = ["measurement", "measurement_angle", "total", "total_increasing"];
const M = ["measurement"];
const TOTALS = ["total", "total_increasing"];

/**
 * sensor/const.py DEVICE_CLASS_STATE_CLASSES: the state classes each device class allows. Note
 * energy, gas, volume and water are totals only, while energy_storage and volume_storage (stored
 * amounts, which go up and down) are `measurement` only.
 */
export const DEVICE_CLASS_STATE_CLASSES: Readonly<Record<string, ReadonlySet<string>>> = Object.fromEntries(
  Object.entries({
    apparent_power: M, aqi: M, area: ALL, atmospheric_pressure: M, battery: M, blood_glucose_concentration: M,
    carbon_monoxide: M, carbon_dioxide: M, conductivity: M, current: M, data_rate: M, data_size: ALL, date: [],
    distance: ALL, duration: ALL, energy: TOTALS, energy_distance: M, energy_storage: M, enum: [], frequency: M,
    gas: TOTALS, humidity: M, illuminance: M, irradiance: M, moisture: M, monetary: ["total"], nitrogen_dioxide: M,
    nitrogen_monoxide: M, nitrous_oxide: M, ozone: M, ph: M, pm1: M, pm10: M, pm25: M, power_factor: M, power: M,
    precipitation: ALL, precipitation_intensity: M, pressure: M, reactive_power: M, signal_strength: M, sound_pressure: M,
    speed: M, sulphur_dioxide: M, temperature: M, timestamp: [], volatile_organic_compounds: M,
    volatile_organic_compounds_parts: M, voltage: M, volume: TOTALS, volume_storage: M, volume_flow_rate: M, water: TOTALS,
    weight: ["measurement", "total", "total_increasing"], wind_direction: ["measurement_angle"], wind_speed: M,
  }).map(([k, v]) => [k, new Set(v)]),
);

/** sensor/const.py STATE_CLASS_UNITS. */
export const STATE_CLASS_UNITS: Readonly<Record<string, ReadonlySet<string | null>>> = { measurement_angle: set("°") };

// -------------------------------------------------------------------------------------------------
// Platform value rules

/** light/schema_basic.py VALUES_ON_COMMAND_TYPE (also mqtt/const.py). */
export const ON_COMMAND_TYPES: ReadonlySet<string> = new Set(["first", "last", "brightness"]);

/** light/schema.py MQTT_LIGHT_SCHEMA_SCHEMA: schema_basic.py only applies to `schema: basic` (the default). */
export const LIGHT_SCHEMAS: ReadonlySet<string> = new Set(["basic", "json", "template"]);

/** number/const.py NumberMode. */
export const NUMBER_MODES: ReadonlySet<string> = new Set(["auto", "box", "slider"]);

/** mqtt/number.py: step `vol.Range(min=1e-3)`; validate_config: min < max. */
export const NUMBER_MIN_STEP = 1e-3;

/** mqtt/climate.py CONF_PRECISION: `vol.In([PRECISION_TENTHS, PRECISION_HALVES, PRECISION_WHOLE])`. */
export const CLIMATE_PRECISIONS: readonly number[] = [0.1, 0.5, 1.0];

/** helpers/config_validation.py temperature_unit (well-known): "C" or "F". */
export const CLIMATE_TEMPERATURE_UNITS: ReadonlySet<string> = new Set(["C", "F"]);

/** climate/const.py HVACMode (well-known). */
export const HVAC_MODES: ReadonlySet<string> = new Set(["off", "heat", "cool", "heat_cool", "auto", "dry", "fan_only"]);

// -------------------------------------------------------------------------------------------------
// Identifiers and topics

/**
 * core.py VALID_ENTITY_ID: `<domain>.<object_id>`, both slugs of [0-9a-z_], no leading or trailing
 * `_`, and no `__` anywhere.
 */
export const VALID_ENTITY_ID = /^(?!.+__)(?!_)[\da-z_]+(?<!_)\.(?!_)[\da-z_]+(?<!_)$/;

/**
 * mqtt/util.py valid_topic: a non-empty UTF-8 string of at most 65535 bytes without NUL or control
 * characters. valid_subscribe_topic additionally allows `+` as a whole level and `#` as the whole
 * last level; valid_publish_topic allows no wildcard at all.
 */
export function topicProblem(topic: unknown, kind: "subscribe" | "publish"): string | undefined {
  if (typeof topic !== "string") return "is not a string";
  if (topic.length === 0) return "is empty";
  if (Buffer.byteLength(topic, "utf8") > 65535) return "is longer than 65535 bytes";
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]/.test(topic)) return "contains a control character";
  if (kind === "publish") return /[+#]/.test(topic) ? "contains a wildcard" : undefined;
  const levels = topic.split("/");
  for (const [i, level] of levels.entries()) {
    if (level.includes("+") && level !== "+") return "uses + inside a level";
    if (level.includes("#") && (level !== "#" || i !== levels.length - 1)) return "uses # other than as the last level";
  }
  return undefined;
}

/** Components' topics that Home Assistant publishes to (valid_publish_topic); every other *_topic is subscribed. */
export function isPublishTopicKey(key: string): boolean {
  return key.endsWith("command_topic") || key === "set_position_topic";
}

/** helpers/config_validation.py icon (well-known): `prefix:name`. */
export const ICON = /^[^:\s]+:[^:\s]+$/;

/** helpers/config_validation.py configuration_url (used for origin support_url): http(s) URL or homeassistant://. */
export function validConfigurationUrl(value: unknown): boolean {
  if (typeof value !== "string") return false;
  if (value.startsWith("homeassistant://")) return true;
  try {
    const url = new URL(value);
    return (url.protocol === "http:" || url.protocol === "https:") && url.hostname.length > 0;
  } catch {
    return false;
  }
}

// -------------------------------------------------------------------------------------------------
// Checker

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const isStringList = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === "string");
const isInt = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v);

/** Every rule a device-based discovery payload breaks, as readable strings; empty when valid. */
export function checkDevicePayload(payload: unknown, discoveryTopic?: string, prefix = "homeassistant"): string[] {
  const out: string[] = [];
  if (discoveryTopic !== undefined) {
    const rest = discoveryTopic.startsWith(`${prefix}/`) ? discoveryTopic.slice(prefix.length + 1) : undefined;
    const m = rest === undefined ? null : DISCOVERY_TOPIC_MATCHER.exec(rest);
    if (!m || m.groups?.component !== "device") out.push(`discovery topic ${discoveryTopic} does not match <prefix>/device/[<node_id>/]<object_id>/config`);
  }
  if (!isObject(payload)) return [...out, "payload is not a JSON object"];

  for (const key of Object.keys(payload)) if (!DEVICE_DISCOVERY_KEYS.has(key)) out.push(`device payload: key ${key} is not allowed (DEVICE_DISCOVERY_SCHEMA rejects the payload)`);
  for (const key of DEVICE_DISCOVERY_REQUIRED) if (!(key in payload)) out.push(`device payload: ${key} is required`);
  out.push(...checkAvailability("device payload", payload));
  if ("qos" in payload && !QOS_VALUES.has(payload.qos)) out.push(`device payload: qos ${String(payload.qos)} is not 0, 1 or 2`);
  for (const key of ["state_topic"] as const) if (key in payload) pushTopic(out, "device payload", key, payload[key], "subscribe");
  if ("command_topic" in payload) pushTopic(out, "device payload", "command_topic", payload.command_topic, "publish");

  const device = payload.device;
  if (!isObject(device)) out.push("device: is not an object");
  else {
    for (const key of Object.keys(device)) if (!DEVICE_INFO_KEYS.has(key)) out.push(`device: key ${key} is not allowed`);
    const ids = device.identifiers;
    if (ids !== undefined && !(typeof ids === "string" || isStringList(ids))) out.push("device: identifiers must be a string or a list of strings");
    const hasIds = typeof ids === "string" ? ids.length > 0 : Array.isArray(ids) && ids.length > 0;
    const hasConns = Array.isArray(device.connections) && device.connections.length > 0;
    if (!hasIds && !hasConns) out.push("device: needs at least one identifier or connection");
    for (const key of ["manufacturer", "model", "model_id", "name", "hw_version", "serial_number", "sw_version", "via_device", "suggested_area"]) {
      if (key in device && typeof device[key] !== "string") out.push(`device: ${key} must be a string`);
    }
    if ("configuration_url" in device && !validConfigurationUrl(device.configuration_url)) out.push("device: configuration_url is not a valid URL");
  }

  const origin = payload.origin;
  if (!isObject(origin)) out.push("origin: is required and must be an object");
  else {
    for (const key of Object.keys(origin)) if (!ORIGIN_KEYS.has(key)) out.push(`origin: key ${key} is not allowed`);
    if (typeof origin.name !== "string" || origin.name.length === 0) out.push("origin: name is required");
    if ("sw_version" in origin && typeof origin.sw_version !== "string") out.push("origin: sw_version must be a string");
    if ("support_url" in origin && !validConfigurationUrl(origin.support_url)) out.push("origin: support_url is not a valid URL");
  }

  const components = payload.components;
  if (!isObject(components)) out.push("components: is required and must be an object");
  else {
    const deviceName = isObject(device) && typeof device.name === "string" ? device.name : undefined;
    for (const [id, component] of Object.entries(components)) out.push(...checkComponent(id, component, deviceName));
  }
  return out;
}

function checkAvailability(where: string, c: Json): string[] {
  const out: string[] = [];
  if ("availability_mode" in c && !AVAILABILITY_MODES.has(c.availability_mode as string)) out.push(`${where}: availability_mode ${String(c.availability_mode)} is not all, any or latest`);
  if ("availability" in c && "availability_topic" in c) out.push(`${where}: availability and availability_topic are exclusive`);
  if ("availability_topic" in c) pushTopic(out, where, "availability_topic", c.availability_topic, "subscribe");
  if ("availability" in c) {
    const list = Array.isArray(c.availability) ? c.availability : [c.availability];
    for (const [i, item] of list.entries()) {
      if (!isObject(item)) {
        out.push(`${where}: availability[${i}] is not an object`);
        continue;
      }
      for (const key of Object.keys(item)) if (!AVAILABILITY_ITEM_KEYS.has(key)) out.push(`${where}: availability[${i}] key ${key} is not allowed`);
      if (!("topic" in item)) out.push(`${where}: availability[${i}] needs a topic`);
      else pushTopic(out, where, `availability[${i}].topic`, item.topic, "subscribe");
    }
  }
  return out;
}

function pushTopic(out: string[], where: string, key: string, topic: unknown, kind: "subscribe" | "publish"): void {
  const problem = topicProblem(topic, kind);
  if (problem) out.push(`${where}: ${key} ${JSON.stringify(topic)} ${problem}`);
}

/** Every rule one component of a device payload breaks. */
export function checkComponent(id: string, component: unknown, deviceName?: string): string[] {
  const where = `component ${id}`;
  const out: string[] = [];
  if (!COMPONENT_ID.test(id)) out.push(`${where}: id is not in [a-zA-Z0-9_-]`);
  if (!isObject(component)) return [...out, `${where}: is not an object`];
  const platform = component.platform;
  if (typeof platform !== "string" || !SUPPORTED_COMPONENTS.has(platform)) return [...out, `${where}: platform ${String(platform)} is not a supported component`];
  // discovery.py: a component with its platform only removes a component announced before.
  if (Object.keys(component).length === 1) return out;

  // schemas.py check_unique_id
  if (ENTITY_PLATFORMS.has(platform) && typeof component.unique_id !== "string") out.push(`${where}: unique_id is required for ${platform}`);

  const schema = PLATFORM_SCHEMAS[platform];
  if (!schema) return [...out, `${where}: no rules encoded for platform ${platform}`];
  const allowed = new Set([...COMMON_ENTITY_KEYS, ...schema.keys]);
  for (const key of Object.keys(component)) {
    if (REMOVED_KEYS.has(key)) out.push(`${where}: ${key} is deprecated/removed (use default_entity_id)`);
    else if (!allowed.has(key)) out.push(`${where}: key ${key} is not an option of ${platform} (${schema.file})`);
  }
  for (const key of schema.required) if (!(key in component)) out.push(`${where}: ${key} is required for ${platform}`);

  // Topics
  for (const [key, value] of Object.entries(component)) {
    if (key.endsWith("topic")) pushTopic(out, where, key, value, isPublishTopicKey(key) ? "publish" : "subscribe");
  }
  out.push(...checkAvailability(where, component));

  // Common entity options (schemas.py MQTT_ENTITY_COMMON_SCHEMA)
  if ("name" in component && component.name !== null && typeof component.name !== "string") out.push(`${where}: name must be a string or null`);
  if (deviceName !== undefined && component.name === deviceName) out.push(`${where}: name equals the device name (Home Assistant warns, entity_name_is_device_name)`);
  if ("default_entity_id" in component) {
    const def = component.default_entity_id;
    if (typeof def !== "string" || !VALID_ENTITY_ID.test(def)) out.push(`${where}: default_entity_id ${String(def)} is not a valid entity id`);
    else if (def.split(".")[0] !== platform) out.push(`${where}: default_entity_id ${def} is not in the ${platform} domain`);
  }
  if ("entity_category" in component) {
    if (!ENTITY_CATEGORIES.has(component.entity_category as string)) out.push(`${where}: entity_category ${String(component.entity_category)} is not config or diagnostic`);
    else if (component.entity_category === "config" && NO_CONFIG_CATEGORY.has(platform)) out.push(`${where}: a ${platform} cannot have entity_category config`);
  }
  if ("enabled_by_default" in component && typeof component.enabled_by_default !== "boolean") out.push(`${where}: enabled_by_default must be a boolean`);
  if ("icon" in component && (typeof component.icon !== "string" || !ICON.test(component.icon))) out.push(`${where}: icon must be prefix:name`);
  if ("qos" in component && !QOS_VALUES.has(component.qos)) out.push(`${where}: qos is not 0, 1 or 2`);

  // Device class of the platform
  if ("device_class" in component && component.device_class !== null) {
    const classes = DEVICE_CLASSES[platform];
    if (!classes) out.push(`${where}: ${platform} takes no device_class`);
    else if (!classes.has(component.device_class as string)) out.push(`${where}: device_class ${String(component.device_class)} is not a ${platform} device class`);
  }

  switch (platform) {
    case "sensor":
      out.push(...checkSensor(where, component));
      break;
    case "binary_sensor":
    case "switch":
      if ("payload_on" in component && component.payload_on === component.payload_off) out.push(`${where}: payload_on equals payload_off`);
      break;
    case "light":
      out.push(...checkLight(where, component));
      break;
    case "cover":
      out.push(...checkCover(where, component));
      break;
    case "number":
      out.push(...checkNumber(where, component));
      break;
    case "select":
      // mqtt/select.py: `vol.Required(CONF_OPTIONS): cv.ensure_list` (older versions also required
      // at least 2 options; the newest accepts any list). SelectEntity options are strings.
      if (!isStringList(component.options)) out.push(`${where}: options must be a list of strings`);
      else if (new Set(component.options).size !== component.options.length) out.push(`${where}: options has duplicates`);
      break;
    case "climate":
      out.push(...checkClimate(where, component));
      break;
  }
  return out;
}

/** mqtt/sensor.py validate_sensor_state_and_device_class_config + sensor/const.py tables. */
function checkSensor(where: string, c: Json): string[] {
  const out: string[] = [];
  const deviceClass = c.device_class as string | null | undefined;
  const stateClass = c.state_class as string | null | undefined;
  const unit = c.unit_of_measurement as string | null | undefined;
  if (stateClass != null && !STATE_CLASSES.has(stateClass)) out.push(`${where}: state_class ${stateClass} is not a SensorStateClass`);
  if ("last_reset_value_template" in c && stateClass !== "total") out.push(`${where}: last_reset_value_template needs state_class total`);
  if ("options" in c) {
    if (!isStringList(c.options) || c.options.length === 0) out.push(`${where}: options must be a non-empty list (an empty options list is not allowed)`);
    if (stateClass || unit) out.push(`${where}: options is not allowed together with state_class or unit_of_measurement`);
    if (deviceClass !== "enum") out.push(`${where}: options needs device_class enum, got ${String(deviceClass)}`);
  }
  if (deviceClass != null && DEVICE_CLASS_UNITS[deviceClass] && !DEVICE_CLASS_UNITS[deviceClass]!.has(normalizeUnit(unit))) {
    out.push(`${where}: unit ${String(unit ?? null)} is not valid for device class ${deviceClass}`);
  }
  if (deviceClass != null && NON_NUMERIC_DEVICE_CLASSES.has(deviceClass) && (unit || stateClass)) out.push(`${where}: a ${deviceClass} sensor takes no unit or state_class`);
  if (deviceClass != null && stateClass != null && DEVICE_CLASS_STATE_CLASSES[deviceClass] && !DEVICE_CLASS_STATE_CLASSES[deviceClass]!.has(stateClass)) {
    out.push(`${where}: state_class ${stateClass} is not allowed for device class ${deviceClass}`);
  }
  if (stateClass != null && STATE_CLASS_UNITS[stateClass] && !STATE_CLASS_UNITS[stateClass]!.has(normalizeUnit(unit))) out.push(`${where}: unit ${String(unit)} is not valid with state_class ${stateClass}`);
  if ("suggested_display_precision" in c && !(isInt(c.suggested_display_precision) && c.suggested_display_precision >= 0)) out.push(`${where}: suggested_display_precision must be a non-negative integer`);
  return out;
}

/** mqtt/light/schema_basic.py. */
function checkLight(where: string, c: Json): string[] {
  const out: string[] = [];
  if ("schema" in c && !LIGHT_SCHEMAS.has(c.schema as string)) out.push(`${where}: schema ${String(c.schema)} is not basic, json or template`);
  if ("schema" in c && c.schema !== "basic") out.push(`${where}: only the basic light schema is encoded`);
  for (const key of ["brightness_scale", "white_scale"]) if (key in c && !(isInt(c[key]) && (c[key] as number) >= 1)) out.push(`${where}: ${key} must be an integer >= 1`);
  if ("on_command_type" in c && !ON_COMMAND_TYPES.has(c.on_command_type as string)) out.push(`${where}: on_command_type ${String(c.on_command_type)} is not first, last or brightness`);
  return out;
}

/** mqtt/cover.py validate_options and _PLATFORM_SCHEMA_BASE value types. */
function checkCover(where: string, c: Json): string[] {
  const out: string[] = [];
  const pairs: [string, string][] = [
    ["set_position_topic", "position_topic"], ["value_template", "state_topic"], ["position_template", "position_topic"],
    ["set_position_template", "set_position_topic"], ["tilt_command_template", "tilt_command_topic"], ["tilt_status_template", "tilt_status_topic"],
  ];
  for (const [key, needs] of pairs) if (key in c && !(needs in c)) out.push(`${where}: ${key} must be set together with ${needs}`);
  for (const key of ["position_open", "position_closed", "tilt_min", "tilt_max", "tilt_opened_value", "tilt_closed_value"]) if (key in c && !isInt(c[key])) out.push(`${where}: ${key} must be an integer`);
  for (const key of ["payload_open", "payload_close", "payload_stop"]) if (key in c && c[key] !== null && typeof c[key] !== "string") out.push(`${where}: ${key} must be a string or null`);
  if (isInt(c.position_open) && isInt(c.position_closed) && c.position_open === c.position_closed) out.push(`${where}: position_open equals position_closed`);
  return out;
}

/** mqtt/number.py validate_config and _PLATFORM_SCHEMA_BASE; number/const.py DEVICE_CLASS_UNITS. */
function checkNumber(where: string, c: Json): string[] {
  const out: string[] = [];
  const min = "min" in c ? c.min : 0;
  const max = "max" in c ? c.max : 100;
  if (typeof min !== "number" || typeof max !== "number" || !(min < max)) out.push(`${where}: max must be > min`);
  if ("step" in c && !(typeof c.step === "number" && c.step >= NUMBER_MIN_STEP)) out.push(`${where}: step must be a number >= ${NUMBER_MIN_STEP}`);
  if ("mode" in c && !NUMBER_MODES.has(c.mode as string)) out.push(`${where}: mode ${String(c.mode)} is not auto, box or slider`);
  const deviceClass = c.device_class as string | null | undefined;
  if (deviceClass != null && DEVICE_CLASS_UNITS[deviceClass] && !DEVICE_CLASS_UNITS[deviceClass]!.has(normalizeUnit(c.unit_of_measurement as string | undefined))) {
    out.push(`${where}: unit ${String(c.unit_of_measurement ?? null)} is not valid for device class ${deviceClass}`);
  }
  return out;
}

/** mqtt/climate.py _PLATFORM_SCHEMA_BASE and its validators. */
function checkClimate(where: string, c: Json): string[] {
  const out: string[] = [];
  if ("precision" in c && !CLIMATE_PRECISIONS.includes(c.precision as number)) out.push(`${where}: precision ${String(c.precision)} is not 0.1, 0.5 or 1.0`);
  if ("temp_step" in c && !(typeof c.temp_step === "number" && c.temp_step > 0)) out.push(`${where}: temp_step must be a positive number`);
  if ("temperature_unit" in c && !CLIMATE_TEMPERATURE_UNITS.has(c.temperature_unit as string)) out.push(`${where}: temperature_unit ${String(c.temperature_unit)} is not C or F`);
  for (const key of ["min_temp", "max_temp", "initial"]) if (key in c && typeof c[key] !== "number") out.push(`${where}: ${key} must be a number`);
  if (typeof c.min_temp === "number" && typeof c.max_temp === "number" && !(c.min_temp < c.max_temp)) out.push(`${where}: min_temp must be < max_temp`);
  if ("modes" in c && !(isStringList(c.modes) && c.modes.every((m) => HVAC_MODES.has(m)))) out.push(`${where}: modes must be HVAC modes`);
  if (isStringList(c.preset_modes) && c.preset_modes.includes("none")) out.push(`${where}: preset_modes must not include none`);
  if (("preset_mode_command_topic" in c) !== ("preset_modes" in c)) out.push(`${where}: preset_mode_command_topic and preset_modes go together`);
  if ("target_humidity_state_topic" in c && !("target_humidity_command_topic" in c)) out.push(`${where}: target_humidity_state_topic needs target_humidity_command_topic`);
  return out;
}

