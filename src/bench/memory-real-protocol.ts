/** Messages between the real-bridges memory benchmark and its daemon process. */
export interface RealStart {
  op: "start";
  brokerUrl: string;
  /** Source configs as in config.yaml (the demo's, pointed at this run's simulators). */
  sources: Array<Record<string, unknown>>;
  logFile: string;
  logLevel: string;
}

export type RealRequest = RealStart | { op: "sample" } | { op: "stop" };

export interface RealCounts {
  /** Polls that returned, per source type. */
  polls: Record<string, number>;
  failedPolls: number;
}

export type RealReply =
  | { op: "started" }
  | ({ op: "sample"; heapAfterGcBytes: number } & RealCounts)
  | ({ op: "stopped" } & RealCounts)
  | { op: "error"; error: string };
