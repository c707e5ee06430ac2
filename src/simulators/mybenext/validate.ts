/** What a PUT may write: a property's value by its datatype, a climate controller's setpoint. */
import { ERROR_CODES, badRequest } from "./errors.js";
import type { SimDatatype } from "./types.js";

/** Checks a value written to a property against its datatype; returns the value to store. */
export function validateValue(dt: SimDatatype | undefined, datatype: number, raw: unknown): string {
  if (!dt) throw badRequest("property", `unknown datatype ${datatype}`, ERROR_CODES.invalidValue);
  if (typeof raw !== "string" && typeof raw !== "number") throw badRequest("property", "value must be a string", ERROR_CODES.invalidValue);
  const s = String(raw).trim();
  const v = dt.value;
  if (v.type === "choice") {
    if (!Object.hasOwn(v.choice, s)) throw badRequest("property", `invalid value '${s}' for ${dt.name}: choices are ${Object.keys(v.choice).join(", ")}`, ERROR_CODES.invalidValue);
    return s;
  }
  const n = s === "" ? NaN : Number(s);
  if (!Number.isFinite(n)) throw badRequest("property", `invalid value '${s}' for ${dt.name}: not a number`, ERROR_CODES.invalidValue);
  if (v.type === "boolean") {
    if (n !== v.min && n !== v.max) throw badRequest("property", `invalid value '${s}' for ${dt.name}: must be ${v.min} or ${v.max}`, ERROR_CODES.invalidValue);
    return String(n);
  }
  let x = n;
  if ((datatype === 8 || datatype === 44) && x === 100) x = 99; // "100 gets converted to 99"
  if (datatype === 53 && x === 255) return "255";
  if (v.type === "integer" && !Number.isInteger(x)) throw badRequest("property", `invalid value '${s}' for ${dt.name}: must be a whole number`, ERROR_CODES.invalidValue);
  if (x < v.min || x > v.max) throw badRequest("property", `invalid value '${s}' for ${dt.name}: must be between ${v.min} and ${v.max}`, ERROR_CODES.invalidValue);
  const steps = (x - v.min) / v.step;
  if (Math.abs(steps - Math.round(steps)) > 1e-6) throw badRequest("property", `invalid value '${s}' for ${dt.name}: must be a multiple of ${v.step}`, ERROR_CODES.invalidValue);
  return String(x);
}

/** Checks a climate controller setpoint against the controller's datatype. */
export function validateSetpoint(dt: SimDatatype | undefined, raw: unknown): number {
  const n = typeof raw === "number" ? raw : typeof raw === "string" && raw.trim() !== "" ? Number(raw) : NaN;
  if (!Number.isFinite(n)) throw badRequest("climatecontroller", "setpoint must be a number", ERROR_CODES.invalidValue);
  if (!dt || dt.value.type === "boolean" || dt.value.type === "choice") return n;
  const v = dt.value;
  if (n < v.min || n > v.max) throw badRequest("climatecontroller", `setpoint must be between ${v.min} and ${v.max}`, ERROR_CODES.invalidValue);
  const steps = (n - v.min) / v.step;
  if ((v.type === "integer" && !Number.isInteger(n)) || Math.abs(steps - Math.round(steps)) > 1e-6) {
    throw badRequest("climatecontroller", `setpoint must be a multiple of ${v.step}`, ERROR_CODES.invalidValue);
  }
  return n;
}
