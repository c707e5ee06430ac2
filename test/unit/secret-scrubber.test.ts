import { describe, expect, it } from "vitest";
import { quote, SecretScrubber } from "../../src/log.js";

describe("SecretScrubber", () => {
  it("scrubs a secret as written, URL-encoded, form-encoded and JSON-escaped", () => {
    const scrubber = new SecretScrubber();
    scrubber.add('pw! "x"&y z');
    const text = ['pw! "x"&y z', "pw!%20%22x%22%26y%20z", "pw%21+%22x%22%26y+z", 'pw! \\"x\\"&y z'].join(" | ");
    expect(scrubber.scrub(text)).toBe("*** | *** | *** | ***");
  });

  it("quote removes a secret before cutting the text, so no first part of it gets through", () => {
    new SecretScrubber().add("quoted-secret-123");
    const body = "error: bad request (password=quoted-secret-123)";
    expect(body.slice(0, 40)).toContain("quoted-se");
    expect(quote(body, 40)).toBe("error: bad request (password=***)");
  });
});
