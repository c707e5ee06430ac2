/** PUT: what each writable resource accepts, and the world it changes. */
import { validateSetpoint, validateValue } from "./validate.js";
import { ApiError, ERROR_CODES, badRequest } from "./errors.js";
import { type Row } from "./filters.js";
import { type ResourceName, SINGULAR } from "./routes.js";
import { type World } from "./world.js";

function rejectFields(resource: string, body: Record<string, unknown>, readOnly: string[]): void {
  for (const key of readOnly) if (Object.hasOwn(body, key)) throw badRequest(resource, `field '${key}' cannot be updated`, ERROR_CODES.notUpdatable);
}

export function put(world: World, resource: ResourceName, rows: Row[], body: Record<string, unknown>): void {
  const now = Date.now();
  switch (resource) {
    case "properties": {
      rejectFields("property", body, ["product", "property", "updated"]);
      if ("name" in body && (typeof body.name !== "string" || body.name.trim() === "")) throw badRequest("property", "name may not be empty", ERROR_CODES.invalidValue);
      if ("datatype" in body && !(typeof body.datatype === "number" && world.datatypes.has(body.datatype))) throw badRequest("property", "unknown datatype", ERROR_CODES.invalidValue);
      for (const k of ["receiving", "sending"]) if (k in body && typeof body[k] !== "boolean") throw badRequest("property", `${k} must be true or false`, ERROR_CODES.invalidValue);
      const values = new Map<number, string>();
      if ("value" in body) {
        for (const row of rows) {
          const rec = world.properties.get(row.id as number)!;
          if (!rec.res.receiving) throw badRequest("property", `property ${rec.res.property} cannot receive values`, ERROR_CODES.invalidValue);
          const datatype = typeof body.datatype === "number" ? body.datatype : rec.res.datatype;
          values.set(rec.res.property, validateValue(world.datatypes.get(datatype), datatype, body.value));
        }
      }
      for (const row of rows) {
        const rec = world.properties.get(row.id as number)!;
        if (typeof body.name === "string") rec.res.name = body.name;
        if (typeof body.datatype === "number") rec.res.datatype = body.datatype;
        if (typeof body.receiving === "boolean") rec.res.receiving = body.receiving;
        if (typeof body.sending === "boolean") rec.res.sending = body.sending;
        const v = values.get(rec.res.property);
        if (v !== undefined) world.writeValue(rec.res.property, v, now);
      }
      return;
    }
    case "climatecontrollers": {
      rejectFields("climatecontroller", body, ["controllable", "datatype", "formattedtemperature", "heatdemand", "mode", "product", "synchronised", "temperature", "valvestatus"]);
      const ccs = rows.map((r) => world.climate.get(r.id as number)!);
      const setpoints = new Map<number, number>();
      if ("setpoint" in body) for (const cc of ccs) setpoints.set(cc.product, validateSetpoint(world.datatypes.get(cc.datatype), body.setpoint));
      let scheduletype: number | undefined;
      if ("scheduletype" in body) {
        const s = body.scheduletype;
        if (typeof s !== "number" || ![0, 1, 2].includes(s)) throw badRequest("climatecontroller", "scheduletype must be 0, 1 or 2", ERROR_CODES.invalidValue);
        scheduletype = s;
      }
      if (!("setpoint" in body) && scheduletype === undefined) return;
      for (const cc of ccs) world.requestSetpoint(cc, setpoints.get(cc.product), scheduletype);
      return;
    }
    case "lifestyles": {
      rejectFields("lifestyle", body, ["account", "id", "lifestyle", "name"]);
      if (rows.length !== 1) throw badRequest("lifestyle", "it is not possible to activate multiple lifestyles", ERROR_CODES.invalidValue);
      if (!("active" in body)) return;
      if (body.active !== true) throw badRequest("lifestyle", "the only valid value for active is true: a lifestyle cannot be deactivated", ERROR_CODES.invalidValue);
      world.activateLifestyle(rows[0]!.id as number);
      return;
    }
    case "scenes": {
      rejectFields("scene", body, ["account", "code", "scene"]);
      if ("trigger" in body && typeof body.trigger !== "boolean") throw badRequest("scene", "trigger must be true or false", ERROR_CODES.invalidValue);
      if ("name" in body && (typeof body.name !== "string" || body.name.trim() === "")) throw badRequest("scene", "name may not be empty", ERROR_CODES.invalidValue);
      for (const row of rows) {
        const scene = world.scenes.get(row.id as number)!;
        if (typeof body.name === "string") scene.name = body.name;
        if (body.trigger === true) world.triggerScene(scene.scene, now);
      }
      return;
    }
    case "products": {
      rejectFields("product", body, ["account", "product", "producttype"]);
      if ("name" in body && typeof body.name !== "string") throw badRequest("product", "name must be a string", ERROR_CODES.invalidValue);
      if ("appearance" in body && !(typeof body.appearance === "number" && world.producttypes.has(body.appearance))) throw badRequest("product", "unknown appearance", ERROR_CODES.invalidValue);
      for (const row of rows) {
        const p = world.products.get(row.id as number)!;
        if (typeof body.name === "string") p.name = body.name;
        if (typeof body.appearance === "number") p.appearance = body.appearance;
      }
      return;
    }
    default:
      throw new ApiError(405, "method not allowed", SINGULAR[resource], ERROR_CODES.methodNotAllowed);
  }
}

