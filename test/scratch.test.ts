import { it } from "vitest";
import { checkConfigFile } from "../src/config/index.js";
it("x", async () => {
  const r = await checkConfigFile("/tmp/vt.yaml");
  for (const e of r.errors) console.log(`${e.path}: ${e.message}`);
  const r2 = await checkConfigFile("/tmp/vt2.yaml");
  for (const e of r2.errors) console.log(`${e.path}: ${e.message}`);
});
