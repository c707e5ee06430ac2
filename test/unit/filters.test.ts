import { describe, expect, it } from "vitest";
import { SourceFilter } from "../../src/daemon/filters.js";
import type { Device } from "../../src/model/index.js";

describe("include / exclude filters", () => {
  const devices: Device[] = [
    { key: "product_1", vendorId: "1", name: "Kitchen plug", entities: [{ key: "p1", name: "a", kind: "sensor" }, { key: "p2", name: "b", kind: "sensor" }] },
    { key: "product_2", vendorId: "2", name: "Hall sensor", viaDevice: "product_1", entities: [{ key: "p3", name: "c", kind: "sensor" }] },
  ];
  const readings = [
    { device: "product_1", entity: "p1", value: 1 },
    { device: "product_1", entity: "p2", value: 2 },
    { device: "product_2", entity: "p3", value: 3 },
  ];
  it("includes by device name and excludes entities", () => {
    const out = new SourceFilter(["hall*", "product_1/p2"], []).apply(devices, readings);
    expect(out.devices.map((d) => d.key)).toEqual(["product_1", "product_2"]);
    expect(out.devices[0]?.entities.map((e) => e.key)).toEqual(["p2"]);
    expect(out.readings.map((r) => r.entity)).toEqual(["p2", "p3"]);
  });
  it("drops via_device to an excluded parent", () => {
    const out = new SourceFilter([], ["product_1"]).apply(devices, readings);
    expect(out.devices).toHaveLength(1);
    expect(out.devices[0]?.viaDevice).toBeUndefined();
  });
});

describe("entity filters by name", () => {
  it("excludes every entity with a given name", () => {
    const devices: Device[] = [{ key: "product_1", vendorId: "1", name: "Lock", entities: [{ key: "property_5", name: "Battery", kind: "sensor" }, { key: "property_6", name: "Lock", kind: "lock" }] }];
    const out = new SourceFilter([], ["*/battery"]).apply(devices, []);
    expect(out.devices[0]?.entities.map((e) => e.key)).toEqual(["property_6"]);
  });
});
