/**
 * State and values of the simulated Wiotys application: objects shaped like the seed's response
 * bodies, values that move with (scaled) time — measurements wander, counters only rise, alarms
 * come and go — and history computed from the same functions, so last values and datapoints agree.
 */
import { createHash } from "node:crypto";
import {
  CORPORATE_ACCOUNTS,
  CUSTOMERS,
  DEVICES,
  SITES,
  extraDevice,
  variablesOf,
  type CorporateAccountSpec,
  type CustomerSpec,
  type DeviceSpec,
  type SiteSpec,
  type VariableTemplate,
} from "./data.js";

type Json = Record<string, unknown>;

const COUNTER_EPOCH_S = Date.UTC(2024, 0, 1) / 1000;

export const refOf = (t: Pick<VariableTemplate, "itemType" | "itemIndex" | "serviceId">): string => `${t.itemType}|${t.itemIndex}|${t.serviceId}`;

/** A stable number in [0, 1) from a string. */
function unit(s: string): number {
  return createHash("sha1").update(s).digest().readUInt32BE(0) / 2 ** 32;
}

/** A uuid-shaped stable id from a seed string (for variable, item and service uuids). */
export function stableUuid(seed: string): string {
  const h = createHash("sha1").update(seed).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function round(n: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(n * f) / f;
}

export interface WorldOptions {
  timeScale: number;
  extraDevices: number;
  extraDeviceUuids?: string[];
}

export class World {
  readonly startReal = Date.now();
  readonly corporateAccounts: CorporateAccountSpec[] = CORPORATE_ACCOUNTS.map((c) => ({ ...c }));
  readonly customers: CustomerSpec[] = CUSTOMERS.map((c) => ({ ...c }));
  readonly sites: SiteSpec[] = SITES.map((s) => ({ ...s }));
  readonly devices = new Map<string, DeviceSpec>();
  /** Values set by tests: `device|Item|Index|Service` → raw value; it stays until unpinned. */
  private readonly pins = new Map<string, { value: string | null; at: number }>();

  constructor(private readonly opts: WorldOptions) {
    for (const d of DEVICES) this.devices.set(d.uuid, { ...d });
    for (let n = 1; n <= opts.extraDevices; n++) {
      const d = extraDevice(n, opts.extraDeviceUuids?.[n - 1]);
      this.devices.set(d.uuid, d);
    }
  }

  /** Simulated epoch ms for a real one: time runs `timeScale` times faster from the start. */
  simMs(realMs: number): number {
    return this.startReal + (realMs - this.startReal) * this.opts.timeScale;
  }

  caOf(device: DeviceSpec): string | undefined {
    const site = this.sites.find((s) => s.uuid === device.siteUuid);
    return this.customers.find((c) => c.uuid === site?.customerUuid)?.corporateAccountUuid;
  }

  customersOf(ca: string): CustomerSpec[] {
    return this.customers.filter((c) => c.corporateAccountUuid === ca);
  }

  sitesOf(ca: string): SiteSpec[] {
    const customers = new Set(this.customersOf(ca).map((c) => c.uuid));
    return this.sites.filter((s) => customers.has(s.customerUuid));
  }

  devicesOf(ca: string): DeviceSpec[] {
    const sites = new Set(this.sitesOf(ca).map((s) => s.uuid));
    return [...this.devices.values()].filter((d) => sites.has(d.siteUuid));
  }

  templates(device: DeviceSpec): VariableTemplate[] {
    return variablesOf(device.kind);
  }

  removeDevice(uuid: string): void {
    this.devices.delete(uuid);
  }

  pin(device: string, ref: string, value: string | null): void {
    this.pins.set(`${device}|${ref}`, { value, at: Date.now() });
  }

  unpin(device: string, ref: string): void {
    this.pins.delete(`${device}|${ref}`);
  }

  /** The value of a variable at a real time: a number, or text for Information services. */
  valueAt(device: DeviceSpec, t: VariableTemplate, realMs: number): number | string {
    const seconds = this.simMs(realMs) / 1000;
    const phase = unit(`${device.uuid}|${refOf(t)}`);
    const s = t.signal;
    switch (s.kind) {
      case "constant":
        return s.value;
      case "wave": {
        const x = seconds / s.periodS + phase;
        const wobble = 0.08 * Math.sin(2 * Math.PI * (seconds / 37 + phase * 7));
        return round(s.base + s.amplitude * (Math.sin(2 * Math.PI * x) + wobble) / 1.08, s.decimals);
      }
      case "counter": {
        const factor = 0.8 + 0.4 * phase;
        return round(Math.max(0, s.start * factor + (s.perHour * factor * (seconds - COUNTER_EPOCH_S)) / 3600), s.decimals);
      }
      case "alarm":
        return s.onFraction > 0 && (seconds / s.periodS + phase) % 1 < s.onFraction ? 1 : 0;
    }
  }

  /** The last value as SoData shows it: value as a string, the sample date (seconds, `.000Z`). */
  lastValue(device: DeviceSpec, t: VariableTemplate, now: number): { value: string | null; date: string } {
    const pinned = this.pins.get(`${device.uuid}|${refOf(t)}`);
    if (pinned) return { value: pinned.value, date: isoMs(Math.floor(pinned.at / 1000) * 1000) };
    return { value: String(this.valueAt(device, t, now)), date: isoMs(Math.floor(now / 1000) * 1000) };
  }

  // -----------------------------------------------------------------------------------------------
  // Views shaped like the seed's response bodies

  caView(ca: CorporateAccountSpec): Json {
    return {
      defaultCustomerUuid: "",
      uuid: ca.uuid,
      name: ca.name,
      activationType: "MAINTENANCE",
      emailTo: null,
      emailCc: null,
      canPublish: false,
      autoTemplateSynchro: true,
      isMultiCustomerAccount: ca.isMultiCustomerAccount,
      active: true,
      movingAuthorization: "CONSERVATION",
      iconUuid: stableUuid(`icon|${ca.uuid}`),
      userLinks: [{ uuid: stableUuid(`link|${ca.uuid}`), status: "VALIDATED", isSupport: false, corporateAccountId: 3, userId: 4 }],
    };
  }

  customerView(c: CustomerSpec): Json {
    return {
      uuid: c.uuid,
      emailTo: "energy@example.com",
      emailCc: null,
      technicalName: c.technicalName,
      name: c.name,
      reference: null,
      description: c.description,
      visibility: null,
      corporateAccountId: 3,
      additionalInformation: "",
      movingAuthorization: "INHERITED",
      corporateAccountUuid: c.corporateAccountUuid,
      iconUuid: stableUuid(`icon|${c.uuid}`),
      companyAddress: { uuid: stableUuid(`address|${c.uuid}`), useParent: false, street: "1 Rue de Westhouse", postCode: "67235", city: c.city, country: c.country, state: "" },
      contact: { uuid: stableUuid(`contact|${c.uuid}`), useParent: false, name: "Energy Manager", phone: "", mobile: "", email: "energy@example.com", emailCC: "" },
      sitesQuantity: this.sites.filter((s) => s.customerUuid === c.uuid).length,
    };
  }

  siteView(s: SiteSpec): Json {
    return {
      uuid: s.uuid,
      emailTo: null,
      emailCc: null,
      technicalName: s.technicalName,
      language: null,
      name: s.name,
      description: "",
      configurationOptions: {},
      activationKey: stableUuid(`activation|${s.uuid}`),
      visibility: null,
      customerId: 7,
      autoGatewaysRegistration: true,
      autoProductsRegistration: true,
      timeZone: s.timeZone,
      additionalInformation: "",
      movingAuthorization: "INHERITED",
      customerUuid: s.customerUuid,
      devicesQuantity: [...this.devices.values()].filter((d) => d.siteUuid === s.uuid).length,
    };
  }

  deviceView(d: DeviceSpec, options: { withContact?: boolean; withAddress?: boolean } = {}): Json {
    const site = this.sites.find((s) => s.uuid === d.siteUuid);
    const view: Json = {
      uuid: d.uuid,
      emailTo: "support@example.com",
      emailCc: null,
      technicalName: d.technicalName,
      mappingMode: "SERVICE_ID",
      acquisitionId: null,
      description: null,
      serialNumber: d.serialNumber,
      custom: d.kind === "ups" ? { socomec: { deviceId: d.serialNumber, nomPowerKVA: "160", nomPowerKW: "0", compatibilityVersion: "1" } } : {},
      configurationOptions: {},
      frequencyStatus: 60,
      frequencyStream: 60,
      status: "ACCEPTED",
      creationType: "CREATED",
      connectionStatus: null,
      visibility: null,
      longitude: site?.longitude ?? null,
      latitude: site?.latitude ?? null,
      deviceTypeUuid: d.deviceTypeUuid,
      deviceTypeReferenceld: d.deviceTypeReferenceld,
      manufacturer: "Socomec",
      location: null,
      contractNumber: "Contract XXX",
      modelName: d.modelName,
      profilesUpToDate: true,
      createNoCommunicationAlarm: true,
      noCommunicationPeriod: 60,
      tags: null,
      locked: false,
      additionalInformation: "",
      gatewayId: d.gatewayUuid ? 161 : null,
      configurationKey: "SOCOMECE_DEVICE_CONNECT_001",
      storageName: "DataHub",
      netId: null,
      movingAuthorization: "INHERITED",
      siteUuid: d.siteUuid,
      gatewayUuid: d.gatewayUuid,
      iconUuid: stableUuid(`icon|${d.uuid}`),
      name: d.name,
      timeZone: site?.timeZone ?? "UTC",
      createdAt: d.createdAt,
      owned: true,
    };
    if (options.withContact) view.contact = { uuid: stableUuid(`contact|${d.uuid}`), useParent: true, name: "Energy Manager", phone: "", mobile: "", email: "energy@example.com", emailCC: "" };
    if (options.withAddress) view.address = { uuid: stableUuid(`address|${d.uuid}`), useParent: false, street: "1 Rue de Westhouse", postCode: "67230", city: "Benfeld", country: "FRANCE", state: "" };
    return view;
  }

  variableView(d: DeviceSpec, t: VariableTemplate, index: number): Json {
    return {
      uuid: stableUuid(`variable|${d.uuid}|${refOf(t)}`),
      deviceUuid: d.uuid,
      deviceSerialNumber: d.serialNumber,
      deviceTypeUuid: d.deviceTypeUuid,
      label: d.technicalName,
      compatibilityVersion: null,
      itemId: 293 + index,
      itemUuid: stableUuid(`item|${d.uuid}|${t.itemType}|${t.itemIndex}`),
      itemIndex: t.itemIndex,
      itemCustom: null,
      itemType: t.itemType,
      serviceId: t.serviceId,
      serviceUuid: stableUuid(`service|${t.serviceId}`),
      serviceName: t.serviceName,
      coef: null,
      offset: null,
      baseCoef: null,
      baseOffset: null,
      serviceType: t.serviceType,
      serviceGroup: t.serviceGroup,
      iotGroup: null,
      unit: t.variableUnit,
      severityName: t.severityName,
      severityLevel: t.severityName === "MAJOR" ? 2 : t.severityName === "MINOR" ? 1 : null,
      manufacturer: null,
      compatibilityMin: null,
      compatibilityMax: null,
      serviceTranslations: { en: { title: t.title }, fr: { title: t.titleFr, shortName: t.titleFr } },
      itemServiceTranslations: null,
      reason: { fromTemplate: true, reasons: [{ value: "IS_DEFAULT" }] },
      source: "PROFILE",
      timestampId: null,
      pollingTime: t.pollingTime,
      sendOnUpdate: false,
      isComputed: t.serviceName.endsWith("_Delta"),
      configurationComputed: null,
      tags: [],
      overrideFields: null,
      active: true,
      streamRef: `${t.itemType} ${t.itemIndex} ${t.serviceId}`,
      datahubId: 3_214_069 + index,
    };
  }

  /** 5.9.3: the last value of every variable of a device. */
  lastValuesView(d: DeviceSpec, now: number): Json {
    return {
      deviceUuid: d.uuid,
      values: this.templates(d).map((t) => {
        const { value, date } = this.lastValue(d, t, now);
        return {
          serviceId: t.serviceId,
          itemType: t.itemType,
          itemIndex: t.itemIndex,
          deviceUuid: d.uuid,
          value,
          date,
          title: t.title,
          unit: t.unit,
          deviceName: d.name,
          itemName: t.itemType,
          serviceGroup: t.serviceGroup,
          serviceType: t.serviceType,
        };
      }),
    };
  }
}

export function isoMs(ms: number): string {
  return new Date(ms).toISOString();
}

export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}
