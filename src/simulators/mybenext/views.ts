/** How the world's records print: the resources the API lists, derived from the simulated clock. */
import type { NodeRec, PropRec } from "./records.js";
import { DAY, FLAP_PERIOD, HOUR, SECOND, hash01, isoMillis, isoSeconds } from "./signals.js";
import type { SimAvailability, SimGateway, SimNode, SimProperty } from "./types.js";
import type { World } from "./world.js";

export function propertyView(rec: PropRec): SimProperty {
  return { ...rec.res, updated: rec.res.updated === null ? null : isoSeconds(rec.res.updated) };
}

export function nodeView(world: World, n: NodeRec): SimNode {
  let status = 0;
  if (n.unreachable) status = 2;
  else if (n.flapping && flapActive(n.node, world.simNow)) status = 1;
  return { gateway: n.gateway, node: n.node, product: n.product, protocol: n.protocol, serial: n.serial, status, version: n.version, zwave_id: n.zwave_id };
}

export function gatewayViews(world: World): (SimGateway & { product: number })[] {
  return [...world.gateways.values()].map((g) => ({
    account: g.account,
    firmware: g.firmware,
    gateway: g.gateway,
    public_ip: g.public_ip,
    serial: g.serial,
    status: 0,
    status_time: isoSeconds(world.realStart - 3 * DAY - Math.floor(hash01(g.gateway, 5) * HOUR)),
    product: g.product,
  }));
}

function flapActive(node: number, t: number): boolean {
  const k = Math.floor(t / FLAP_PERIOD);
  const offset = t - k * FLAP_PERIOD;
  return hash01(node, k) < 0.2 && offset >= 10 * 60 * SECOND && offset < 15 * 60 * SECOND;
}

/** Availability reports (4.1): history before the start, then the flapping nodes' reports. */
export function availabilities(world: World): (SimAvailability & { ms: number })[] {
  const out: (SimAvailability & { ms: number })[] = [];
  const push = (product: number, status: string, ms: number): void => {
    out.push({ product, status, timestamp: isoMillis(ms), ms });
  };
  for (const p of world.products.values()) {
    push(p.product, "product_avail", world.realStart - 7 * DAY - Math.floor(hash01(p.product, 4) * DAY));
    if (p.def.unreachable) {
      push(p.product, "product_retry", world.realStart - 130 * 60 * SECOND);
      push(p.product, "product_unavail", world.realStart - 125 * 60 * SECOND);
    }
  }
  for (const n of world.nodes.values()) {
    if (!n.flapping || n.product === null || !world.products.has(n.product)) continue;
    const kEnd = Math.floor(world.simNow / FLAP_PERIOD);
    const kStart = Math.max(Math.floor(world.realStart / FLAP_PERIOD), kEnd - 2000);
    for (let k = kStart; k <= kEnd; k++) {
      if (hash01(n.node, k) >= 0.2) continue;
      const retry = k * FLAP_PERIOD + 10 * 60 * SECOND;
      const back = k * FLAP_PERIOD + 15 * 60 * SECOND;
      if (retry >= world.realStart && retry <= world.simNow) push(n.product, "product_retry", world.realOf(retry));
      if (back >= world.realStart && back <= world.simNow) push(n.product, "product_avail", world.realOf(back));
    }
  }
  return out.sort((a, b) => a.ms - b.ms || a.product - b.product);
}
