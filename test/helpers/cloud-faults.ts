/**
 * The vendor clouds of test/helpers/vendors.ts behind one interface for fault tests: small worlds
 * that poll fast, the fault switches every simulator shares, a request log that survives
 * restarts, and a way to take a cloud down (connections refused) and bring it back on the same
 * ports.
 */
import { VENDOR_TABLE, vendorEntry, type CommonFaults, type LoggedRequest, type RunningVendor } from "./vendors.js";

export type { CommonFaults, LoggedRequest } from "./vendors.js";

/** Every vendor's bridge type, from the table that covers the registry. */
export const VENDORS: readonly string[] = VENDOR_TABLE.map((v) => v.type);
export type Vendor = string;

export interface Cloud {
  vendor: Vendor;
  /** The source of the config that reads this cloud. */
  source(id: string, extra?: Record<string, unknown>): Record<string, unknown>;
  readonly faults: CommonFaults;
  resetFaults(): void;
  /** Every request so far, restarts included. */
  requests(): LoggedRequest[];
  /** Closes the cloud's servers: connections are refused until `restart()`. */
  stop(): Promise<void>;
  /** Starts a fresh cloud on the same ports: the same world, but tokens issued before are unknown. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/** One vendor's cloud, small and fast; `restart` keeps the ports the first start was given. */
export async function startCloud(vendor: Vendor): Promise<Cloud> {
  const first = await vendorEntry(vendor).start();
  let running: RunningVendor | undefined = first;
  let last = first;
  const earlier: LoggedRequest[] = [];
  return {
    vendor,
    source: (id, extra) => first.source(id, extra),
    get faults() {
      return last.sim.faults;
    },
    resetFaults: () => last.sim.resetFaults(),
    requests: () => [...earlier, ...(running?.sim.requests ?? [])],
    stop: async () => {
      if (!running) return;
      const r = running;
      running = undefined;
      earlier.push(...r.sim.requests);
      await r.sim.close();
    },
    restart: async () => {
      if (running) return;
      running = last = await first.restart();
    },
    close: async () => {
      await running?.sim.close();
      running = undefined;
    },
  };
}
