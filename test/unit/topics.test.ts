import { describe, expect, it } from "vitest";
import { Topics } from "../../src/mqtt/topics.js";
import { topicMatches } from "../../src/mqtt/topics.js";
import { safeKey } from "../../src/model/index.js";

describe("topics", () => {
  const t = new Topics("c2m");
  it("parses command topics and nothing else", () => {
    expect(t.parseCommand("c2m/home/product_1/property_2/set")).toEqual({ source: "home", device: "product_1", entity: "property_2" });
    expect(t.parseCommand("c2m/home/product_1/climate/target_temperature/set")).toEqual({ source: "home", device: "product_1", entity: "climate", field: "target_temperature" });
    expect(t.parseCommand("c2m/home/product_1/set")).toBeUndefined();
    expect(t.parseCommand("c2m/home/product_1/property_2/set/result")).toBeUndefined();
    expect(t.parseCommand("other/home/a/b/set")).toBeUndefined();
    expect(t.parseCommand("c2m/home//b/set")).toBeUndefined();
  });
  it("matches MQTT wildcards", () => {
    expect(topicMatches("a/+/c", "a/b/c")).toBe(true);
    expect(topicMatches("a/#", "a/b/c")).toBe(true);
    expect(topicMatches("a/+", "a/b/c")).toBe(false);
  });
  it("makes topic-safe keys from vendor ids", () => {
    expect(safeKey("a/b+c#d e")).toBe("a_b_c_d_e");
    expect(safeKey("///")).toBe("_");
  });
});
