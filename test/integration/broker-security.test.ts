import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { parseConfig } from "../../src/app-config.js";
import { Daemon } from "../../src/daemon/daemon.js";
import { createLogger, SecretScrubber } from "../../src/log.js";
import { startMyBeNextSimulator, type MyBeNextSimulator } from "../../src/simulators/mybenext/index.js";
import { freePort, MOSQUITTO, sleep } from "../helpers/mqtt.js";
import { Writable } from "node:stream";

import { MOSQUITTO_PASSWD as PASSWD, OPENSSL, withoutTools } from "../helpers/tools.js";

function daemonFor(config: Record<string, unknown>): { daemon: Daemon; logs: string[] } {
  const result = parseConfig(stringify(config), {}, join(tmpdir(), "x.yaml"));
  if (!result.config) throw new Error(JSON.stringify(result.errors));
  const logs: string[] = [];
  const scrubber = new SecretScrubber();
  const sink = new Writable({ write: (c, _e, cb) => (logs.push(String(c)), cb()) });
  return { daemon: new Daemon({ config: result.config, logger: createLogger("debug", scrubber, sink), scrubber, retainedWindowMs: 300 }), logs };
}

/** Waits for a retained payload on a topic, as a client with these options sees it. */
async function retained(url: string, topic: string, options: mqtt.IClientOptions): Promise<string> {
  const client = await mqtt.connectAsync(url, { ...options, reconnectPeriod: 0 });
  try {
    return await new Promise<string>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no ${topic}`)), 10_000);
      client.on("message", (tp, p) => tp === topic && p.length > 0 && (clearTimeout(t), resolve(p.toString())));
      void client.subscribeAsync(topic);
    });
  } finally {
    await client.endAsync(true);
  }
}

describe("broker security", () => {
  let sim: MyBeNextSimulator;
  let dir: string;
  beforeAll(async () => {
    sim = await startMyBeNextSimulator({ timeScale: 60 });
    dir = mkdtempSync(join(tmpdir(), "c2m-tls-"));
  });
  afterAll(async () => {
    await sim?.close();
  });
  const source = () => ({ id: "home", type: "mybenext", base_url: sim.url, username: "demo", password: "demo-password", interval: "30s" });

  it("the embedded broker binds 127.0.0.1 and lets in only clients with its username and password", async () => {
    const port = await freePort();
    const { daemon } = daemonFor({ broker: { port, username: "ha", password: "broker-secret-1" }, health: { enabled: false }, data_dir: join(dir, "e"), sources: [source()] });
    await daemon.start();
    try {
      const url = `mqtt://127.0.0.1:${port}`;
      expect(await retained(url, "cloud2mqtt/bridge/state", { username: "ha", password: "broker-secret-1" })).toBe("online");
      await expect(mqtt.connectAsync(url, { username: "ha", password: "wrong", reconnectPeriod: 0 })).rejects.toThrow(/Bad username or password|Not authorized/i);
      await expect(mqtt.connectAsync(url, { reconnectPeriod: 0 })).rejects.toThrow();
    } finally {
      await daemon.stop();
    }
  });

  it("refuses to start the embedded broker off loopback without a login, even from a config built in code, and binds nothing", async () => {
    const port = await freePort();
    const { daemon } = daemonFor({ broker: { port }, health: { enabled: false }, data_dir: join(dir, "x"), sources: [source()] });
    // The loader refuses this (test/config/load.test.ts); a config made in code must not slip by.
    (daemon as unknown as { opts: { config: { broker: { host: string } } } }).opts.config.broker.host = "0.0.0.0";
    await expect(daemon.start()).rejects.toThrow(/^broker\.host: .*0\.0\.0\.0.*broker\.username and broker\.password, or broker\.allow_anonymous: true/);
    await daemon.stop();
    await expect(mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0, connectTimeout: 2_000 })).rejects.toThrow(/ECONNREFUSED/);
  });

  it("the demo on --host 0.0.0.0 allows anonymous clients explicitly, and its banner says so", async () => {
    const { startDemo, demoBanner } = await import("../../src/demo.js");
    const exposed = await startDemo({ host: "0.0.0.0", port: 0, healthPort: 0, dataDir: join(dir, "demo") });
    try {
      expect(exposed.config.broker).toMatchObject({ host: "0.0.0.0", allow_anonymous: true });
      expect(demoBanner(exposed.config, exposed.sources, "mqtt://0.0.0.0:1883")).toMatch(/anonymous clients allowed \(broker\.allow_anonymous\)/);
    } finally {
      await exposed.close();
    }
    const local = await startDemo({ host: "127.0.0.1", port: 0, healthPort: 0, dataDir: join(dir, "demo") });
    try {
      expect(local.config.broker.allow_anonymous).toBe(false);
      expect(demoBanner(local.config, local.sources, "mqtt://127.0.0.1:1883")).not.toMatch(/anonymous/);
    } finally {
      await local.close();
    }
  });

  describe.skipIf(withoutTools({ mosquitto: MOSQUITTO, openssl: OPENSSL, mosquitto_passwd: PASSWD }))("TLS to Mosquitto", () => {
    let port = 0;
    let broker: ReturnType<typeof spawn> | undefined;
    beforeAll(async () => {
      const ssl = (...args: string[]) => execFileSync(OPENSSL!, args, { cwd: dir, stdio: "pipe" });
      ssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=cloud2mqtt test CA");
      ssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "other-ca.key", "-out", "other-ca.pem", "-days", "2", "-subj", "/CN=another CA");
      writeFileSync(join(dir, "san.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
      for (const name of ["server", "client"]) {
        ssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", `/CN=${name === "server" ? "127.0.0.1" : "cloud2mqtt"}`);
        ssl("x509", "-req", "-in", `${name}.csr`, "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", `${name}.pem`, "-days", "2", ...(name === "server" ? ["-extfile", "san.ext"] : []));
      }
      execFileSync(PASSWD!, ["-b", "-c", join(dir, "passwd"), "bridge", "mqtt-secret-2"], { stdio: "pipe" });
      port = await freePort();
      writeFileSync(
        join(dir, "mosquitto.conf"),
        [`listener ${port} 127.0.0.1`, `cafile ${dir}/ca.pem`, `certfile ${dir}/server.pem`, `keyfile ${dir}/server.key`, "require_certificate true", "allow_anonymous false", `password_file ${dir}/passwd`, ""].join("\n"),
      );
      // Started as root, Mosquitto drops to its own user: it must be able to read the files.
      execFileSync("chmod", ["-R", "a+rX", dir]);
      broker = spawn(MOSQUITTO!, ["-c", join(dir, "mosquitto.conf")], { stdio: "ignore" });
      await sleep(700);
    });
    afterAll(() => {
      broker?.kill("SIGTERM");
    });

    it("connects with a CA, a client certificate and a username and password, and says clearly when the password is wrong", async () => {
      const tls = { ca: join(dir, "ca.pem"), cert: join(dir, "client.pem"), key: join(dir, "client.key") };
      const url = `mqtts://127.0.0.1:${port}`;
      const { daemon, logs } = daemonFor({ mqtt: { url, username: "bridge", password: "mqtt-secret-2", tls }, health: { enabled: false }, data_dir: join(dir, "t"), sources: [source()] });
      await daemon.start();
      try {
        const clientTls = { ca: execFileSync("cat", [tls.ca]), cert: execFileSync("cat", [tls.cert]), key: execFileSync("cat", [tls.key]) };
        expect(await retained(url, "cloud2mqtt/bridge/state", { ...clientTls, username: "bridge", password: "mqtt-secret-2" })).toBe("online");
      } finally {
        await daemon.stop();
      }
      expect(logs.join("")).not.toContain("mqtt-secret-2");

      const bad = daemonFor({ mqtt: { url, username: "bridge", password: "wrong-password", tls }, health: { enabled: false }, data_dir: join(dir, "u"), sources: [source()] });
      await expect(bad.daemon.start()).rejects.toThrow(/refused the connection/);
      await bad.daemon.stop();
      expect(bad.logs.join("")).not.toContain("wrong-password");
    });

    it("refuses a broker whose certificate another CA signed, and says why", async () => {
      const tls = { ca: join(dir, "other-ca.pem"), cert: join(dir, "client.pem"), key: join(dir, "client.key") };
      const { daemon } = daemonFor({ mqtt: { url: `mqtts://127.0.0.1:${port}`, username: "bridge", password: "mqtt-secret-2", tls }, health: { enabled: false }, data_dir: join(dir, "w"), sources: [source()] });
      await expect(daemon.start()).rejects.toThrow(/certificate that does not verify \(check mqtt.tls.ca\)/);
      await daemon.stop();
    });

    it("is refused by a broker that requires a client certificate when it has none", async () => {
      const tls = { ca: join(dir, "ca.pem") };
      const { daemon } = daemonFor({ mqtt: { url: `mqtts://127.0.0.1:${port}`, username: "bridge", password: "mqtt-secret-2", tls }, health: { enabled: false }, data_dir: join(dir, "n"), sources: [source()] });
      await expect(daemon.start()).rejects.toThrow(/client certificate/);
      await daemon.stop();
    }, 30_000);
  });
});
