/**
 * Objects of the Socomec Wiotys SoData API (seed wiotys-sodata-api.txt), as far as the bridge
 * reads them. Every field is optional beyond the uuid: the seed shows them "partially".
 */

/** Every list: `{"total": n, "results": [...], "take": 50}` (section 4.1, 5.3.3 ff.). */
export interface Page<T> {
  total?: number;
  results: T[];
  take?: number;
}

/** 5.3.3 Corporate accounts. */
export interface CorporateAccount {
  uuid: string;
  name?: string;
  active?: boolean;
}

/** 5.4.3 Customers. */
export interface Customer {
  uuid: string;
  name?: string;
  technicalName?: string;
  corporateAccountUuid?: string;
}

/** 5.5.3 Sites. */
export interface Site {
  uuid: string;
  name?: string;
  technicalName?: string;
  customerUuid?: string;
  timeZone?: string;
  devicesQuantity?: number;
}

/** 5.6.3 Devices: a gateway is a device too; others name theirs in `gatewayUuid`. */
export interface WiotysDevice {
  uuid: string;
  name?: string;
  technicalName?: string;
  serialNumber?: string | null;
  manufacturer?: string | null;
  modelName?: string | null;
  siteUuid?: string | null;
  gatewayUuid?: string | null;
  status?: string | null;
  active?: boolean;
}

/** 5.7.3 Variables: `Item|Index|Service` (itemType|itemIndex|serviceId). */
export interface Variable {
  uuid?: string;
  deviceUuid?: string;
  itemType: string;
  itemIndex: string;
  serviceId: string;
  serviceName?: string | null;
  serviceType?: string | null;
  serviceGroup?: string | null;
  unit?: string | null;
  severityName?: string | null;
  serviceTranslations?: Record<string, { title?: string; shortName?: string } | null> | null;
  active?: boolean;
}

/** 5.9.3 Last values: one value of one variable of one device. */
export interface LastValue {
  deviceUuid: string;
  itemType: string;
  itemIndex: string;
  serviceId: string;
  value: unknown;
  date?: string | null;
  title?: string | null;
  unit?: string | null;
  serviceType?: string | null;
  serviceGroup?: string | null;
}
