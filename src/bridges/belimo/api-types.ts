/**
 * Shapes of Belimo Cloud API v3 bodies, as the seed and Belimo's published client API spec show
 * them. Everything is optional: the client checks the parts it relies on and says what was wrong.
 */

export interface EntityRef {
  entityId?: string;
  ref?: string;
  displayName?: string;
}

export interface BelimoDevice {
  id: string;
  displayName?: string;
  serialNumber?: string;
  materialNumber?: string;
  productionId?: string;
  deviceType?: string;
  /** `{entityId: "energyvalve3/1.2", ref: "/definitions/dataprofiles/energyvalve3/1.2"}`; the reference may be a full path. */
  dataprofile?: EntityRef | string | null;
  software?: EntityRef | null;
  runningSoftwareModules?: Record<string, string> | null;
  health?: { lastSeen?: string | null; onlineDays?: number; state?: string; description?: string | null } | null;
  remoteControlEnabled?: boolean;
  state?: DeviceState | null;
}

/** `{timestamp, datapoints: {"evcloud.210": {value: 1.2e9}, …}}` */
export interface DeviceState {
  timestamp?: string;
  datapoints?: Record<string, { value?: unknown } | unknown>;
}

export interface ProfileDatapoint {
  id: string;
  /** `{aspectId}.{feature}` → value, e.g. `default.description`, `default.access`, `default.unit`. */
  featureValues: Record<string, string>;
}

export interface Profile {
  /** `id/version`, e.g. `energyvalve3/1.2`. */
  ref: string;
  name?: string;
  datapoints: ProfileDatapoint[];
}

export interface Job {
  id: string;
  /** PENDING, EXECUTING, SUCCESS, FAILURE, CANCELED. */
  state: string;
  result?: unknown;
  error?: unknown;
  message?: unknown;
  confirmedBy?: string;
}

/** `devices/stats`: flat in the seed, nested (`connection`, `health`, `transfer`) in the spec. */
export interface Stats {
  total: number | null;
  online: number | null;
  offline: number | null;
  problem: number | null;
  ok: number | null;
}
