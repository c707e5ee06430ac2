/**
 * A real Mosquitto for the endurance run: a password file so the harness can make it refuse the
 * daemon's login for a while (the Home Assistant add-on does so while HA restarts), and restarts
 * on the same port.
 */
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, writeFileSync } from "node:fs";
import { createConnection } from "node:net";
import { join } from "node:path";

export const MOSQUITTO_BIN = ["/usr/sbin/mosquitto", "/usr/bin/mosquitto", "/usr/local/sbin/mosquitto"].find((p) => existsSync(p));
const PASSWD_BIN = ["/usr/bin/mosquitto_passwd", "/usr/sbin/mosquitto_passwd", "/usr/local/bin/mosquitto_passwd"].find((p) => existsSync(p));

export interface Credentials {
  username: string;
  password: string;
}

export class Mosquitto {
  private child: ChildProcess | undefined;
  private readonly conf: string;
  private readonly passwd: string;
  private readonly accepting: string;
  private readonly refusing: string;

  constructor(
    dir: string,
    readonly port: number,
    readonly daemonUser: Credentials,
    readonly harnessUser: Credentials,
  ) {
    if (!MOSQUITTO_BIN || !PASSWD_BIN) throw new Error("mosquitto and mosquitto_passwd are required (apt-get install mosquitto)");
    this.conf = join(dir, "mosquitto.conf");
    this.passwd = join(dir, "passwd");
    this.accepting = join(dir, "passwd.accepting");
    this.refusing = join(dir, "passwd.refusing");
    execFileSync(PASSWD_BIN, ["-b", "-c", this.accepting, daemonUser.username, daemonUser.password], { stdio: "pipe" });
    execFileSync(PASSWD_BIN, ["-b", this.accepting, harnessUser.username, harnessUser.password], { stdio: "pipe" });
    execFileSync(PASSWD_BIN, ["-b", "-c", this.refusing, harnessUser.username, harnessUser.password], { stdio: "pipe" });
    writeFileSync(this.conf, [`listener ${port} 127.0.0.1`, "allow_anonymous false", `password_file ${this.passwd}`, "persistence false", "max_queued_messages 10000", ""].join("\n"));
    this.usePasswords(true);
    // Started as root, Mosquitto drops to its own user: it must be able to read its files.
    chmodSync(dir, 0o755);
  }

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Which password file is in place; a running broker reads it again on `reload`. */
  usePasswords(accepting: boolean): void {
    copyFileSync(accepting ? this.accepting : this.refusing, this.passwd);
    chmodSync(this.passwd, 0o644);
  }

  reload(): void {
    this.child?.kill("SIGHUP");
  }

  async start(): Promise<void> {
    if (this.running) return;
    const child = spawn(MOSQUITTO_BIN as string, ["-c", this.conf], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr?.on("data", (d: Buffer) => void (stderr = (stderr + d.toString("utf8")).slice(-2_000)));
    this.child = child;
    const deadline = Date.now() + 15_000;
    while (!(await listening(this.port))) {
      if (child.exitCode !== null) throw new Error(`mosquitto exited at start (code ${child.exitCode}): ${stderr.trim()}`);
      if (Date.now() > deadline) throw new Error(`mosquitto did not listen on ${this.port}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
      setTimeout(() => child.kill("SIGKILL"), 5_000).unref();
    });
  }
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: "127.0.0.1" });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}
