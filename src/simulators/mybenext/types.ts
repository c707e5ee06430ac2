/**
 * Resource shapes of the myBeNext simulator, as the vendor document (seeds/mybenext-api.txt)
 * shows them. Keys are listed alphabetically, like the API prints them.
 */

export interface BooleanValue {
  cmp: string[];
  max: number;
  max_conv: string;
  min: number;
  min_conv: string;
  type: "boolean";
}

export interface ChoiceValue {
  choice: Record<string, string>;
  cmp: string[];
  type: "choice";
}

export interface NumberValue {
  cmp: string[];
  max: number;
  min: number;
  step: number;
  suffix: string;
  type: "integer" | "float";
}

export type SimDatatypeValue = BooleanValue | ChoiceValue | NumberValue;

/** Section 3.3 (datatypes). */
export interface SimDatatype {
  datatype: number;
  name: string;
  suffix: string;
  value: SimDatatypeValue;
}

/** Section 3.1 (producttypes). */
export interface SimProducttype {
  addable: boolean;
  appearance: number[];
  climatecontroller: boolean;
  image: string;
  installable: boolean;
  manufacturer: string | null;
  name: string;
  producttype: number;
  type: "P" | "I";
}

/** Section 2.1 (accounts). */
export interface SimAccount {
  account: number;
  addons: string[];
  email: string;
  firstname: string;
  language: string;
  lastname: string;
  username: string;
}

/** Section 3.2 (products). */
export interface SimProduct {
  account: number;
  appearance: number;
  name: string;
  product: number;
  producttype: number;
}

/** Section 3.4 (properties): values are strings; `updated` is UTC ISO (seconds) or null. */
export interface SimProperty {
  datatype: number;
  name: string;
  product: number;
  property: number;
  receiving: boolean;
  sending: boolean;
  updated: string | null;
  value: string | null;
}

/** Section 3.7 (climatecontrollers); the resource id is the product id. */
export interface SimClimateController {
  controllable: boolean | null;
  datatype: number;
  formattedtemperature: string;
  heatdemand: boolean | null;
  mode: number | null;
  product: number;
  scheduletype: number | null;
  setpoint: number | null;
  synchronised: boolean;
  temperature: number | null;
  valvestatus: number | null;
}

/** Section 2.5 (lifestyles): `lifestyle` is the resource id, `id` the 1–10 internal id. */
export interface SimLifestyle {
  account: number;
  active: boolean;
  id: number;
  lifestyle: number;
  name: string;
}

/** Section 2.6 (scenes). */
export interface SimScene {
  account: number;
  code: number;
  name: string;
  scene: number;
}

/** Section 5.1 (gateways). */
export interface SimGateway {
  account: number;
  firmware: string;
  gateway: number;
  public_ip: string;
  serial: string;
  status: number;
  status_time: string;
}

/** Section 5.3 (nodes): status 0 available, 1 unstable, 2 no connection. */
export interface SimNode {
  gateway: number;
  node: number;
  product: number | null;
  protocol: "mygate" | "zwave" | "p1";
  serial: string | null;
  status: number;
  version: string | null;
  zwave_id: number | null;
}

/** Section 4.1 (availability). */
export interface SimAvailability {
  product: number;
  status: string;
  timestamp: string;
}

/** Section 7.1 (failuretypes), shaped like the seed's example output. */
export interface SimFailuretype {
  failuretype: string;
  resource_type: string;
}

/** Section 7.2 (failures). */
export interface SimFailure {
  account: number;
  failure: number;
  failuretype: string;
  resource: number | null;
  status: "no_failure" | "failed" | "accepted";
  timestamp: string;
}
