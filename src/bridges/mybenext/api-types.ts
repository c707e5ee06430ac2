/** Resources of the myBeNext API (seed mybenext-api.txt), as far as the bridge reads them. */

export interface Account {
  account: number;
  username?: string;
  firstname?: string;
  lastname?: string;
}

export interface Product {
  product: number;
  account: number;
  name: string;
  producttype: number;
  appearance?: number;
}

export interface ProductType {
  producttype: number;
  name: string;
  manufacturer?: string | null;
  type?: string;
}

export interface DatatypeValue {
  type: "boolean" | "choice" | "integer" | "float" | "composite" | "custom" | string;
  min?: number;
  max?: number;
  step?: number;
  min_conv?: string;
  max_conv?: string;
  choice?: Record<string, string>;
}

export interface Datatype {
  datatype: number;
  name: string;
  suffix?: string;
  value: DatatypeValue;
}

export interface Property {
  property: number;
  product: number;
  datatype: number;
  name: string;
  receiving: boolean;
  sending: boolean;
  updated: string | null;
  value: string | number | null;
}

export interface ClimateController {
  product: number;
  datatype?: number | null;
  controllable?: boolean | null;
  heatdemand?: boolean | null;
  mode?: number | null;
  scheduletype?: number | null;
  /** The seed's single-resource example spells it so. */
  schedulertype?: number | null;
  setpoint?: number | null;
  synchronised?: boolean;
  temperature?: number | null;
  valvestatus?: number | null;
}

export interface Lifestyle {
  lifestyle: number;
  account: number;
  active: boolean;
  id: number;
  name: string;
}

export interface Scene {
  scene: number;
  account: number;
  name: string;
  code?: number;
}

export interface Node {
  node: number;
  gateway: number;
  product: number | null;
  protocol: string;
  serial?: string | null;
  status: number;
  version?: string | null;
}

export interface Failure {
  failure: number;
  account: number;
  failuretype: string;
  resource: number | null;
  status: "no_failure" | "failed" | "accepted" | string;
  timestamp: string;
}
