import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bridgeDefinitions, findBridge } from "../../src/bridges/registry.js";
import { vendorDefaults } from "../../src/config/vendors.js";
import {
  checkConfigFile,
  ConfigError,
  defaultClientId,
  formatProblem,
  loadConfig,
  parseConfig,
  type ConfigProblem,
} from "../../src/app-config.js";

/** The supported types as messages list them. */
const SUPPORTED = bridgeDefinitions.map((b) => b.type).join(", ");

const MINIMAL = ["sources:", "  - id: home", "    type: mybenext", "    username: u", "    password: p", ""].join("\n");

function problems(text: string, env: NodeJS.ProcessEnv = {}, origin?: string): string[] {
  const result = parseConfig(text, env, origin);
  expect(result.config).toBeUndefined();
  return result.errors.map((e) => `${e.path}: ${e.message}`);
}

function withSource(lines: string[]): string {
  return ["sources:", "  - id: home", "    type: mybenext", ...lines.map((l) => `    ${l}`), ""].join("\n");
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "cloud2mqtt-config-"));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("defaults", () => {
  it("fills every default of a minimal file", () => {
    const { config, errors, warnings } = parseConfig(MINIMAL, {}, "/etc/cloud2mqtt/config.yaml");
    expect(errors).toEqual([]);
    expect(warnings).toEqual([]);
    expect(config).toEqual({
      mqtt: { base_topic: "cloud2mqtt", client_id: defaultClientId(), keepalive: 60 },
      broker: { host: "127.0.0.1", port: 1883, allow_anonymous: false },
      homeassistant: { enabled: true, discovery_prefix: "homeassistant", status_topic: "homeassistant/status" },
      health: { enabled: true, host: "127.0.0.1", port: 8099 },
      data_dir: "/etc/cloud2mqtt/data",
      log_level: "info",
      sources: [
        {
          ...vendorDefaults(findBridge("mybenext")!),
          id: "home",
          type: "mybenext",
          enabled: true,
          interval: findBridge("mybenext")?.defaultInterval,
          timeout: 15_000,
          max_retry_after: 3_600_000,
          username: "u",
          password: "p",
        },
      ],
    });
  });

  it("makes the client id from the host name with only safe characters", () => {
    expect(defaultClientId("pi.local")).toBe("cloud2mqtt_pi_local");
  });

  it("keeps what the file says, converts durations to ms, resolves paths against the file's folder", () => {
    writeFileSync(join(dir, "ca.pem"), "x");
    const text = [
      "mqtt:",
      "  url: mqtts://broker:8883",
      "  client_id: mine",
      "  tls: { ca: ca.pem, reject_unauthorized: false }",
      "data_dir: /var/lib/c2m",
      "log_level: debug",
      "sources:",
      "  - id: home",
      "    type: mybenext",
      "    apikey: k",
      "    interval: 1h30m",
      "    timeout: 2.5",
      "    enabled: false",
      "    page_size: 10",
      "    include: ['heat*']",
      "",
    ].join("\n");
    const { config, errors } = parseConfig(text, {}, join(dir, "config.yaml"));
    expect(errors).toEqual([]);
    expect(config?.mqtt).toEqual({
      url: "mqtts://broker:8883",
      client_id: "mine",
      base_topic: "cloud2mqtt",
      keepalive: 60,
      tls: { ca: join(dir, "ca.pem"), reject_unauthorized: false },
    });
    expect(config?.data_dir).toBe("/var/lib/c2m");
    expect(config?.log_level).toBe("debug");
    expect(config?.sources[0]).toMatchObject({ interval: 5_400_000, timeout: 2_500, enabled: false, page_size: 10, include: ["heat*"] });
  });

  it("takes a section whose keys are all commented out as all defaults", () => {
    const { config, errors } = parseConfig(MINIMAL + "mqtt:\n  # url: mqtt://b\nbroker:\nhealth:\nhomeassistant:\n", {});
    expect(errors).toEqual([]);
    expect(config?.broker).toEqual({ host: "127.0.0.1", port: 1883, allow_anonymous: false });
  });

  it("resolves data_dir against the working folder without an origin", () => {
    expect(parseConfig(MINIMAL, {}).config?.data_dir).toBe(join(process.cwd(), "data"));
  });

  it("accepts YAML anchors and merge keys for shared source settings", () => {
    const text = [
      "x-common: &common { type: mybenext, username: u, password: p }",
      "sources:",
      "  - { <<: *common, id: a }",
      "  - { <<: *common, id: b }",
    ].join("\n");
    // Unknown top-level keys are still refused: anchors belong inside known keys.
    expect(problems(text)).toEqual(['x-common: unknown key']);
    const ok = parseConfig(["sources:", "  - &a { type: mybenext, username: u, password: p, id: a }", "  - { <<: *a, id: b }"].join("\n"), {});
    expect(ok.errors).toEqual([]);
    expect(ok.config?.sources.map((s) => [s.id, s.username])).toEqual([["a", "u"], ["b", "u"]]);
  });
});

describe("error messages", () => {
  it("unknown key, with a suggestion when close", () => {
    expect(problems(withSource(["username: u", "password: p", "foo: 1"]))).toEqual(["sources[0].foo: unknown key"]);
    expect(problems(withSource(["usrname: u", "password: p", "apikey: k"]))).toEqual([
      'sources[0].usrname: unknown key (did you mean "username"?)',
    ]);
    expect(problems(MINIMAL + "mqtt: { passwrd: x }\n")).toEqual(['mqtt.passwrd: unknown key (did you mean "password"?)']);
    expect(problems(MINIMAL + "loglevel: info\n")).toEqual(['loglevel: unknown key (did you mean "log_level"?)']);
  });

  it("unknown type lists the supported ones", () => {
    expect(problems(["sources:", "  - id: a", "    type: mybenxt", "    foo: 1"].join("\n"))).toEqual([
      `sources[0].type: must be one of ${SUPPORTED} (got "mybenxt"); did you mean "mybenext"?`,
    ]);
    expect(problems(["sources:", "  - id: a", "    type: 42"].join("\n"))).toEqual([`sources[0].type: must be one of ${SUPPORTED} (got "42")`]);
  });

  it("missing type and id", () => {
    expect(problems(["sources:", "  - username: u"].join("\n"))).toEqual([
      "sources[0].id: is required",
      `sources[0].type: is required (one of: ${SUPPORTED})`,
    ]);
  });

  it("vendor alternatives in one sentence, without the branch noise", () => {
    expect(problems(withSource([]))).toEqual(["sources[0]: needs either username and password, or apikey"]);
    expect(problems(withSource(["username: u"]))).toEqual(["sources[0]: needs either username and password, or apikey"]);
  });

  it("duplicate source ids", () => {
    const text = ["sources:", ...["home", "other", "home", "home"].map((id) => `  - { id: ${id}, type: mybenext, apikey: k }`)].join("\n");
    expect(problems(text)).toEqual([
      'sources[2].id: "home" is used 3 times (first at sources[0]); ids must be unique',
      'sources[3].id: "home" is used 3 times (first at sources[0]); ids must be unique',
    ]);
    expect(problems(["sources:", "  - { id: a, type: mybenext, apikey: k }", "  - { id: a, type: mybenext, apikey: k }"].join("\n"))).toEqual([
      'sources[1].id: "a" is used twice (first at sources[0]); ids must be unique',
    ]);
  });

  it("source id characters", () => {
    expect(problems(withSource(["apikey: k"]).replace("id: home", "id: My Home"))).toEqual([
      'sources[0].id: must contain only a-z, 0-9, _ and - (got "My Home")',
    ]);
  });

  it("durations", () => {
    expect(problems(withSource(["apikey: k", "interval: 5 minutes"]))).toEqual([
      'sources[0].interval: must be a duration like "500ms", "30s", "5m", "1h30m", "1d" or a number of seconds (got "5 minutes")',
    ]);
    expect(problems(withSource(["apikey: k", "interval: 500ms"]))).toEqual(['sources[0].interval: must be at least 1s (got "500ms")']);
    expect(problems(withSource(["apikey: k", "interval: 0.5"]))).toEqual(["sources[0].interval: must be at least 1s (got 0.5)"]);
    expect(problems(withSource(["apikey: k", "timeout: 0"]))).toEqual(["sources[0].timeout: must be more than 0 (got 0)"]);
    expect(problems(withSource(["apikey: k", "interval: 30m1h"]))).toEqual([
      'sources[0].interval: must be a duration like "500ms", "30s", "5m", "1h30m", "1d" or a number of seconds (got "30m1h")',
    ]);
  });

  it("URLs", () => {
    expect(problems(MINIMAL + "mqtt: { url: http://broker }\n")).toEqual([
      'mqtt.url: must be a URL starting with mqtt://, mqtts://, ws:// or wss:// (got "http://broker")',
    ]);
    expect(problems(MINIMAL + "mqtt: { url: 'mqtt://' }\n")).toHaveLength(1);
    expect(problems(withSource(["apikey: k", "base_url: ftp://api"]))).toEqual([
      'sources[0].base_url: must be an http:// or https:// URL (got "ftp://api")',
    ]);
    expect(problems(withSource(["apikey: k", "base_url: 'https://'"]))).toEqual([
      'sources[0].base_url: must be an http:// or https:// URL (got "https://")',
    ]);
  });

  it("topics", () => {
    for (const topic of ["/c2m", "c2m/", "c2m/+", "a#", "a//b"]) {
      expect(problems(MINIMAL + `mqtt: { base_topic: "${topic}" }\n`)).toEqual([
        `mqtt.base_topic: must be an MQTT topic without + or #, empty levels, or a leading or trailing / (got "${topic}")`,
      ]);
    }
    expect(parseConfig(MINIMAL + "mqtt: { base_topic: home/c2m }\n", {}).errors).toEqual([]);
  });

  it("types, enums and ranges", () => {
    expect(
      problems(
        MINIMAL +
          ["mqtt: { keepalive: soon }", "broker: { port: 70000 }", "homeassistant: { enabled: maybe }", "log_level: loud", "health: []"].join("\n"),
      ),
    ).toEqual([
      'mqtt.keepalive: must be a whole number (got "soon")',
      "broker.port: must be at most 65535 (got 70000)",
      'homeassistant.enabled: must be true or false (got "maybe")',
      'log_level: must be one of fatal, error, warn, info, debug, trace, silent (got "loud")',
      "health: must be a mapping of keys (got a list)",
    ]);
  });

  it("empty values and lists", () => {
    expect(problems(withSource(["username: ''", "password: p"]))).toEqual(["sources[0].username: must not be empty"]);
    expect(problems(withSource(["apikey: k", "include: heat*"]))).toEqual(['sources[0].include: must be a list (got "heat*")']);
    expect(problems(withSource(["apikey: k", "accounts: [1, 1]"]))).toEqual([
      "sources[0].accounts: must not repeat a value (entries 0 and 1 are the same)",
    ]);
    expect(problems("sources: []\n")).toEqual(["sources: must have at least 1 entry"]);
    expect(problems("")).toEqual(["sources: is required"]);
    expect(problems("sources:\n")).toEqual(["sources: must be a list (got an empty value)"]);
    expect(problems("sources:\n  - home\n")).toEqual(['sources[0]: must be a mapping of keys (got "home")']);
    expect(problems("- a\n")).toEqual([": the file must be a mapping of keys (got a list)"]);
  });

  it("never prints a secret's value", () => {
    const messages = problems(withSource(["apikey: [topsecret]"]));
    expect(messages).toEqual(["sources[0].apikey: must be a string (got a list)"]);
    const hidden = problems(MINIMAL + "mqtt: { password: {a: b} }\n");
    expect(hidden.join()).not.toContain("topsecret");
  });

  it("TLS files must be readable", () => {
    writeFileSync(join(dir, "client.pem"), "x");
    mkdirSync(join(dir, "folder"), { recursive: true });
    const text = MINIMAL + "mqtt:\n  url: mqtts://b\n  tls: { ca: /x/ca.pem, cert: client.pem, key: folder }\n";
    expect(problems(text, {}, join(dir, "config.yaml"))).toEqual([
      "mqtt.tls.ca: file not readable: /x/ca.pem",
      `mqtt.tls.key: file not readable: ${join(dir, "folder")}`,
    ]);
    expect(problems(MINIMAL + "mqtt:\n  url: mqtts://b\n  tls: { cert: client.pem }\n", {}, join(dir, "config.yaml"))).toEqual([
      "mqtt.tls.key: is required with a client certificate (cert and key go together)",
    ]);
  });

  it("YAML syntax errors with line and column", () => {
    expect(problems("sources:\n  - id: a\n   type: [mybenext\n")[0]).toMatch(/^: YAML syntax error at line \d+:\d+: /);
    expect(problems("mqtt: {}\nmqtt: {}\nsources: []\n")).toEqual([
      ": YAML syntax error at line 2:1: Map keys must be unique",
    ]);
  });

  it("reports every problem at once, in file order, with lines, without duplicates", () => {
    const text = [
      "mqtt:", //                      1
      "  url: http://x", //            2
      "  base_topic: /a/", //          3
      "  keepalive: -1", //            4
      "  passwrd: x", //               5
      "log_level: loud", //            6
      "sources:", //                   7
      "  - id: Home", //               8
      "    type: mybenext", //         9
      "    interval: 5 minutes", //    10
      "    usrname: x", //             11
      "  - id: b", //                  12
      "    type: mybenxt", //          13
      "  - id: b", //                  14
      "    type: zigbee", //           15
      "  - id: c", //                  16
      "    type: mybenext", //         17
      "    apikey: ${APIKEY}", //      18
      "    timeout: 0", //             19
      "",
    ].join("\n");
    const result = parseConfig(text, {});
    const expected: ConfigProblem[] = [
      { path: "mqtt.url", message: 'must be a URL starting with mqtt://, mqtts://, ws:// or wss:// (got "http://x")', line: 2 },
      {
        path: "mqtt.base_topic",
        message: 'must be an MQTT topic without + or #, empty levels, or a leading or trailing / (got "/a/")',
        line: 3,
      },
      { path: "mqtt.keepalive", message: "must be at least 0 (got -1)", line: 4 },
      { path: "mqtt.passwrd", message: 'unknown key (did you mean "password"?)', line: 5 },
      { path: "log_level", message: 'must be one of fatal, error, warn, info, debug, trace, silent (got "loud")', line: 6 },
      { path: "sources[0]", message: "needs either username and password, or apikey", line: 8 },
      { path: "sources[0].id", message: 'must contain only a-z, 0-9, _ and - (got "Home")', line: 8 },
      {
        path: "sources[0].interval",
        message: 'must be a duration like "500ms", "30s", "5m", "1h30m", "1d" or a number of seconds (got "5 minutes")',
        line: 10,
      },
      { path: "sources[0].usrname", message: 'unknown key (did you mean "username"?)', line: 11 },
      { path: "sources[1].type", message: `must be one of ${SUPPORTED} (got "mybenxt"); did you mean "mybenext"?`, line: 13 },
      { path: "sources[2].id", message: '"b" is used twice (first at sources[1]); ids must be unique', line: 14 },
      { path: "sources[2].type", message: `must be one of ${SUPPORTED} (got "zigbee")`, line: 15 },
      { path: "sources[3].apikey", message: "environment variable APIKEY is not set", line: 18 },
      { path: "sources[3].timeout", message: "must be more than 0 (got 0)", line: 19 },
    ];
    expect(result.errors).toEqual(expected);
  });
});

describe("files", () => {
  it("loadConfig returns the config", async () => {
    const file = join(dir, "ok.yaml");
    writeFileSync(file, withSource(["username: ${U}", "password: ${P}"]), { mode: 0o644 });
    const config = await loadConfig(file, { U: "u", P: "p" }, { onWarning: () => expect.fail("no warning expected") });
    expect(config.sources[0].username).toBe("u");
  });

  it("loadConfig throws a ConfigError listing every problem", async () => {
    const file = join(dir, "bad.yaml");
    writeFileSync(file, withSource(["interval: 0", "foo: 1"]));
    const error = await loadConfig(file, {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    const configError = error as ConfigError;
    expect(configError.problems).toHaveLength(3);
    expect(configError.message).toBe(
      [
        `Invalid configuration in ${file} (3 problems):`,
        "  - sources[0]: needs either username and password, or apikey (line 2)",
        "  - sources[0].interval: must be at least 1s (got 0) (line 4)",
        "  - sources[0].foo: unknown key (line 5)",
      ].join("\n"),
    );
  });

  it("a missing file is one clear problem", async () => {
    const result = await checkConfigFile(join(dir, "nope.yaml"), {});
    expect(result.errors.map(formatProblem)).toEqual([`cannot read config file ${join(dir, "nope.yaml")}: no such file`]);
    await expect(loadConfig(join(dir, "nope.yaml"), {})).rejects.toThrow(/no such file/);
  });

  it.skipIf(process.platform === "win32")("warns when a file others can read holds secrets", async () => {
    const file = join(dir, "secret.yaml");
    writeFileSync(file, withSource(["username: u", "password: hunter2"]) + "mqtt:\n  url: mqtt://b\n  password: ${MQTT_PASSWORD}\n");
    chmodSync(file, 0o644);
    const open = await checkConfigFile(file, { MQTT_PASSWORD: "x" });
    expect(open.errors).toEqual([]);
    expect(open.warnings).toHaveLength(1);
    expect(open.warnings[0]).toContain("readable by other users and contains secrets (sources[0].password)");
    expect(open.warnings[0]).not.toContain("hunter2");
    const seen: string[] = [];
    await loadConfig(file, { MQTT_PASSWORD: "x" }, { onWarning: (w) => seen.push(w) });
    expect(seen).toEqual(open.warnings);

    chmodSync(file, 0o600);
    expect((await checkConfigFile(file, { MQTT_PASSWORD: "x" })).warnings).toEqual([]);
  });

  it.skipIf(process.platform === "win32")("does not warn when every secret comes from the environment", async () => {
    const file = join(dir, "env.yaml");
    writeFileSync(file, withSource(["apikey: ${KEY}"]));
    chmodSync(file, 0o644);
    expect((await checkConfigFile(file, { KEY: "k" })).warnings).toEqual([]);
  });

  it("warns about MQTT settings without effect", () => {
    expect(parseConfig(MINIMAL + "mqtt: { username: u }\n", {}).warnings).toEqual([
      "mqtt.username, mqtt.password and mqtt.tls have no effect without mqtt.url (the embedded broker is used; see broker)",
    ]);
    expect(parseConfig(MINIMAL + "mqtt: { url: mqtt://b, tls: { reject_unauthorized: false } }\n", {}).warnings).toEqual([
      "mqtt.tls is used only with mqtts:// or wss:// URLs; it has no effect with mqtt://",
    ]);
  });

  it("warns about source ids whose Home Assistant ids can meet, and accepts them", () => {
    const two = (second: string): string =>
      MINIMAL + ["  - id: " + second, "    type: mybenext", "    username: u", "    password: p", ""].join("\n");
    const meeting = parseConfig(two("home_x"), {});
    expect(meeting.errors).toEqual([]);
    expect(meeting.config?.sources.map((s) => s.id)).toEqual(["home", "home_x"]);
    expect(meeting.warnings).toEqual([
      'sources[1].id: "home_x" begins with "home_" (the id at sources[0]); Home Assistant ids join source and device with "_", so their devices can meet: prefer "home-x"',
    ]);
    expect(parseConfig(two("home-x"), {}).warnings).toEqual([]);
    expect(parseConfig(two("homex"), {}).warnings).toEqual([]);
  });
});

describe("the embedded broker off loopback", () => {
  const broker = (lines: string) => MINIMAL + `broker:\n${lines}\n`;
  const exposed =
    "broker.host: the embedded broker would listen on 0.0.0.0, reachable from other hosts, and let anyone in: every reading and every command would be open to them; " +
    "set broker.username and broker.password, or broker.host: 127.0.0.1, or broker.allow_anonymous: true if anonymous clients are really wanted";

  it("refuses a host other than loopback without username and password, naming broker.host", () => {
    expect(problems(broker("  host: 0.0.0.0"))).toEqual([exposed]);
    expect(problems(broker("  host: 192.0.2.10\n  allow_anonymous: false"))).toEqual([exposed.replace("0.0.0.0", "192.0.2.10")]);
    expect(problems(broker('  host: "::"'))).toEqual([exposed.replace("0.0.0.0", "::")]);
  });

  it("takes loopback hosts, a login, allow_anonymous: true said explicitly, or mqtt.url (no embedded broker)", () => {
    for (const lines of ["  host: 127.0.0.1", "  host: 127.0.0.53", '  host: "::1"', "  host: localhost", "  host: 0.0.0.0\n  username: ha\n  password: s3cret", "  host: 0.0.0.0\n  allow_anonymous: true"]) {
      expect(parseConfig(broker(lines), {}).errors, lines).toEqual([]);
    }
    expect(parseConfig(MINIMAL + "mqtt: { url: mqtt://192.0.2.1 }\nbroker: { host: 0.0.0.0 }\n", {}).errors).toEqual([]);
    expect(parseConfig(broker("  host: 0.0.0.0\n  allow_anonymous: true"), {}).config?.broker.allow_anonymous).toBe(true);
  });

  it("refuses half a login, which would let anyone in or take an empty password", () => {
    expect(problems(broker("  password: s3cret"))).toEqual(["broker.username: is required with broker.password (without it the embedded broker lets anyone in)"]);
    expect(problems(broker("  username: ha"))).toEqual(["broker.password: is required with broker.username (clients would log in with an empty password)"]);
    // A missing variable is named once, as such.
    expect(problems(broker("  username: ha\n  password: ${BROKER_PW}"))).toEqual([expect.stringMatching(/^broker\.password: .*BROKER_PW/)]);
  });
});
