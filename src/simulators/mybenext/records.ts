/** The world's records: the API's resources plus what the simulation keeps about them. */
import type { ProductDef, PropertyDef } from "./data.js";
import type { SimNode, SimProduct, SimProperty } from "./types.js";

export interface PropRec {
  def: PropertyDef;
  res: Omit<SimProperty, "updated"> & { updated: number | null };
  account: number;
  /** Pinned by setPropertyValue: the simulation no longer changes it. */
  frozen: boolean;
  lastStep: number;
  integ?: { t: number; acc: number };
  /** Last non-zero level of a Basic property (255 restores it). */
  lastLevel?: string;
}

export interface ProductRec extends SimProduct {
  def: ProductDef;
}

export interface CCRec {
  product: number;
  account: number;
  datatype: number;
  /** Requested (reported) setpoint. */
  setpoint: number;
  /** Setpoint the device has taken at its last wake-up. */
  synced: number;
  synchronised: boolean;
  syncAt: number | null;
  scheduletype: number;
  valvestatus: number;
  wakeSeconds: number;
  anchorT: number;
  anchorTime: number;
  setpointProperty: number;
  temperatureProperty: number;
}

export interface NodeRec extends Omit<SimNode, "status"> {
  account: number;
  unreachable: boolean;
  flapping: boolean;
}
