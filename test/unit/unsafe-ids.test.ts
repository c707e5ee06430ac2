import { createServer, type Server } from "node:http";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import got from "got";
import { apiPath, pathSegment } from "../../src/http/path.js";
import { idKey } from "../../src/model/index.js";
import { TopicSafety } from "../../src/daemon/topic-safe.js";
import { createLogger, SecretScrubber } from "../../src/log.js";

/** Ids a vendor could send that are not safe in a topic level or a URL path. */
const HOSTILE_IDS = ["a/b", "a b", "a+b", "a#b", "a_b", "..", ".", "../admin", "%2e%2e", "a%2Fb", "a?b=1", "Zürich 🌡", "a\u0000b", " a", "a/", "+", "#", "/"];

describe("idKey", () => {
  it("leaves a safe id as it is, so existing keys and unique ids do not change", () => {
    for (const id of ["64a1f0c2e4b0a1b2c3d4e5a1", "sensor-1", "A_b-9", 42]) expect(idKey(id)).toBe(String(id));
  });

  it("makes every id topic safe and never maps two ids to one key", () => {
    const keys = HOSTILE_IDS.map(idKey);
    for (const key of keys) expect(key).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(new Set(keys).size).toBe(HOSTILE_IDS.length);
    // "a/b", "a b", "a+b" and the safe "a_b" all sanitise to a_b: only the safe one keeps it.
    expect(idKey("a_b")).toBe("a_b");
    expect(idKey("a/b")).toMatch(/^a_b_[0-9a-f]{8}$/);
  });

  it("is stable: the same id gives the same key in every poll and every run", () => {
    // Fixed literals (sha256 of the UTF-8 id, computed once outside this code): a key that
    // changed between runs or versions would move every entity of that device in Home Assistant.
    expect(idKey("Zürich 🌡")).toBe("Z_rich_7b510bd7");
    expect(idKey("a/b")).toBe("a_b_c14cddc0");
    expect(idKey("12")).toBe("12");
  });
});

describe("pathSegment", () => {
  it("percent-encodes everything that would end, split or start a path part", () => {
    expect(pathSegment("a/b")).toBe("a%2Fb");
    expect(pathSegment("../admin")).toBe("..%2Fadmin");
    expect(pathSegment("%2e%2e")).toBe("%252e%252e");
    expect(pathSegment("a?b=1#c")).toBe("a%3Fb%3D1%23c");
    expect(pathSegment("a b")).toBe("a%20b");
    expect(pathSegment(12)).toBe("12");
    expect(apiPath`devices/${"../x"}/data/${"a b"}`).toBe("devices/..%2Fx/data/a%20b");
  });

  it("refuses the ids a URL parser resolves as a path step", () => {
    for (const id of ["", ".", ".."]) expect(() => pathSegment(id)).toThrow(/refusing/);
  });

  describe("over real HTTP", () => {
    let server: Server;
    let base: string;
    const seen: string[] = [];
    beforeAll(async () => {
      server = createServer((req, res) => {
        seen.push(req.url ?? "");
        res.end("{}");
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      const address = server.address();
      base = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/api/v3/`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it("keeps every hostile id inside its one segment under the API prefix", async () => {
      const http = got.extend({ prefixUrl: base, retry: { limit: 0 } });
      for (const id of HOSTILE_IDS) {
        if (id === "." || id === "..") continue;
        seen.length = 0;
        await http.get(`devices/${pathSegment(id)}/data`);
        const url = seen[0] ?? "";
        expect(url.startsWith("/api/v3/devices/")).toBe(true);
        expect(url.endsWith("/data")).toBe(true);
        const segment = url.slice("/api/v3/devices/".length, -"/data".length);
        expect(segment).not.toContain("/");
        expect(decodeURIComponent(segment)).toBe(id);
      }
    });
  });
});

describe("TopicSafety", () => {
  it("leaves out a device or entity whose key would add a topic level or a wildcard, warning once", () => {
    const logs: string[] = [];
    const log = createLogger("debug", new SecretScrubber(), new Writable({ write: (c, _e, cb) => (logs.push(String(c)), cb()) }));
    const safety = new TopicSafety(log);
    const poll = {
      devices: [
        { key: "ok", vendorId: "ok", name: "OK", entities: [{ key: "t", name: "T", kind: "sensor" as const }, { key: "a/b", name: "bad", kind: "sensor" as const }] },
        { key: "x/#", vendorId: "x/#", name: "Bad", entities: [{ key: "t", name: "T", kind: "sensor" as const }] },
      ],
      readings: [
        { device: "ok", entity: "t", value: 1 },
        { device: "ok", entity: "a/b", value: 2 },
        { device: "x/#", entity: "t", value: 3 },
      ],
    };
    const out = safety.apply(poll);
    expect(out.devices.map((d) => d.key)).toEqual(["ok"]);
    expect(out.devices[0]?.entities.map((e) => e.key)).toEqual(["t"]);
    expect(out.readings).toEqual([{ device: "ok", entity: "t", value: 1 }]);
    safety.apply(poll);
    expect(logs.filter((l) => l.includes("not topic safe"))).toHaveLength(2);
  });
});
