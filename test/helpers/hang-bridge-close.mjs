// Preloaded into the built CLI (node --import): myBeNext's bridge gets a close() that never ends,
// as a bridge stuck flushing what it sends on would. The CLI imports the same module instance.
import { MyBeNextBridge } from "../../dist/bridges/mybenext/bridge.js";

MyBeNextBridge.prototype.close = () => new Promise(() => {});
