/**
 * Voltaware events on both sides: what the daemon accepted (the lines of its on-disk queue,
 * read as the run goes) and what the events broker received. Lost = accepted and never received.
 */
import { existsSync, readFileSync } from "node:fs";
import type { ReceivedEvent } from "../simulators/voltaware/broker.js";
import { LOCAL_METER } from "./clouds.js";

export interface Duplicate {
  key: string;
  receivedAt: number;
}

export class EventsLedger {
  readonly accepted = new Set<string>();
  readonly delivered = new Map<string, number>();
  readonly duplicates: Duplicate[] = [];
  /** Unreadable lines seen before the last line of the queue file: a torn write in the middle. */
  readonly tornInTheMiddle: string[] = [];
  /** When the harness published each value of the local meter. */
  readonly publishedAt = new Map<number, number>();
  /** Local-meter values received, with when. */
  private readonly localReceived: Array<{ value: number; at: number }> = [];
  private readonly tornSeen = new Set<string>();

  constructor(private readonly queueFile: string) {}

  static key(topic: string, payload: unknown): string {
    return `${topic}|${JSON.stringify(payload)}`;
  }

  readQueue(): void {
    if (!existsSync(this.queueFile)) return;
    let text: string;
    try {
      text = readFileSync(this.queueFile, "utf8");
    } catch {
      return;
    }
    const lines = text.split("\n");
    // The last element is "" after a complete line, or a line being written: never judged.
    for (let i = 0; i < lines.length - 1; i++) {
      const line = lines[i] as string;
      if (line.trim() === "") continue;
      try {
        const entry = JSON.parse(line) as { s?: number; t?: string; p?: string };
        if (typeof entry.s === "number" && typeof entry.t === "string" && typeof entry.p === "string") this.accepted.add(EventsLedger.key(entry.t, JSON.parse(entry.p)));
      } catch {
        if (!this.tornSeen.has(line)) {
          this.tornSeen.add(line);
          this.tornInTheMiddle.push(line.slice(0, 300));
        }
      }
    }
  }

  receive(events: ReceivedEvent[]): void {
    for (const e of events) {
      const key = EventsLedger.key(e.topic, e.payload);
      const n = (this.delivered.get(key) ?? 0) + 1;
      this.delivered.set(key, n);
      if (n > 1) this.duplicates.push({ key, receivedAt: e.receivedAt });
      const power = (e.payload.values as Record<string, unknown> | undefined)?.power;
      if (e.meter === LOCAL_METER && typeof power === "number") this.localReceived.push({ value: power, at: e.receivedAt });
    }
  }

  /** The first local-meter event published at or after `t` and received: when it arrived. */
  firstReceivedPublishedAfter(t: number): number | undefined {
    for (let i = this.localReceived.length - 1; i >= 0; i--) {
      const r = this.localReceived[i] as { value: number; at: number };
      const published = this.publishedAt.get(r.value);
      if (published === undefined || published < t) {
        const next = this.localReceived[i + 1];
        return next?.at;
      }
    }
    return this.localReceived[0]?.at;
  }

  lost(): string[] {
    return [...this.accepted].filter((k) => !this.delivered.has(k));
  }
}
