import type { CommandSpec, Entity } from "../model/index.js";

export class CommandError extends Error {}

const MAX_PAYLOAD = 256;

/**
 * Turns an MQTT payload into the value a bridge writes, or throws a CommandError that says what
 * was expected. Nothing that fails here reaches a vendor.
 */
export function parseCommandPayload(entity: Entity, field: string | undefined, raw: string): number | string | boolean {
  const spec = specFor(entity, field);
  if (!spec) {
    throw new CommandError(field ? `${entity.key}/${field} is not writable` : `${entity.key} is not writable`);
  }
  if (raw.length > MAX_PAYLOAD) throw new CommandError(`payload too long (${raw.length} characters, at most ${MAX_PAYLOAD})`);
  const text = raw.trim();
  const upper = text.toUpperCase();
  switch (spec.type) {
    case "switch":
      if (["ON", "TRUE", "1"].includes(upper)) return true;
      if (["OFF", "FALSE", "0"].includes(upper)) return false;
      throw new CommandError(`expected ON or OFF, got ${quote(text)}`);
    case "lock":
      if (upper === "LOCK") return true;
      if (upper === "UNLOCK") return false;
      throw new CommandError(`expected LOCK or UNLOCK, got ${quote(text)}`);
    case "trigger":
      if (["ON", "PRESS", "TRIGGER", "1", "TRUE", ""].includes(upper)) return true;
      throw new CommandError(`expected ON to activate the scene, got ${quote(text)}`);
    case "select": {
      const option = spec.options.find((o) => o === text) ?? spec.options.find((o) => o.toLowerCase() === text.toLowerCase());
      if (option === undefined) throw new CommandError(`expected one of ${spec.options.join(", ")}, got ${quote(text)}`);
      return option;
    }
    case "level": {
      if (upper === "ON" || upper === "OPEN") return spec.on;
      if (upper === "OFF" || upper === "CLOSE") return spec.min;
      if (upper === "STOP") throw new CommandError("STOP is not supported by this device");
      return checkNumber(text, spec.min, spec.max, spec.step);
    }
    case "number":
      return checkNumber(text, spec.min, spec.max, spec.step);
  }
}

function specFor(entity: Entity, field: string | undefined): CommandSpec | undefined {
  if (entity.kind === "climate") {
    if (field !== "target_temperature" || !entity.climate) return undefined;
    return { type: "number", min: entity.climate.min, max: entity.climate.max, step: entity.climate.step };
  }
  return field === undefined ? entity.command : undefined;
}

function checkNumber(text: string, min: number, max: number, step: number): number {
  // Number("") is 0 and Number("0x10") is 16: accept plain decimal notation only.
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(text)) throw new CommandError(`expected a number, got ${quote(text)}`);
  const value = Number(text);
  if (!Number.isFinite(value)) throw new CommandError(`expected a finite number, got ${quote(text)}`);
  if (value < min || value > max) throw new CommandError(`${value} is out of range ${min}–${max}`);
  if (step > 0) {
    const steps = (value - min) / step;
    if (Math.abs(steps - Math.round(steps)) > 1e-6) throw new CommandError(`${value} is not a multiple of the step ${step} from ${min}`);
  }
  return value;
}

function quote(text: string): string {
  const shown = text.length > 40 ? `${text.slice(0, 40)}…` : text;
  return JSON.stringify(shown);
}
