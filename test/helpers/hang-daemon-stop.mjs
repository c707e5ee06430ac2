// Preloaded into the built CLI (node --import): Daemon.stop() never ends, as if something outside
// the daemon's bounded phases hung; only the CLI's last-resort timer can end the process.
import { Daemon } from "../../dist/daemon/daemon.js";

Daemon.prototype.stop = () => new Promise(() => {});
