import { describe, expect, it } from "vitest";
import { CommandError, parseCommandPayload } from "../../src/commands/parse.js";
import type { Entity } from "../../src/model/index.js";

const sw: Entity = { key: "s", name: "S", kind: "switch", command: { type: "switch" } };
const dim: Entity = { key: "d", name: "D", kind: "light", scale: 99, command: { type: "level", min: 0, max: 99, step: 1, on: 99 } };
const num: Entity = { key: "n", name: "N", kind: "number", command: { type: "number", min: 4, max: 28, step: 0.5 } };
const sel: Entity = { key: "l", name: "L", kind: "select", options: ["home", "away"], command: { type: "select", options: ["home", "away"] } };
const climate: Entity = { key: "climate", name: "T", kind: "climate", climate: { min: 4, max: 28, step: 0.5, unit: "°C" } };
const sensor: Entity = { key: "t", name: "T", kind: "sensor" };

describe("command payloads", () => {
  it("accepts what Home Assistant sends", () => {
    expect(parseCommandPayload(sw, undefined, "ON")).toBe(true);
    expect(parseCommandPayload(sw, undefined, "off")).toBe(false);
    expect(parseCommandPayload(dim, undefined, "42")).toBe(42);
    expect(parseCommandPayload(dim, undefined, "ON")).toBe(99);
    expect(parseCommandPayload(dim, undefined, "OFF")).toBe(0);
    expect(parseCommandPayload(num, undefined, "20.5")).toBe(20.5);
    expect(parseCommandPayload(sel, undefined, "Away")).toBe("away");
    expect(parseCommandPayload(climate, "target_temperature", "21")).toBe(21);
  });

  it.each([
    [sw, undefined, "maybe", /expected ON or OFF/],
    [dim, undefined, "100", /out of range 0–99/],
    [dim, undefined, "12.5", /not a multiple of the step 1/],
    [num, undefined, "NaN", /expected a number/],
    [num, undefined, "0x10", /expected a number/],
    [num, undefined, "", /expected a number/],
    [num, undefined, "29", /out of range 4–28/],
    [num, undefined, "20.3", /step 0.5/],
    [sel, undefined, "party", /one of home, away/],
    [climate, "target_temperature", "3.5", /out of range/],
    [climate, "action", "heating", /not writable/],
    [sensor, undefined, "1", /not writable/],
    [num, undefined, "1".repeat(300), /too long/],
  ] as const)("rejects %#", (entity, field, payload, message) => {
    expect(() => parseCommandPayload(entity, field, payload)).toThrow(CommandError);
    expect(() => parseCommandPayload(entity, field, payload)).toThrow(message);
  });
});
