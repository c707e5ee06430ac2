/**
 * The Voltaware events setup the events tests share: a partner topic and broker user at the
 * simulator's events broker, and the source "meter" that sends the events of meter 2001 (the
 * MQTT topic p1/power) there.
 */
import type { ReceivedEvent, VoltawareSimulator } from "../../src/simulators/voltaware/index.js";
import { sleep } from "./mqtt.js";
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

/** The power of each event received, in order. */
export const powers = (events: ReceivedEvent[]): number[] => events.map((e) => Number(e.payload.power));
export const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

export async function waitUntil(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}
