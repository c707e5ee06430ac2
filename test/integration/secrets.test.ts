import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { startEmbeddedBroker, type EmbeddedBroker } from "../../src/mqtt/broker.js";
import { startBelimoSimulator, type BelimoSimulator } from "../../src/simulators/belimo/index.js";
import { meter, site, startClimkitSimulator, type ClimkitSimulator } from "../../src/simulators/climkit/index.js";
import { startMyBeNextSimulator, type MyBeNextSimulator } from "../../src/simulators/mybenext/index.js";
import { startVoltawareSimulator, type VoltawareSimulator } from "../../src/simulators/voltaware/index.js";
import { startWiotysSimulator, type WiotysSimulator } from "../../src/simulators/wiotys/index.js";
import { freePort, Recorder, sleep } from "../helpers/mqtt.js";

/**
 * Every vendor in one daemon (the real CLI, logging at trace), with distinctive secrets, through
 * logins, token refreshes, forced 401s, clouds that quote the request (credentials included) back
 * in their 500s, and failing commands; then everything that left the daemon (stdout, stderr,
 * every MQTT message, GET /health, `discover` at debug) is searched for every secret and every
 * token the simulators issued, in the forms they travel in (URL- and form-encoded, JSON-escaped,
 * base64 of user:password).
 */

const CLI = resolve(import.meta.dirname, "../../dist/cli.js");

// Spaces, "!", "&", "#", "+", "/", quotes: their URL-, form- and JSON-encoded forms all differ.
const S = {
  mqttUser: "c2m-bridge",
  mqttPassword: "mqtt pw!Kq7/x&y",
  belimoClientSecret: "belimo-CS!x 41#r",
  belimoPassword: "belimo pw&9#Z!w",
  climkitPassword: 'climkit-pw"q\\9 zT',
  benextPassword: "benext pw!2+/Lm",
  benextApikey: "benext-APIKEY-77f3c0de",
  wiotysClientSecret: "wiotys-CS 8!kRr",
  wiotysPassword: "wiotys pw~5&qXx",
  voltawareClientSecret: "voltaware-CS!3 p&Hh",
  eventsPassword: "events-broker pw!4Gg",
};
const USERS = { belimo: "belimo-user@example.com", climkit: "climkit-user", benext: "benext-user", wiotys: "wiotys-user@example.com" };
const CLIENTS = { belimo: "belimo-client", wiotys: "wiotys-client", voltaware: "voltaware-client" };
const BASE = "c2m";
const SOURCES = ["valves", "metering", "home", "office", "solink", "meter"];

interface Run {
  child: ChildProcess;
  stdout: string;
  stderr: string;
  exited: Promise<number | null>;
}

function cli(args: string[]): Run {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, CLOUD2MQTT_DEBUG_CONFIG: "1" } });
  const run: Run = { child, stdout: "", stderr: "", exited: new Promise((r) => child.once("exit", (code) => r(code))) };
  child.stdout!.on("data", (c) => (run.stdout += String(c)));
  child.stderr!.on("data", (c) => (run.stderr += String(c)));
  return run;
}

/** Every form a secret can take on its way out: as is, URL- and form-encoded, JSON-escaped. */
function forms(secret: string): string[] {
  const all = [secret, encodeURIComponent(secret), new URLSearchParams({ x: secret }).toString().slice(2), JSON.stringify(secret).slice(1, -1)];
  return [...new Set(all)];
}

const base64 = (user: string, password: string): string => Buffer.from(`${user}:${password}`).toString("base64");

interface Json {
  [key: string]: unknown;
}

/** The command topics of a source with a payload each accepts, from the discovery configs. */
function commands(rec: Recorder, source: string): Array<{ topic: string; payload: string }> {
  const found: Array<{ topic: string; payload: string }> = [];
  const visit = (node: unknown): void => {
    if (typeof node !== "object" || node === null) return;
    const o = node as Json;
    if (typeof o.command_topic === "string" && o.command_topic.startsWith(`${BASE}/${source}/`)) {
      const platform = o.platform;
      const payload =
        platform === "switch" ? String(o.payload_on ?? "ON") : platform === "select" ? String((o.options as string[])[0]) : platform === "button" ? String(o.payload_press ?? "PRESS") : String(o.min ?? 1);
      found.push({ topic: o.command_topic, payload });
    }
    for (const value of Object.values(o)) visit(value);
  };
  for (const m of rec.messages) {
    if (m.topic.startsWith("homeassistant/") && m.payload.startsWith("{")) visit(JSON.parse(m.payload));
  }
  return found;
}

describe("no secret leaves the daemon", () => {
  let belimo: BelimoSimulator;
  let climkit: ClimkitSimulator;
  let benext: MyBeNextSimulator;
  let wiotys: WiotysSimulator;
  let voltaware: VoltawareSimulator;
  let broker: EmbeddedBroker;
  let rec: Recorder;
  let dir: string;
  let healthPort: number;
  const captured: Array<{ where: string; text: string }> = [];

  const info = (): Json[] => {
    const last = rec.last(`${BASE}/bridge/info`);
    return last ? ((JSON.parse(last) as Json).sources as Json[]) : [];
  };
  const waitFor = async (what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; sources: ${JSON.stringify(info())}`);
      await sleep(100);
    }
  };
  const health = async (): Promise<string> => {
    const text = await (await fetch(`http://127.0.0.1:${healthPort}/health`)).text();
    captured.push({ where: "GET /health", text });
    return text;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "c2m-secrets-"));
    belimo = await startBelimoSimulator({
      valves: 3,
      actuators: 1,
      unregistered: 0,
      clientId: CLIENTS.belimo,
      clientSecret: S.belimoClientSecret,
      username: USERS.belimo,
      password: S.belimoPassword,
      accessTokenLifetimeS: 3,
      deviceDataRate: 100,
      deviceDataBurst: 50,
      jobDelayMs: 200,
    });
    climkit = await startClimkitSimulator({
      username: USERS.climkit,
      password: S.climkitPassword,
      sites: [site("64c3a0000000000000000001", "Les Vergers", [meter("64c3a00000000000000000a1", "electricity", "Flat A")])],
      periodMs: 1_000,
      tokenLifetimeMs: 6_000,
      rateLimitMs: 0,
    });
    benext = await startMyBeNextSimulator({ username: USERS.benext, password: S.benextPassword, apikey: S.benextApikey, timeScale: 60 });
    wiotys = await startWiotysSimulator({
      clientId: CLIENTS.wiotys,
      clientSecret: S.wiotysClientSecret,
      username: USERS.wiotys,
      password: S.wiotysPassword,
      accessTokenLifetime: 3,
    });
    voltaware = await startVoltawareSimulator({
      clientId: CLIENTS.voltaware,
      clientSecret: S.voltawareClientSecret,
      tokenLifetimeSecs: 3,
      broker: { username: "events-user", password: S.eventsPassword, topic: "smartmeter/{{meter}}/events" },
    });
    const brokerPort = await freePort();
    broker = await startEmbeddedBroker({ host: "127.0.0.1", port: brokerPort, username: S.mqttUser, password: S.mqttPassword });
    const mqttUrl = `mqtt://${S.mqttUser}:${encodeURIComponent(S.mqttPassword)}@127.0.0.1:${brokerPort}`;
    rec = await Recorder.start(mqttUrl);
    healthPort = await freePort();
    const config = (level: string): string =>
      stringify({
        mqtt: { url: mqttUrl, base_topic: BASE, client_id: `c2m_secrets_${level}` },
        health: { port: healthPort },
        log_level: level,
        data_dir: join(dir, `data-${level}`),
        sources: [
          {
            id: "valves",
            type: "belimo",
            base_url: belimo.url,
            token_url: belimo.tokenUrl,
            client_id: CLIENTS.belimo,
            client_secret: S.belimoClientSecret,
            username: USERS.belimo,
            password: S.belimoPassword,
            interval: "1s",
            requests_per_second: 50,
            job_poll_interval: "200ms",
            job_timeout: "3s",
          },
          { id: "metering", type: "climkit", base_url: climkit.apiUrl, username: USERS.climkit, password: S.climkitPassword, interval: "1s", backfill: "30s", sensors: false },
          { id: "home", type: "mybenext", base_url: benext.url, username: USERS.benext, password: S.benextPassword, interval: "1s" },
          { id: "office", type: "mybenext", base_url: benext.url, apikey: S.benextApikey, interval: "1s" },
          {
            id: "solink",
            type: "wiotys",
            base_url: wiotys.url,
            keycloak_url: wiotys.url,
            realm: wiotys.realm,
            corporate_account: "SoLink",
            client_id: CLIENTS.wiotys,
            client_secret: S.wiotysClientSecret,
            username: USERS.wiotys,
            password: S.wiotysPassword,
            interval: "1s",
            requests_per_second: 50,
          },
          {
            id: "meter",
            type: "voltaware",
            base_url: voltaware.url,
            client_id: CLIENTS.voltaware,
            client_secret: S.voltawareClientSecret,
            interval: "1s",
            rate_limit: 50,
            events: {
              url: voltaware.broker!.url,
              username: "events-user",
              password: S.eventsPassword,
              topic: "smartmeter/{{meter}}/events",
              meters: [{ id: "2001", values: [{ name: "power", topic: "p1/power" }] }],
            },
          },
        ],
      });
    writeFileSync(join(dir, "trace.yaml"), config("trace"), { mode: 0o600 });
    writeFileSync(join(dir, "debug.yaml"), config("debug"), { mode: 0o600 });
  }, 60_000);

  afterAll(async () => {
    await rec?.close();
    await broker?.close();
    await Promise.all([belimo?.close(), climkit?.close(), benext?.close(), wiotys?.close(), voltaware?.close()]);
  });

  it("in logs at trace, MQTT, /health, discover and error texts, through logins, refreshes, 401s, echoing 500s and failing commands", async () => {
    const daemon = cli(["run", "--config", join(dir, "trace.yaml")]);
    // discover at debug, beside the daemon: once against healthy clouds, once against echoing ones.
    const working = cli(["discover", "--config", join(dir, "debug.yaml")]);
    let failing: Run | undefined;
    try {
      // Logins, first polls and the events broker.
      await waitFor("every source online", () => SOURCES.every((id) => info().some((s) => s.id === id && s.state === "online")), 45_000);
      await rec.publish("p1/power", "1234");
      await waitFor("an event at Voltaware's broker", () => (voltaware.broker?.events.length ?? 0) > 0, 10_000);
      // Token refreshes (3 s tokens) and new logins where the vendor has no refresh (Climkit).
      await waitFor(
        "token renewals",
        () => belimo.tokenCounters().refreshes > 0 && voltaware.tokenStats.refreshes > 0 && wiotys.issuedTokens().length > 2 && climkit.tokensIssued > 1,
        20_000,
      );
      // A forced 401 at every cloud: the daemon logs in again.
      const before = { belimo: belimo.tokenCounters().logins, climkit: climkit.tokensIssued };
      belimo.faults.unauthorizedNext = 1;
      climkit.faults.unauthorizedNext = 1;
      benext.faults.unauthorizedNext = 2;
      wiotys.faults.unauthorizedNext = 1;
      voltaware.faults.unauthorizedNext = 1;
      await waitFor("401s answered", () => belimo.faults.unauthorizedNext + climkit.faults.unauthorizedNext + benext.faults.unauthorizedNext + wiotys.faults.unauthorizedNext + voltaware.faults.unauthorizedNext === 0, 10_000);
      await waitFor("new logins after the 401s", () => belimo.tokenCounters().logins + belimo.tokenCounters().refreshes > before.belimo && climkit.tokensIssued > before.climkit, 10_000);
      expect(JSON.parse(await health())).toMatchObject({ status: "ok" });
      expect(await working.exited).toBe(0);
      // Clouds that quote the request back in a 500: API calls (Bearer, Basic, Apikey) and, as
      // the 3 s tokens run out, token requests (passwords and client secrets in their bodies).
      const writes = ["valves", "home", "office"].map((id) => commands(rec, id)[0]);
      for (const [i, w] of writes.entries()) expect(w, `a writable entity of ${["valves", "home", "office"][i]}`).toBeDefined();
      // Climkit's API calls first, its logins not yet: a Bearer token quoted back, whenever the
      // token runs out (once every cloud echoes, a loaded machine can see only token requests fail).
      climkit.faults.only = "meter_data";
      climkit.faults.echo = true;
      await waitFor("Climkit's echoed API call in the log", () => /authorization: Bearer \*\*\*/.test(daemon.stdout), 30_000);
      climkit.faults.only = null;
      for (const sim of [belimo, climkit, benext, wiotys, voltaware]) sim.faults.echo = true;
      const echoing = Date.now();
      failing = cli(["discover", "--config", join(dir, "debug.yaml")]);
      await waitFor("every source failing with the echoed 500", () => SOURCES.every((id) => info().some((s) => s.id === id && typeof s.last_error === "string" && s.last_error.includes("500"))), 20_000);
      for (const w of writes) await rec.publish(w!.topic, w!.payload);
      for (const w of writes) {
        const result = JSON.parse((await rec.waitFor(`${w!.topic}/result`, () => true, 15_000, echoing)).payload) as Json;
        expect(result).toMatchObject({ ok: false, error: expect.stringContaining("500") });
      }
      await waitFor("token requests answered by the echo", () => Date.now() - echoing > 4_000, 10_000);
      await waitFor("every source offline", () => SOURCES.every((id) => info().some((s) => s.id === id && s.state === "offline")), 20_000);
      const during = JSON.parse(await health()) as Json;
      expect((during.sources as Json[]).every((s) => typeof s.last_error === "string")).toBe(true);
      // The echoed texts did reach the error messages, with the secrets in them scrubbed.
      expect(JSON.stringify(info())).toContain("***");
      expect(await failing.exited).toBe(1);
    } finally {
      daemon.child.kill("SIGTERM");
      await daemon.exited;
      captured.push({ where: "run: stdout (trace)", text: daemon.stdout }, { where: "run: stderr", text: daemon.stderr });
    }
    expect(daemon.stdout).toContain("access rejected (401)");
    expect(working.stdout).toContain("# source valves");
    captured.push(
      { where: "discover (echoing): stdout", text: failing?.stdout ?? "" },
      { where: "discover (echoing): stderr", text: failing?.stderr ?? "" },
      { where: "discover: stdout", text: working.stdout },
      { where: "discover: stderr", text: working.stderr },
    );
    for (const m of rec.messages) captured.push({ where: `MQTT ${m.topic}`, text: `${m.topic} ${m.payload}` });

    const tokens = [...climkit.issuedTokens(), ...belimo.issuedTokens(), ...wiotys.issuedTokens(), ...voltaware.issuedTokens()];
    expect(tokens.length).toBeGreaterThan(10);
    const needles = new Map<string, string>();
    for (const [name, secret] of Object.entries(S)) {
      if (name === "mqttUser") continue;
      for (const form of forms(secret)) needles.set(form, name);
    }
    needles.set(base64(USERS.benext, S.benextPassword), "Basic user:password");
    needles.set(base64(S.mqttUser, S.mqttPassword), "MQTT user:password in base64");
    needles.set(base64(CLIENTS.belimo, S.belimoClientSecret), "Belimo client in base64");
    needles.set(base64(CLIENTS.wiotys, S.wiotysClientSecret), "Wiotys client in base64");
    for (const token of tokens) for (const form of forms(token)) needles.set(form, `issued token ${token.slice(0, 6)}…`);

    const leaks: string[] = [];
    for (const { where, text } of captured) {
      for (const [needle, name] of needles) {
        const at = text.indexOf(needle);
        if (at >= 0) leaks.push(`${name} in ${where}: …${text.slice(Math.max(0, at - 60), at + needle.length + 20)}…`);
      }
    }
    expect(leaks).toEqual([]);
    // The search is not vacuous: the logs hold the echoed error texts, the secrets in them replaced.
    expect(daemon.stdout).toMatch(/authorization: Bearer \*\*\*/);
    expect(daemon.stdout).toMatch(/authorization: Basic \*\*\*/);
  }, 150_000);
});
