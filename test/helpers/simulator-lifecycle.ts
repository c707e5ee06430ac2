import { afterAll, afterEach } from "vitest";

/**
 * For a test file that starts one simulator in its `beforeAll`: clears the simulator's faults
 * after each test (so a fault set by one test never leaks into the next) and closes it after all.
 */
export function closeAfterAllAndResetFaults(current: () => { resetFaults(): void; close(): Promise<void> } | undefined): void {
  afterAll(async () => {
    await current()?.close();
  });
  afterEach(() => {
    current()?.resetFaults();
  });
}
