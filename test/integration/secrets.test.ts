import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { startEmbeddedBroker, type EmbeddedBroker } from "../../src/mqtt/broker.js";
import { freePort, Recorder, sleep } from "../helpers/mqtt.js";
import { VENDOR_TABLE, type SecretsRun } from "../helpers/vendors.js";

/**
 * Every vendor in one daemon (the real CLI, logging at trace), with distinctive secrets, through
 * logins, token refreshes, forced 401s, clouds that quote the request (credentials included) back
 * in their 500s, and failing commands; then everything that left the daemon (stdout, stderr,
 * every MQTT message, GET /health, `discover` at debug) is searched for every secret and every
 * token the simulators issued, in the forms they travel in (URL- and form-encoded, JSON-escaped,
 * base64 of user:password).
 */

const CLI = resolve(import.meta.dirname, "../../dist/cli.js");

// Spaces, "!", "&", "#", "+", "/": their URL-, form- and JSON-encoded forms all differ. Each
// vendor's secrets are in test/helpers/vendors/secrets.ts.
const S = {
  mqttUser: "c2m-bridge",
  mqttPassword: "mqtt pw!Kq7/x&y",
};
const BASE = "c2m";

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
  const clouds: SecretsRun[] = [];
  let sources: string[] = [];
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
    for (const v of VENDOR_TABLE) clouds.push(await v.secrets());
    sources = clouds.flatMap((c) => c.sources().map((s) => s.id as string));
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
        sources: clouds.flatMap((c) => c.sources()),
      });
    writeFileSync(join(dir, "trace.yaml"), config("trace"), { mode: 0o600 });
    writeFileSync(join(dir, "debug.yaml"), config("debug"), { mode: 0o600 });
  }, 60_000);

  afterAll(async () => {
    await rec?.close();
    await broker?.close();
    await Promise.all(clouds.map((c) => c.sim.close()));
  });

  it("in logs at trace, MQTT, /health, discover and error texts, through logins, refreshes, 401s, echoing 500s and failing commands", async () => {
    const daemon = cli(["run", "--config", join(dir, "trace.yaml")]);
    // discover at debug, beside the daemon: once against healthy clouds, once against echoing ones.
    const working = cli(["discover", "--config", join(dir, "debug.yaml")]);
    let failing: Run | undefined;
    try {
      // Logins, first polls and the events broker.
      await waitFor("every source online", () => sources.every((id) => info().some((s) => s.id === id && s.state === "online")), 45_000);
      for (const { online } of clouds) {
        if (!online) continue;
        await rec.publish(online.topic, online.payload);
        await waitFor(online.what, () => online.received(), 10_000);
      }
      // Token refreshes (3 s tokens) and new logins where the vendor has no refresh (Climkit).
      await waitFor("token renewals", () => clouds.every((c) => c.renewed()), 20_000);
      // A forced 401 at every cloud: the daemon logs in again.
      const before = clouds.map((c) => c.renewals?.());
      for (const c of clouds) c.sim.faults.unauthorizedNext = c.unauthorized;
      await waitFor("401s answered", () => clouds.every((c) => c.sim.faults.unauthorizedNext === 0), 10_000);
      await waitFor("new logins after the 401s", () => clouds.every((c, i) => c.renewals === undefined || c.renewals() > before[i]!), 10_000);
      expect(JSON.parse(await health())).toMatchObject({ status: "ok" });
      expect(await working.exited).toBe(0);
      // Clouds that quote the request back in a 500: API calls (Bearer, Basic, Apikey) and, as
      // the 3 s tokens run out, token requests (passwords and client secrets in their bodies).
      const writable = clouds.flatMap((c) => c.writable);
      expect(writable.length).toBeGreaterThan(0);
      const writes = writable.map((id) => commands(rec, id)[0]);
      for (const [i, w] of writes.entries()) expect(w, `a writable entity of ${writable[i]}`).toBeDefined();
      // Where a vendor asks for it, its cloud alone echoes first (Climkit: its API calls, see there).
      for (const { echoFirst } of clouds) {
        if (!echoFirst) continue;
        echoFirst.apply();
        await waitFor(echoFirst.what, () => echoFirst.logged.test(daemon.stdout), 30_000);
        echoFirst.undo();
      }
      for (const c of clouds) c.sim.faults.echo = true;
      const echoing = Date.now();
      failing = cli(["discover", "--config", join(dir, "debug.yaml")]);
      await waitFor("every source failing with the echoed 500", () => sources.every((id) => info().some((s) => s.id === id && typeof s.last_error === "string" && s.last_error.includes("500"))), 20_000);
      for (const w of writes) await rec.publish(w!.topic, w!.payload);
      for (const w of writes) {
        const result = JSON.parse((await rec.waitFor(`${w!.topic}/result`, () => true, 15_000, echoing)).payload) as Json;
        expect(result).toMatchObject({ ok: false, error: expect.stringContaining("500") });
      }
      await waitFor("token requests answered by the echo", () => Date.now() - echoing > 4_000, 10_000);
      await waitFor("every source offline", () => sources.every((id) => info().some((s) => s.id === id && s.state === "offline")), 20_000);
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

    const tokens = clouds.flatMap((c) => c.issuedTokens());
    expect(tokens.length).toBeGreaterThan(10);
    const needles = new Map<string, string>();
    for (const [name, secret] of [...Object.entries(S), ...clouds.flatMap((c) => Object.entries(c.secrets))]) {
      if (name === "mqttUser") continue;
      for (const form of forms(secret)) needles.set(form, name);
    }
    needles.set(base64(S.mqttUser, S.mqttPassword), "MQTT user:password in base64");
    for (const b of clouds.flatMap((c) => c.basic)) needles.set(base64(b.user, b.password), b.name);
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
