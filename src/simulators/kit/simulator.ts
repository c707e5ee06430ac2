/** What every simulator hands its tests, the demo and the bench: the request log, the fault switches, a way to stop. */
export interface SimulatorControls<Faults, Entry> {
  /** The request log, oldest first. */
  requests: Entry[];
  /** The fault switches; tests set them. */
  faults: Faults;
  clearRequests(): void;
  /** Every fault switch back off. */
  resetFaults(): void;
  close(): Promise<void>;
}
