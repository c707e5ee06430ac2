/**
 * The Voltaware events setup the events tests share: a partner topic and broker user at the
 * simulator's events broker, and the source "meter" that sends the events of meter 2001 (the
 * MQTT topic p1/power) there.
 */
import type { VoltawareSimulator } from "../../src/simulators/voltaware/index.js";
import { voltawareSource } from "./vendors/sources.js";

export const EVENTS_TOPIC = "partners/acme/{{meter}}/events";
export const EVENTS_USER = { username: "acme", password: "broker-secret-1" };
const POWER_PAYLOAD = '{"meter_id": {{meter}}, "timestamp": {{timestamp}}, "power": {{power}}}';

/** The source "meter": its API is the simulator's, its events go to `url` (the simulator's broker unless said). */
export function eventsSource(sim: VoltawareSimulator, events: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return voltawareSource(sim, "meter", {
    ...extra,
    events: {
      url: sim.broker?.url,
      ...EVENTS_USER,
      topic: EVENTS_TOPIC,
      payload: POWER_PAYLOAD,
      meters: [{ id: "2001", values: [{ name: "power", topic: "p1/power" }] }],
      ...events,
    },
  });
}
