/**
 * A broker that refuses our login for a while after we were connected: Home Assistant's
 * Mosquitto add-on refuses logins while Home Assistant restarts. mqtt.js gives up after one
 * refused CONNACK unless told otherwise; the daemon must keep retrying with its backoff, say why
 * once, and be back as soon as the broker accepts.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, afterAll, describe, expect, it } from "vitest";
import { startMyBeNextSimulator, type MyBeNextSimulator } from "../../src/simulators/mybenext/index.js";
import { startTestDaemon, type TestDaemon } from "../helpers/daemon.js";
import { startFaultyBroker, type FaultyBroker } from "../helpers/faulty-broker.js";
import { freePort, MOSQUITTO, Recorder, sleep } from "../helpers/mqtt.js";

const PASSWD = ["/usr/bin/mosquitto_passwd", "/usr/local/bin/mosquitto_passwd"].find((p) => existsSync(p));
/** In CI a missing Mosquitto fails these tests instead of skipping them. */
const REQUIRED = process.env.CI === "true";

async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timeout waiting for ${what}`);
    await sleep(100);
  }
}

async function healthStatus(port: number): Promise<number> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/health`)).status;
  } catch {
    return 0;
  }
}

interface LogLine {
  level: number | string;
  msg: string;
  reason?: string;
  code?: number;
  retryInMs?: number;
}
const parse = (logs: string[]): LogLine[] => logs.map((l) => JSON.parse(l) as LogLine);
const isWarn = (l: LogLine): boolean => l.level === "warn" || l.level === 40;

describe("a broker that refuses the login for a while after we were connected", () => {
  let sim: MyBeNextSimulator;
  let d: TestDaemon | undefined;
  beforeAll(async () => {
    sim = await startMyBeNextSimulator({ timeScale: 60 });
  });
  afterAll(async () => {
    await sim?.close();
  });
  afterEach(async () => {
    await d?.stop();
    d = undefined;
  });
  const source = () => ({ id: "home", type: "mybenext", base_url: sim.url, username: "demo", password: "demo-password", interval: "2s" });

  it("aedes refusing 3 logins (not authorized): reconnects, /health back to 200, the refusal logged once with its reason", async () => {
    const broker: FaultyBroker = await startFaultyBroker();
    try {
      const healthPort = await freePort();
      d = await startTestDaemon({ mqttUrl: broker.url, sources: [source()], extra: { health: { enabled: true, host: "127.0.0.1", port: healthPort } } });
      await waitUntil(async () => (await healthStatus(healthPort)) === 200, 10_000, "/health 200 at start");
      const before = d.logs.length;
      broker.refuse(3, 5);
      broker.dropConnections();
      await waitUntil(async () => (await healthStatus(healthPort)) === 503, 10_000, "/health 503 while refused");
      // Attempts 1 s, 2 s, 4 s and 8 s apart: the fourth is accepted.
      await waitUntil(async () => (await healthStatus(healthPort)) === 200, 40_000, "/health 200 again after the refusals");
      expect(broker.refusals).toBe(3);
      const rec = await Recorder.start(broker.url, ["cloud2mqtt/bridge/state"]);
      await rec.waitFor("cloud2mqtt/bridge/state", (p) => p === "online", 10_000);
      await rec.close();
      const lines = parse(d.logs.slice(before));
      const refused = lines.filter((l) => isWarn(l) && l.msg.includes("refused"));
      expect(refused, JSON.stringify(refused)).toHaveLength(1);
      expect(refused[0]).toMatchObject({ code: 5, reason: "not authorized" });
      expect(refused[0]!.msg).toContain("not authorized");
      expect(lines.filter((l) => l.msg.startsWith("reconnected to MQTT broker"))).toHaveLength(1);
      // The backoff goes on through the refusals instead of starting over at each one.
      expect(lines.filter((l) => l.retryInMs !== undefined).map((l) => l.retryInMs)).toEqual([1000, 2000, 4000, 8000]);
    } finally {
      await d?.stop();
      d = undefined;
      await broker.close();
    }
  }, 90_000);

  it("aedes answering 'server unavailable' twice: the same, with that reason", async () => {
    const broker = await startFaultyBroker();
    try {
      d = await startTestDaemon({ mqttUrl: broker.url, sources: [source()] });
      const before = d.logs.length;
      broker.refuse(2, 3);
      broker.dropConnections();
      await waitUntil(() => broker.refusals === 2 && d!.daemon.sourceStatuses().length > 0 && parse(d!.logs.slice(before)).some((l) => l.msg.startsWith("reconnected")), 40_000, "a reconnect after 2 refusals");
      const refused = parse(d.logs.slice(before)).filter((l) => isWarn(l) && l.msg.includes("refused"));
      expect(refused).toHaveLength(1);
      expect(refused[0]).toMatchObject({ code: 3, reason: "server unavailable" });
    } finally {
      await d?.stop();
      d = undefined;
      await broker.close();
    }
  }, 60_000);

  it("a login refused at the very first connection still fails the start at once, and nothing retries behind it", async () => {
    const broker = await startFaultyBroker();
    try {
      broker.refuse(100, 5);
      await expect(startTestDaemon({ mqttUrl: broker.url, sources: [source()] })).rejects.toThrow(/refused the connection: Connection refused: Not authorized/);
      await sleep(2_500);
      expect(broker.refusals).toBe(1);
    } finally {
      await broker.close();
    }
  }, 30_000);

  describe.skipIf(!REQUIRED && (!MOSQUITTO || !PASSWD))("a real Mosquitto whose password file loses our user, then gets it back", () => {
    let dir: string;
    let port: number;
    let child: ChildProcess | undefined;
    const startBroker = async (): Promise<void> => {
      if (!MOSQUITTO || !PASSWD) throw new Error("mosquitto and mosquitto_passwd are required (CI=true)");
      child = spawn(MOSQUITTO, ["-c", join(dir, "mosquitto.conf")], { stdio: "ignore" });
      const c = child;
      await waitUntil(async () => (await tcpOpen(port)) || c.exitCode !== null, 10_000, "mosquitto listening");
      if (c.exitCode !== null) throw new Error(`mosquitto exited with ${c.exitCode}`);
    };
    const stopBroker = (): Promise<void> =>
      new Promise((resolve) => {
        const c = child;
        if (!c || c.exitCode !== null) return resolve();
        c.once("exit", () => resolve());
        c.kill("SIGTERM");
      });
    afterAll(async () => {
      await stopBroker();
    });

    it("keeps retrying while refused and reconnects once the user is back (SIGHUP reload)", async () => {
      if (!MOSQUITTO || !PASSWD) throw new Error("mosquitto and mosquitto_passwd are required (CI=true)");
      dir = mkdtempSync(join(tmpdir(), "c2m-passwd-"));
      port = await freePort();
      execFileSync(PASSWD, ["-b", "-c", join(dir, "with-user"), "bridge", "mqtt-secret-3"]);
      execFileSync(PASSWD, ["-b", "-c", join(dir, "without-user"), "someone-else", "other-secret"]);
      copyFileSync(join(dir, "with-user"), join(dir, "passwd"));
      writeFileSync(join(dir, "mosquitto.conf"), [`listener ${port} 127.0.0.1`, "allow_anonymous false", `password_file ${join(dir, "passwd")}`, ""].join("\n"));
      // Started as root, Mosquitto drops to its own user: it must be able to read the files.
      execFileSync("chmod", ["-R", "a+rX", dir]);
      await startBroker();

      const healthPort = await freePort();
      d = await startTestDaemon({
        mqttUrl: `mqtt://127.0.0.1:${port}`,
        sources: [source()],
        extra: { mqtt: { url: `mqtt://127.0.0.1:${port}`, base_topic: "cloud2mqtt", client_id: "c2m_passwd_test", username: "bridge", password: "mqtt-secret-3" }, health: { enabled: true, host: "127.0.0.1", port: healthPort } },
      });
      await waitUntil(async () => (await healthStatus(healthPort)) === 200, 10_000, "/health 200 at start");
      const before = d.logs.length;

      // The user is gone: a restart drops us, and every login is refused.
      copyFileSync(join(dir, "without-user"), join(dir, "passwd"));
      execFileSync("chmod", ["a+r", join(dir, "passwd")]);
      await stopBroker();
      await startBroker();
      await waitUntil(() => parse(d!.logs.slice(before)).some((l) => isWarn(l) && l.msg.includes("refused")), 20_000, "a refused login");
      // Refused for a while: several attempts, still one warning.
      await sleep(4_000);
      expect(await healthStatus(healthPort)).toBe(503);

      // The user is back; Mosquitto reloads its password file on SIGHUP.
      copyFileSync(join(dir, "with-user"), join(dir, "passwd"));
      execFileSync("chmod", ["a+r", join(dir, "passwd")]);
      child!.kill("SIGHUP");
      await waitUntil(async () => (await healthStatus(healthPort)) === 200, 40_000, "/health 200 after the user came back");
      const lines = parse(d.logs.slice(before));
      const refused = lines.filter((l) => isWarn(l) && l.msg.includes("refused"));
      expect(refused, JSON.stringify(refused)).toHaveLength(1);
      expect(refused[0]!.reason).toMatch(/not authorized|bad username or password/);
      expect(d.logs.join("")).not.toContain("mqtt-secret-3");
    }, 90_000);
  });
});

function tcpOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    import("node:net")
      .then(({ connect }) => {
        const s = connect(port, "127.0.0.1");
        s.once("connect", () => (s.destroy(), resolve(true)));
        s.once("error", () => resolve(false));
      })
      .catch(() => resolve(false));
  });
}
