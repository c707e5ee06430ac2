import { describe, expect, it } from "vitest";
import { connackRefusal, describeConnackCode } from "../../src/util/connack.js";

/** What mqtt.js emits for a refused CONNACK (ErrorWithReasonCode). */
const refused = (code: number, text: string): Error => Object.assign(new Error(`Connection refused: ${text}`), { code });

describe("CONNACK refusals", () => {
  it("describes MQTT 3.1.1 return codes and their MQTT 5 equivalents", () => {
    expect(connackRefusal(refused(3, "Server unavailable"))).toEqual({ code: 3, reason: "server unavailable", credentials: false });
    expect(connackRefusal(refused(4, "Bad username or password"))).toEqual({ code: 4, reason: "bad username or password", credentials: true });
    expect(connackRefusal(refused(5, "Not authorized"))).toEqual({ code: 5, reason: "not authorized", credentials: true });
    expect(connackRefusal(refused(134, "Bad User Name or Password"))).toMatchObject({ reason: "bad username or password", credentials: true });
    expect(connackRefusal(refused(135, "Not authorized"))).toMatchObject({ reason: "not authorized", credentials: true });
    expect(connackRefusal(refused(136, "Server unavailable"))).toMatchObject({ reason: "server unavailable", credentials: false });
    expect(connackRefusal(refused(137, "Server busy"))).toMatchObject({ reason: "server busy", credentials: false });
    expect(describeConnackCode(250)).toEqual({ code: 250, reason: "reason code 250", credentials: false });
  });

  it("is undefined for errors that are no refusal", () => {
    expect(connackRefusal(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1883"), { code: "ECONNREFUSED" }))).toBeUndefined();
    expect(connackRefusal(Object.assign(new Error("Protocol error: duplicate CONNACK on the same network connection"), { code: 130 }))).toBeUndefined();
    expect(connackRefusal(new Error("Connection refused: whatever"))).toBeUndefined();
    expect(connackRefusal("Connection refused")).toBeUndefined();
  });
});
