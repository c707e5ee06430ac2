/** One entry of a simulator's request log, as most simulators keep it (tests read it). */
export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | undefined>;
  body: unknown;
  status: number;
  /** Arrival, epoch ms. */
  time: number;
}
