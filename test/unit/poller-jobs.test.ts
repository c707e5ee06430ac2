import schedule from "node-schedule";
import { expect, it } from "vitest";
import { Poller } from "../../src/poller/poller.js";

it("leaves no node-schedule job behind, however often runs are asked for at once", async () => {
  const before = Object.keys(schedule.scheduledJobs).length;
  let runs = 0;
  const poller = new Poller({ intervalMs: 60_000, run: async () => void runs++, onFailure: () => 0, onSuccess: () => undefined });
  poller.start(0);
  // Commands trigger a poll at once; a date of "now" is often already past for node-schedule.
  for (let i = 0; i < 300; i++) {
    poller.trigger();
    await new Promise((r) => setTimeout(r, 2));
  }
  // One job: the next interval's.
  expect(Object.keys(schedule.scheduledJobs).length - before).toBe(1);
  await poller.stop();
  expect(Object.keys(schedule.scheduledJobs).length - before).toBe(0);
  expect(runs).toBeGreaterThan(250);
});
