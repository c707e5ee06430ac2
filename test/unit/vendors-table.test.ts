import { describe, expect, it } from "vitest";
import { bridgeDefinitions } from "../../src/bridges/registry.js";
import { VENDOR_TABLE } from "../helpers/vendors.js";

describe("the tests' vendor table (test/helpers/vendors.ts)", () => {
  it("has one simulator entry for every registered bridge type, so cross-vendor tests cover a new vendor", () => {
    const registered = bridgeDefinitions.map((b) => b.type).sort();
    expect(VENDOR_TABLE.map((v) => v.type).sort()).toEqual(registered);
  });
});
