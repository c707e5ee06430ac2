/** What one endurance run measured; `report.ts` judges it against the checks and writes it down. */
import type { Vendor } from "./clouds.js";
import type { DaemonProcess } from "./daemon-process.js";
import type { Params } from "./params.js";

export type FaultKind = "broker-restart" | "broker-refusing" | "events-broker-restart" | "disk-full" | "kill-9" | "cloud";

export interface FaultRecord {
  kind: FaultKind;
  detail: string;
  startedAt: number;
  endedAt: number;
  /** When the source or connection was back; undefined: not within the wait. */
  recoveredAt: number | undefined;
  boundMs: number;
  skipped?: string;
}

export interface MemorySample {
  day: number;
  at: number;
  polls: number;
  incarnation: number;
  heapAfterGcMB: number;
  rssMB: number;
  scrubLineUs: number;
  tokens: number;
  logLines: number;
}

export interface CommandRecord {
  value: number;
  sentAt: number;
  result: { ok: boolean; value?: unknown; error?: string } | undefined;
  resultAt: number | undefined;
  /** A kill, a broker restart or a daemon exit came between the command and its result. */
  interrupted: boolean;
  /** How long after the daemon's connection last came up (as /health showed it) the command was sent. */
  afterReconnectMs?: number;
}

export interface RunFigures {
  params: Params;
  startedAt: Date;
  endedAt: Date;
  node: string;
  polls: number;
  tokens: Record<Vendor, number>;
  tokenTotal: number;
  sources: number;
  faults: FaultRecord[];
  /** When the events broker came back after each of its restarts. */
  eventsBrokerStarts: number[];
  /** Daemon restarts the harness made to go on after a fault it did not recover from. */
  repairs: Array<{ at: number; why: string }>;
  memory: MemorySample[];
  commands: CommandRecord[];
  applied: Array<{ value: number; at: number }>;
  events: { accepted: number; delivered: number; duplicates: Array<{ key: string; receivedAt: number }>; lost: string[]; tornInTheMiddle: string[]; published: number };
  daemonStarts: number[];
  unexpectedExits: DaemonProcess["unexpectedExits"];
  log: { lines: number; byLevel: Record<string, number>; top: Array<[string, number]>; fatal: string[] };
  notes: string[];
  targetsReached: boolean;
  finalSigtermExit: string;
  runDir: string;
}
