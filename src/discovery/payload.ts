import type { Device, Entity } from "../model/index.js";
import { CLIMATE_FIELDS } from "../model/index.js";
import type { Topics } from "../mqtt/topics.js";
import { VERSION } from "../version.js";
import { allowedStateClass, unitAccepted } from "../model/units.js";

export interface DiscoveryContext {
  prefix: string;
  topics: Topics;
}

type Json = Record<string, unknown>;

/** `<prefix>/device/<base>_<source>_<device>/config` */
export function discoveryTopic(ctx: DiscoveryContext, source: string, deviceKey: string): string {
  return `${ctx.prefix}/device/${deviceId(ctx, source, deviceKey)}/config`;
}

export function deviceId(ctx: DiscoveryContext, source: string, deviceKey: string): string {
  return `${ctx.topics.base}_${source}_${deviceKey}`.replace(/[^A-Za-z0-9_-]/g, "_");
}

/**
 * The device-based discovery payload of one device. `removed` lists components that left the
 * device: Home Assistant removes a component announced with its platform only.
 */
export function deviceConfig(ctx: DiscoveryContext, source: string, device: Device, removed: Record<string, string> = {}): Json {
  const components: Json = {};
  for (const entity of device.entities) components[entity.key] = componentConfig(ctx, source, device, entity);
  for (const [key, platform] of Object.entries(removed)) if (!(key in components)) components[key] = { platform };
  const dev: Json = {
    identifiers: [deviceId(ctx, source, device.key)],
    name: device.name,
  };
  if (device.manufacturer) dev.manufacturer = device.manufacturer;
  if (device.model) dev.model = device.model;
  if (device.serialNumber) dev.serial_number = device.serialNumber;
  if (device.swVersion) dev.sw_version = device.swVersion;
  if (device.hwVersion) dev.hw_version = device.hwVersion;
  if (device.viaDevice) dev.via_device = deviceId(ctx, source, device.viaDevice);
  return {
    device: dev,
    origin: { name: "cloud2mqtt", sw_version: VERSION, support_url: "https://github.com/cloud2mqtt/cloud2mqtt" },
    availability: [{ topic: ctx.topics.bridgeState }, { topic: ctx.topics.availability(source) }],
    availability_mode: "all",
    qos: 1,
    components,
  };
}

export function platformOf(entity: Entity): string {
  return entity.kind;
}

function componentConfig(ctx: DiscoveryContext, source: string, device: Device, entity: Entity): Json {
  const t = ctx.topics;
  const addr = { source, device: device.key, entity: entity.key };
  const uniqueId = `${t.base}_${source}_${device.key}_${entity.key}`;
  const c: Json = {
    platform: platformOf(entity),
    unique_id: uniqueId,
    default_entity_id: `${platformOf(entity)}.${slug(uniqueId)}`,
    name: entity.name === device.name ? null : entity.name,
  };
  if (entity.category) c.entity_category = entity.category;
  if (entity.icon) c.icon = entity.icon;
  if (entity.enabledByDefault === false) c.enabled_by_default = false;
  if (entity.hasAttributes) c.json_attributes_topic = t.state({ ...addr, field: "attributes" });
  const state = t.state(addr);
  const command = t.command(addr);

  switch (entity.kind) {
    case "sensor":
      Object.assign(c, { state_topic: state }, measurement(entity));
      if (entity.options?.length) Object.assign(c, { device_class: "enum", options: entity.options });
      if (entity.precision !== undefined) c.suggested_display_precision = entity.precision;
      break;
    case "binary_sensor":
      Object.assign(c, { state_topic: state, payload_on: "ON", payload_off: "OFF" });
      if (entity.deviceClass) c.device_class = entity.deviceClass;
      break;
    case "switch":
      Object.assign(c, { state_topic: state, command_topic: command, payload_on: "ON", payload_off: "OFF" });
      if (entity.deviceClass) c.device_class = entity.deviceClass;
      break;
    case "light": {
      const scale = entity.scale ?? 255;
      Object.assign(c, {
        state_topic: state,
        state_value_template: "{{ 'ON' if (value | int(0)) > 0 else 'OFF' }}",
        command_topic: command,
        brightness_state_topic: state,
        brightness_command_topic: command,
        brightness_scale: scale,
        on_command_type: "brightness",
        payload_on: "ON",
        payload_off: "OFF",
      });
      break;
    }
    case "cover":
      Object.assign(c, {
        position_topic: state,
        set_position_topic: command,
        command_topic: command,
        position_open: entity.scale ?? 100,
        position_closed: 0,
        payload_open: "OPEN",
        payload_close: "CLOSE",
        payload_stop: null,
      });
      if (entity.deviceClass) c.device_class = entity.deviceClass;
      break;
    case "lock":
      Object.assign(c, { state_topic: state, command_topic: command, payload_lock: "LOCK", payload_unlock: "UNLOCK", state_locked: "LOCKED", state_unlocked: "UNLOCKED" });
      break;
    case "number": {
      const spec = entity.command?.type === "number" ? entity.command : undefined;
      Object.assign(c, { state_topic: state, command_topic: command, mode: "box" });
      if (spec) Object.assign(c, { min: spec.min, max: spec.max, step: spec.step });
      if (entity.unit) c.unit_of_measurement = entity.unit;
      if (entity.deviceClass && unitAccepted(entity.deviceClass, entity.unit)) c.device_class = entity.deviceClass;
      break;
    }
    case "select":
      Object.assign(c, { state_topic: state, command_topic: command, options: entity.options ?? [] });
      break;
    case "scene":
      Object.assign(c, { command_topic: command, payload_on: "ON" });
      break;
    case "climate": {
      const spec = entity.climate;
      const field = (f: string): string => t.state({ ...addr, field: f });
      Object.assign(c, {
        current_temperature_topic: field(CLIMATE_FIELDS.current),
        temperature_state_topic: field(CLIMATE_FIELDS.target),
        temperature_command_topic: t.command({ ...addr, field: CLIMATE_FIELDS.target }),
        action_topic: field(CLIMATE_FIELDS.action),
        mode_state_topic: field(CLIMATE_FIELDS.mode),
        modes: ["heat"],
        temperature_unit: spec?.unit === "°F" ? "F" : "C",
      });
      if (spec) Object.assign(c, { min_temp: spec.min, max_temp: spec.max, temp_step: spec.step, precision: spec.step >= 1 ? 1 : spec.step >= 0.5 ? 0.5 : 0.1 });
      break;
    }
  }
  return c;
}

/** Sensor device class, unit and state class, kept only where Home Assistant accepts them together. */
function measurement(entity: Entity): Json {
  const out: Json = {};
  if (entity.unit) out.unit_of_measurement = entity.unit;
  if (entity.deviceClass && unitAccepted(entity.deviceClass, entity.unit)) out.device_class = entity.deviceClass;
  const stateClass = allowedStateClass(out.device_class as string | undefined, entity.stateClass);
  if (stateClass) out.state_class = stateClass;
  return out;
}

function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9_]+/g, "_").replace(/_+/g, "_").replace(/^_|_$/g, "");
}
