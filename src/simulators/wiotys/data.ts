/**
 * The simulated Wiotys application: corporate accounts, customers, sites, devices and the
 * variables of each device type. Uuids, names, serial numbers and the services 140100
 * (`IUpsOutput_Lr`), 140108 (output current L3, unit word AMPERE) and 141935
 * (`IUpsStatistic_OverLoadMore5s_Delta`, unit null) come from the seed; the other service ids,
 * names and units are the simulator's own, in the seed's style (`I<Group><Thing>`, unit words).
 */

/** How a variable's value moves with (scaled) time. */
export type Signal =
  | { kind: "wave"; base: number; amplitude: number; periodS: number; decimals: number }
  | { kind: "counter"; start: number; perHour: number; decimals: number }
  | { kind: "alarm"; periodS: number; onFraction: number }
  | { kind: "constant"; value: number | string };

export interface VariableTemplate {
  itemType: string;
  itemIndex: string;
  serviceId: string;
  serviceName: string;
  serviceType: "Measure" | "Alarm" | "Counter" | "Information";
  serviceGroup: string;
  /** Unit word as last values show it (`AMPERE`); null when the service has none. */
  unit: string | null;
  /** The variable object's own unit: the seed shows `null` there even where last values have a unit. */
  variableUnit: string | null;
  title: string;
  titleFr: string;
  severityName: string | null;
  pollingTime: number;
  signal: Signal;
}

type DeviceKind = "gateway" | "ups" | "meter";

export interface DeviceSpec {
  uuid: string;
  name: string;
  technicalName: string;
  serialNumber: string;
  kind: DeviceKind;
  modelName: string;
  siteUuid: string;
  gatewayUuid: string | null;
  deviceTypeUuid: string;
  deviceTypeReferenceld: string;
  createdAt: string;
}

export interface SiteSpec {
  uuid: string;
  name: string;
  technicalName: string;
  customerUuid: string;
  timeZone: string;
  longitude: number;
  latitude: number;
}

export interface CustomerSpec {
  uuid: string;
  name: string;
  technicalName: string;
  corporateAccountUuid: string;
  description: string;
  city: string;
  country: string;
}

export interface CorporateAccountSpec {
  uuid: string;
  name: string;
  isMultiCustomerAccount: boolean;
}

/** Ids the tests and the demo refer to. */
export const WIOTYS_IDS = {
  ca: { solink: "3756c84b-8697-446f-9ca3-931b3681f908", lab: "71fafadb-7007-44df-b943-05f4e9700717" },
  customers: { frSocomec: "751f149b-0fca-4f39-b0c7-6f9921852dc9", deSocomec: "5b0f6a7e-3c1d-4e29-9d8a-0c2f1e7a4b61", lab: "c2a7e0d4-6b3f-4a8e-91d2-7f5e3b9c1a08" },
  sites: {
    benfeldCds: "3fd80117-0674-4f30-bbff-9ef7f467a450",
    benfeldU3: "8e4b2c71-95d0-4f3a-b6e8-2d1c7a9f0e35",
    huttenheim: "a61f0c3e-2b7d-4c59-8e14-6d9b3f2a7c80",
    koeln: "d7c3e9a2-4f18-4b6d-a0e5-1b8f2c6d9e47",
    lab: "0e9d8c7b-6a5f-4e3d-8c2b-1a0f9e8d7c6b",
  },
  devices: {
    gatewayCds: "c591c2ed-749f-421b-8948-1396749ea7b2",
    masterysCds: "11d46e9a-c5cf-415c-b1a4-5b3259a9f4ce",
    gatewayU3: "4a2e8f60-1c3b-4d7e-9f05-b8c6a1d3e2f9",
    delphysU3: "239b264b-fd7b-40ad-9a18-32f75d69db29",
    dirisU3: "6f1d3b8a-2e4c-4a9f-8b7d-0c5e9a1f3d26",
    dirisHuttenheim: "b3e7a1c9-5d2f-4e8b-a6c0-9f4d2e7b1a53",
    delphysKoeln: "e8a2d6f4-7b1c-4e3a-9d5f-2c0b8e6a4f17",
    dirisLab: "f0c1b2a3-9d8e-4f7a-8b6c-5d4e3f2a1b0c",
  },
} as const;

export const CORPORATE_ACCOUNTS: CorporateAccountSpec[] = [
  { uuid: WIOTYS_IDS.ca.solink, name: "SoLink", isMultiCustomerAccount: true },
  { uuid: WIOTYS_IDS.ca.lab, name: "SoLink Lab", isMultiCustomerAccount: false },
];

export const CUSTOMERS: CustomerSpec[] = [
  { uuid: WIOTYS_IDS.customers.frSocomec, name: "FR_Socomec", technicalName: "Socomec", corporateAccountUuid: WIOTYS_IDS.ca.solink, description: "All Socomec UPS in production", city: "Benfeld", country: "France" },
  { uuid: WIOTYS_IDS.customers.deSocomec, name: "DE_Socomec", technicalName: "SocomecGmbH", corporateAccountUuid: WIOTYS_IDS.ca.solink, description: "Socomec Germany", city: "Köln", country: "Germany" },
  { uuid: WIOTYS_IDS.customers.lab, name: "Lab", technicalName: "Lab", corporateAccountUuid: WIOTYS_IDS.ca.lab, description: "Test bench", city: "Benfeld", country: "France" },
];

export const SITES: SiteSpec[] = [
  { uuid: WIOTYS_IDS.sites.benfeldCds, name: "(FR) Benfeld CDS", technicalName: "FR_Benfeld_CDS", customerUuid: WIOTYS_IDS.customers.frSocomec, timeZone: "Europe/Paris", longitude: 7.59328, latitude: 48.3729 },
  { uuid: WIOTYS_IDS.sites.benfeldU3, name: "(FR) Benfeld – U3", technicalName: "FR_Benfeld_U3", customerUuid: WIOTYS_IDS.customers.frSocomec, timeZone: "Europe/Paris", longitude: 7.5952, latitude: 48.3715 },
  { uuid: WIOTYS_IDS.sites.huttenheim, name: "(FR) Huttenheim", technicalName: "FR_Huttenheim", customerUuid: WIOTYS_IDS.customers.frSocomec, timeZone: "Europe/Paris", longitude: 7.5689, latitude: 48.3586 },
  { uuid: WIOTYS_IDS.sites.koeln, name: "(DE) Köln", technicalName: "DE_Koeln", customerUuid: WIOTYS_IDS.customers.deSocomec, timeZone: "Europe/Berlin", longitude: 6.9603, latitude: 50.9375 },
  { uuid: WIOTYS_IDS.sites.lab, name: "Lab bench", technicalName: "LAB_BENCH", customerUuid: WIOTYS_IDS.customers.lab, timeZone: "UTC", longitude: 7.59, latitude: 48.37 },
];

const GATEWAY_TYPE = "a0c4e7d2-7b64-11eb-b6f0-aa0fc901eabd";
const UPS_TYPE = "df14206d-7b64-11eb-b6f0-aa0fc901eabd";
const METER_TYPE = "b7e2f9a1-7b64-11eb-b6f0-aa0fc901eabd";

const device = (uuid: string, name: string, technicalName: string, serialNumber: string, kind: DeviceKind, modelName: string, siteUuid: string, gatewayUuid: string | null, createdAt: string): DeviceSpec => ({
  uuid,
  name,
  technicalName,
  serialNumber,
  kind,
  modelName,
  siteUuid,
  gatewayUuid,
  deviceTypeUuid: kind === "gateway" ? GATEWAY_TYPE : kind === "ups" ? UPS_TYPE : METER_TYPE,
  deviceTypeReferenceld: kind === "gateway" ? "9001" : kind === "ups" ? "9204" : "9310",
  createdAt,
});

export const DEVICES: DeviceSpec[] = [
  device(WIOTYS_IDS.devices.gatewayCds, "IoT Gateway CDS", "GATEWAY_CDS", "G202100417", "gateway", "IoT Gateway", WIOTYS_IDS.sites.benfeldCds, null, "2021-03-23T14:40:12.118Z"),
  device(WIOTYS_IDS.devices.masterysCds, "Masterys U2 CDS", "MASTERIS_U2_CDS", "P486271001", "ups", "Masterys", WIOTYS_IDS.sites.benfeldCds, WIOTYS_IDS.devices.gatewayCds, "2021-03-23T14:52:40.552Z"),
  device(WIOTYS_IDS.devices.gatewayU3, "IoT Gateway", "GATEWAY_U3", "G202100233", "gateway", "IoT Gateway", WIOTYS_IDS.sites.benfeldU3, null, "2021-02-11T09:12:03.004Z"),
  device(WIOTYS_IDS.devices.delphysU3, "Delphys GP2 - 160 kVA", "DELPHYS_GP2_160", "1D15350041", "ups", "Delphys GP2", WIOTYS_IDS.sites.benfeldU3, WIOTYS_IDS.devices.gatewayU3, "2021-02-11T09:30:44.871Z"),
  device(WIOTYS_IDS.devices.dirisU3, "Diris A40 TGBT", "DIRIS_A40_TGBT", "D40A21110078", "meter", "Diris A40", WIOTYS_IDS.sites.benfeldU3, WIOTYS_IDS.devices.gatewayU3, "2021-11-02T16:05:19.340Z"),
  device(WIOTYS_IDS.devices.dirisHuttenheim, "Diris A-10 Huttenheim", "DIRIS_A10_HUT", "D10A22040012", "meter", "Diris A-10", WIOTYS_IDS.sites.huttenheim, null, "2022-04-19T08:44:51.220Z"),
  device(WIOTYS_IDS.devices.delphysKoeln, "Delphys MX 250 kVA", "DELPHYS_MX_250_KOELN", "1M19120307", "ups", "Delphys MX", WIOTYS_IDS.sites.koeln, null, "2020-10-07T11:20:00.000Z"),
  device(WIOTYS_IDS.devices.dirisLab, "Diris A-10 Lab", "DIRIS_A10_LAB", "D10A23010001", "meter", "Diris A-10", WIOTYS_IDS.sites.lab, null, "2023-01-09T10:00:00.000Z"),
];

/** Filler meters (for paging and load): in Huttenheim, without a gateway. */
export function extraDevice(n: number, uuid?: string): DeviceSpec {
  const hex = n.toString(16).padStart(12, "0");
  return device(uuid ?? `0000e17a-0000-4000-8000-${hex}`, `Diris A-10 #${n}`, `DIRIS_A10_X${n}`, `D10X${String(n).padStart(6, "0")}`, "meter", "Diris A-10", WIOTYS_IDS.sites.huttenheim, null, "2023-06-01T00:00:00.000Z");
}

// -------------------------------------------------------------------------------------------------
// Variables per device kind

const wave = (base: number, amplitude: number, periodS: number, decimals = 1): Signal => ({ kind: "wave", base, amplitude, periodS, decimals });
const counter = (start: number, perHour: number, decimals = 1): Signal => ({ kind: "counter", start, perHour, decimals });
const alarm = (periodS: number, onFraction: number): Signal => ({ kind: "alarm", periodS, onFraction });
const constant = (value: number | string): Signal => ({ kind: "constant", value });

function v(
  item: string,
  serviceId: string,
  serviceName: string,
  serviceType: VariableTemplate["serviceType"],
  serviceGroup: string,
  unit: string | null,
  title: string,
  titleFr: string,
  signal: Signal,
  options: { variableUnit?: string | null; severity?: string; pollingTime?: number } = {},
): VariableTemplate {
  const [itemType, itemIndex = "0"] = item.split("|");
  return {
    itemType: itemType!,
    itemIndex,
    serviceId,
    serviceName,
    serviceType,
    serviceGroup,
    unit,
    variableUnit: options.variableUnit === undefined ? unit : options.variableUnit,
    title,
    titleFr,
    severityName: serviceType === "Alarm" ? (options.severity ?? "MAJOR") : null,
    pollingTime: options.pollingTime ?? (serviceType === "Counter" ? 3600 : 60),
    signal,
  };
}

const upsUnit = (index: string): VariableTemplate[] => [
  v(`Unit|${index}`, "140400", "IUpsUnit_RectifierT", "Measure", "Unit", "CELSIUS", "Unit rectifier temperature", "Température redresseur de l'unité", wave(41 + Number(index), 4, 1800)),
  v(`Unit|${index}`, "140401", "IUpsUnit_Lr", "Measure", "Unit", "PERCENT", "Unit load rate", "Taux de charge de l'unité", wave(34, 12, 900, 0)),
  v(`Unit|${index}`, "150030", "IUpsUnitAlarm_Fan", "Alarm", "Unit", null, "Unit fan failure", "Défaut ventilateur de l'unité", alarm(7200, 0), { severity: "MINOR" }),
];

export const UPS_VARIABLES: VariableTemplate[] = [
  v("Global", "140100", "IUpsOutput_Lr", "Measure", "Output", "PERCENT", "Ups output global load rate", "Taux de charge global de sortie ASI", wave(35, 15, 900, 0)),
  v("Global", "140102", "IUpsOutput_V1", "Measure", "Output", "VOLT", "Ups output voltage L1", "Tension de sortie ASI L1", wave(230, 2, 600)),
  v("Global", "140103", "IUpsOutput_V2", "Measure", "Output", "VOLT", "Ups output voltage L2", "Tension de sortie ASI L2", wave(230, 2, 660)),
  v("Global", "140104", "IUpsOutput_V3", "Measure", "Output", "VOLT", "Ups output voltage L3", "Tension de sortie ASI L3", wave(230, 2, 720)),
  v("Global", "140106", "IUpsOutput_I1", "Measure", "Output", "AMPERE", "Ups output current L1", "Courant de sortie ASI L1", wave(18, 8, 900, 0)),
  v("Global", "140107", "IUpsOutput_I2", "Measure", "Output", "AMPERE", "Ups output current L2", "Courant de sortie ASI L2", wave(17, 8, 960, 0)),
  v("Global", "140108", "IUpsOutput_I3", "Measure", "Output", "AMPERE", "Ups output current L3", "Courant de sortie ASI L3", wave(18, 8, 1020, 0), { variableUnit: null }),
  v("Global", "140110", "IUpsOutput_P", "Measure", "Output", "KILOWATT", "Ups output active power", "Puissance active de sortie ASI", wave(42, 15, 900)),
  v("Global", "140111", "IUpsOutput_S", "Measure", "Output", "KILOVOLT_AMPERE", "Ups output apparent power", "Puissance apparente de sortie ASI", wave(45, 16, 900)),
  v("Global", "140115", "IUpsOutput_F", "Measure", "Output", "HERTZ", "Ups output frequency", "Fréquence de sortie ASI", wave(50, 0.05, 300, 2)),
  v("Global", "140200", "IUpsAmbient_T", "Measure", "Environment", "CELSIUS", "Ups ambient temperature", "Température ambiante ASI", wave(28, 2, 3600, 0)),
  v("Global", "140300", "IUpsBattery_Capacity", "Measure", "Battery", "AMPERE_HOUR", "Ups battery capacity", "Capacité batterie ASI", constant(184)),
  v("Global", "140301", "IUpsBattery_NegV", "Measure", "Battery", "VOLT", "Ups battery negative voltage", "Tension négative batterie ASI", constant(0)),
  v("Global", "140302", "IUpsBattery_Soc", "Measure", "Battery", "PERCENT", "Ups battery charge level", "Niveau de charge batterie ASI", wave(99, 1, 5400, 0)),
  v("Global", "140303", "IUpsBattery_Autonomy", "Measure", "Battery", "MINUTE", "Ups battery remaining backup time", "Autonomie batterie ASI restante", wave(42, 9, 900, 0)),
  v("Global", "140020", "IUpsInfo_NbUnits", "Measure", "Information", null, "Number of unit into the Ups", "Nombre d'unités dans l'ASI", constant(2), { pollingTime: 3600 }),
  v("Global", "140001", "IUpsInfo_Firmware", "Information", "Information", null, "Ups firmware version", "Version firmware ASI", constant("V3.12.4"), { pollingTime: 86400 }),
  v("Global", "141900", "IUpsOutput_Energy", "Counter", "Output", "KILOWATT_HOUR", "Ups output active energy", "Énergie active de sortie ASI", counter(812_345.6, 42)),
  v("Global", "141910", "IUpsStatistic_HoursOnInverter", "Counter", "Statistic", "HOUR", "Ups hours on inverter", "Heures ASI sur onduleur", counter(28_511, 1, 0)),
  v("Global", "141911", "IUpsStatistic_HoursOnBp_Delta", "Measure", "Statistic", "HOUR", "IUpsStatistic_HoursOnBp_Delta", "IUpsStatistic_HoursOnBp_Delta", constant(0), { pollingTime: 3600 }),
  v("Global", "141935", "IUpsStatistic_OverLoadMore5s_Delta", "Measure", "Output", null, "Ups overload more than 5s Delta", "Surcharge ASI supérieure à 5s (delta)", constant(0), { pollingTime: 3600 }),
  v("Global", "150001", "IUpsAlarm_General", "Alarm", "Alarm", null, "Ups general alarm", "Alarme générale ASI", alarm(1200, 0.15)),
  v("Global", "150010", "IUpsAlarm_BatteryFault", "Alarm", "Battery", null, "Ups battery fault", "Défaut batterie ASI", alarm(7200, 0)),
  v("Global", "150020", "IUpsAlarm_OnBypass", "Alarm", "Bypass", null, "Ups on bypass", "ASI sur bypass", alarm(3600, 0.05), { severity: "MINOR" }),
  ...upsUnit("0"),
  ...upsUnit("1"),
];

export const METER_VARIABLES: VariableTemplate[] = [
  v("Global", "120101", "IMeter_V1N", "Measure", "Voltage", "VOLT", "Voltage L1-N", "Tension L1-N", wave(231, 2, 600)),
  v("Global", "120102", "IMeter_V2N", "Measure", "Voltage", "VOLT", "Voltage L2-N", "Tension L2-N", wave(231, 2, 660)),
  v("Global", "120103", "IMeter_V3N", "Measure", "Voltage", "VOLT", "Voltage L3-N", "Tension L3-N", wave(231, 2, 720)),
  v("Global", "120111", "IMeter_I1", "Measure", "Current", "AMPERE", "Current L1", "Courant L1", wave(12, 6, 900, 2)),
  v("Global", "120112", "IMeter_I2", "Measure", "Current", "AMPERE", "Current L2", "Courant L2", wave(11, 6, 960, 2)),
  v("Global", "120113", "IMeter_I3", "Measure", "Current", "AMPERE", "Current L3", "Courant L3", wave(12, 6, 1020, 2)),
  v("Global", "120120", "IMeter_P", "Measure", "Power", "KILOWATT", "Active power", "Puissance active", wave(8, 4, 900, 2)),
  v("Global", "120121", "IMeter_Q", "Measure", "Power", "KILOVAR", "Reactive power", "Puissance réactive", wave(1.2, 0.5, 900, 2)),
  v("Global", "120122", "IMeter_S", "Measure", "Power", "KILOVOLT_AMPERE", "Apparent power", "Puissance apparente", wave(8.2, 4, 900, 2)),
  v("Global", "120123", "IMeter_PF", "Measure", "Power", null, "Power factor", "Facteur de puissance", wave(0.95, 0.03, 1200, 3)),
  v("Global", "120124", "IMeter_F", "Measure", "Voltage", "HERTZ", "Frequency", "Fréquence", wave(50, 0.05, 300, 2)),
  v("Global", "120200", "IMeter_Ea_Imp", "Counter", "Energy", "KILOWATT_HOUR", "Active energy imported", "Énergie active importée", counter(152_003.4, 8, 2)),
  v("Global", "120201", "IMeter_Ea_Exp", "Counter", "Energy", "KILOWATT_HOUR", "Active energy exported", "Énergie active exportée", counter(1_204.7, 0.2, 2)),
  v("Global", "120202", "IMeter_Er", "Counter", "Energy", "KILOVAR_HOUR", "Reactive energy", "Énergie réactive", counter(20_455.1, 1, 2)),
  v("Global", "150101", "IMeterAlarm_Com", "Alarm", "Alarm", null, "Meter communication fault", "Défaut de communication du compteur", alarm(3600, 0)),
];

export const GATEWAY_VARIABLES: VariableTemplate[] = [
  v("Global", "160001", "IGateway_NbDevices", "Measure", "Information", null, "Gateway connected devices", "Équipements connectés à la passerelle", constant(2)),
  v("Global", "160010", "IGateway_Rssi", "Measure", "Communication", "DECIBEL_MILLIWATT", "Gateway cellular signal strength", "Puissance du signal cellulaire", wave(-71, 5, 600, 0)),
  v("Global", "160020", "IGatewayAlarm_Com", "Alarm", "Communication", null, "Gateway communication fault", "Défaut de communication de la passerelle", alarm(3600, 0)),
];

export function variablesOf(kind: DeviceKind): VariableTemplate[] {
  return kind === "gateway" ? GATEWAY_VARIABLES : kind === "ups" ? UPS_VARIABLES : METER_VARIABLES;
}
