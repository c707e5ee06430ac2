import { describe, expect, it } from "vitest";
import { Writable } from "node:stream";
import { createLogger, SecretScrubber } from "../../src/log.js";

describe("logging", () => {
  it("scrubs registered secrets wherever they appear and redacts secret keys", async () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _enc, cb) => (lines.push(String(chunk)), cb()) });
    const scrubber = new SecretScrubber();
    scrubber.add("hunter2-secret");
    const log = createLogger("debug", scrubber, sink);
    log.info({ password: "p@ss-word-1", headers: { authorization: "Basic xyz" } }, "login with hunter2-secret in a url ?apikey=hunter2-secret");
    log.flush();
    const out = lines.join("");
    expect(out).not.toContain("hunter2-secret");
    expect(out).not.toContain("p@ss-word-1");
    expect(out).not.toContain("Basic xyz");
    expect(out).toContain("***");
  });
});
