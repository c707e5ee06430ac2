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

/** A simulator's answer as a test reads it: status, headers, the raw text, and the JSON if it is JSON. */
export interface ReadAnswer {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

export async function readAnswer(res: Response): Promise<ReadAnswer> {
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}
