import type { Entity, ReadingValue } from "../model/index.js";

/** The plain-text payload of a state topic (DESIGN.md: number, ON/OFF, option name). */
export function formatValue(entity: Entity | undefined, value: ReadingValue): string {
  if (value === null) return "None";
  if (typeof value === "boolean") {
    if (entity?.kind === "lock") return value ? "LOCKED" : "UNLOCKED";
    return value ? "ON" : "OFF";
  }
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "None";
  if (typeof value === "string") return value;
  return JSON.stringify(value);
}
