import { afterEach, describe, expect, it } from "vitest";
import { withoutTools } from "../helpers/tools.js";

describe("tests that need Mosquitto or OpenSSL", () => {
  const ci = process.env.CI;
  afterEach(() => {
    if (ci === undefined) delete process.env.CI;
    else process.env.CI = ci;
  });

  it("run when the tools are there", () => {
    process.env.CI = "1";
    expect(withoutTools({ mosquitto: "/usr/sbin/mosquitto" })).toBe(false);
  });

  it("fail in CI when a tool is missing, naming it, and skip only on a developer's machine", () => {
    process.env.CI = "1";
    expect(() => withoutTools({ mosquitto: "/usr/sbin/mosquitto", openssl: undefined })).toThrow(/^openssl not installed: CI runs every test that needs it/);
    delete process.env.CI;
    expect(withoutTools({ openssl: undefined })).toBe(true);
  });
});
