import { describe, expect, it } from "vitest";
import { deviceConfig, discoveryTopic } from "../../src/discovery/payload.js";
import { Topics } from "../../src/mqtt/topics.js";
import type { Device } from "../../src/model/index.js";

const ctx = { prefix: "homeassistant", topics: new Topics("cloud2mqtt") };
const device: Device = {
  key: "product_36",
  vendorId: "36",
  name: "Electricity Meter",
  manufacturer: "BeNext",
  model: "P1 meter",
  viaDevice: "account_1",
  entities: [
    { key: "property_300", name: "kWh", kind: "sensor", deviceClass: "energy", unit: "kWh", stateClass: "measurement" },
    { key: "property_301", name: "Power", kind: "sensor", deviceClass: "power", unit: "kWh", stateClass: "measurement" },
    { key: "climate", name: "Thermostat", kind: "climate", climate: { min: 4, max: 28, step: 0.5, unit: "°C" } },
  ],
};

describe("device discovery payload", () => {
  const config = deviceConfig(ctx, "home", device) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

  it("is device-based with origin, device block and both availability topics", () => {
    expect(discoveryTopic(ctx, "home", "product_36")).toBe("homeassistant/device/cloud2mqtt_home_product_36/config");
    expect(config.device).toMatchObject({ identifiers: ["cloud2mqtt_home_product_36"], name: "Electricity Meter", via_device: "cloud2mqtt_home_account_1" });
    expect(config.origin.name).toBe("cloud2mqtt");
    expect(config.availability).toEqual([{ topic: "cloud2mqtt/bridge/state" }, { topic: "cloud2mqtt/home/availability" }]);
    expect(config.availability_mode).toBe("all");
  });

  it("gives each component unique_id and default_entity_id, never object_id", () => {
    const c = config.components.property_300;
    expect(c.unique_id).toBe("cloud2mqtt_home_product_36_property_300");
    expect(c.default_entity_id).toBe("sensor.cloud2mqtt_home_product_36_property_300");
    expect(c).not.toHaveProperty("object_id");
    expect(c.state_topic).toBe("cloud2mqtt/home/product_36/property_300");
  });

  it("never publishes energy as a measurement, and drops a device class whose unit HA rejects", () => {
    expect(config.components.property_300.state_class).toBe("total_increasing");
    expect(config.components.property_301).not.toHaveProperty("device_class");
  });

  it("maps a climate to sub-topics with its range", () => {
    expect(config.components.climate).toMatchObject({
      platform: "climate",
      current_temperature_topic: "cloud2mqtt/home/product_36/climate/current_temperature",
      temperature_command_topic: "cloud2mqtt/home/product_36/climate/target_temperature/set",
      min_temp: 4,
      max_temp: 28,
      temp_step: 0.5,
    });
  });

  it("announces a removed component with its platform only", () => {
    const c = deviceConfig(ctx, "home", device, { property_999: "switch" }) as { components: Record<string, unknown> };
    expect(c.components.property_999).toEqual({ platform: "switch" });
  });
});

describe("state classes Home Assistant allows", () => {
  const one = (e: Device["entities"][number]) => (deviceConfig(ctx, "home", { ...device, entities: [e] }) as { components: Record<string, Record<string, unknown>> }).components[e.key];
  it("corrects a state class the device class forbids", () => {
    expect(one({ key: "a", name: "A", kind: "sensor", deviceClass: "gas", unit: "m³", stateClass: "measurement" })?.state_class).toBe("total_increasing");
    expect(one({ key: "b", name: "B", kind: "sensor", deviceClass: "power", unit: "W", stateClass: "total_increasing" })?.state_class).toBe("measurement");
    expect(one({ key: "c", name: "C", kind: "sensor", deviceClass: "energy", unit: "kWh", stateClass: "total" })?.state_class).toBe("total");
  });
});
