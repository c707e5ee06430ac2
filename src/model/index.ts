import { createHash } from "node:crypto";

/**
 * The normalized model every layer shares. Bridges produce it; discovery and the MQTT layer
 * consume it. Nothing here knows a vendor, MQTT topics or Home Assistant payloads.
 */

export type EntityKind =
  | "sensor"
  | "binary_sensor"
  | "switch"
  | "light"
  | "cover"
  | "lock"
  | "number"
  | "select"
  | "scene"
  | "climate";

export type StateClass = "measurement" | "total" | "total_increasing";
export type EntityCategory = "diagnostic" | "config";

/** What a command for a writable value may carry; the router checks payloads against it. */
export type CommandSpec =
  | { type: "switch" } // ON / OFF -> boolean
  | { type: "lock" } // LOCK / UNLOCK -> boolean (true = locked)
  | { type: "level"; min: number; max: number; step: number; on: number } // light / cover: number, ON/OFF, OPEN/CLOSE
  | { type: "number"; min: number; max: number; step: number }
  | { type: "select"; options: string[] }
  | { type: "trigger" }; // scenes: any of ON / PRESS / 1 / true

export interface ClimateSpec {
  min: number;
  max: number;
  step: number;
  unit: string;
}

export interface Entity {
  /** Stable key, unique in its device, topic safe: [A-Za-z0-9_-]. */
  key: string;
  /** Name for people, without the device name. */
  name: string;
  kind: EntityKind;
  deviceClass?: string;
  unit?: string;
  stateClass?: StateClass;
  category?: EntityCategory;
  icon?: string;
  /** Suggested number of decimals to display. */
  precision?: number;
  /** Options of an enum sensor or a select. */
  options?: string[];
  /** Present when the main value is writable. */
  command?: CommandSpec;
  /** Climate only: the setpoint's range and step. */
  climate?: ClimateSpec;
  /** Level entities (light, cover): the raw value that means fully on / open. */
  scale?: number;
  /** The entity also publishes a JSON attributes value (field "attributes"). */
  hasAttributes?: boolean;
  enabledByDefault?: boolean;
}

export interface Device {
  /** Stable key, unique in its source, topic safe: [A-Za-z0-9_-]. */
  key: string;
  /** The vendor's own id for the device, kept in discovery identifiers. */
  vendorId: string;
  name: string;
  manufacturer?: string;
  model?: string;
  serialNumber?: string;
  swVersion?: string;
  hwVersion?: string;
  /** Key of the parent device in the same source (gateway, site, account). */
  viaDevice?: string;
  entities: Entity[];
}

export type ScalarValue = string | number | boolean | null;
export type ReadingValue = ScalarValue | Record<string, unknown>;

/**
 * One value of one entity. `field` names a sub-value of an entity with several values
 * (climate: current_temperature, target_temperature, action, mode) or "attributes".
 */
export interface Reading {
  device: string;
  entity: string;
  field?: string;
  value: ReadingValue;
}

/** A validated command, ready for the owning bridge. */
export interface Command {
  device: string;
  entity: string;
  field?: string;
  value: number | string | boolean;
}

/** Climate sub-values, shared by bridges and discovery. */
export const CLIMATE_FIELDS = {
  current: "current_temperature",
  target: "target_temperature",
  action: "action",
  mode: "mode",
} as const;

/** Home Assistant's hvac_action vocabulary, which climate "action" readings use. */
export type ClimateAction = "off" | "heating" | "cooling" | "drying" | "idle" | "fan" | "preheating" | "defrosting";

const UNSAFE_KEY = /[^A-Za-z0-9_-]+/g;

/** Turns a vendor id into a topic-safe key; never yields + # / or an empty string. */
export function safeKey(raw: string | number): string {
  const key = String(raw).trim().replace(UNSAFE_KEY, "_").replace(/^_+|_+$/g, "");
  return key.length > 0 ? key : "_";
}

/**
 * A vendor id as a topic-safe key that no other id maps to: an id that is already safe stays as it
 * is (keys and unique ids of existing installs do not change); one that had to be changed gets a
 * short hash of the original, since "a/b" and "a b" would otherwise both become "a_b" and two
 * devices would share one set of topics.
 */
export function idKey(raw: string | number): string {
  const text = String(raw);
  const key = safeKey(text);
  if (key === text) return key;
  return `${key}_${createHash("sha256").update(text).digest("hex").slice(0, 8)}`;
}
