/**
 * Topic and payload templates of the smart-meter events. `{{name}}` in a payload is replaced by
 * the value as JSON (a string quoted, a number as is, an unknown value as null), so a template
 * is a JSON document with placeholders where values go: `{"id": {{meter}}, "power": {{power}}}`.
 * In a topic, `{{meter}}` is the meter id as it is.
 */
import { TEMPLATE_FIELDS } from "./schema.js";
import { errorMessage } from "../../util/errors.js";

const PLACEHOLDER = /\{\{([^{}]*)\}\}/g;
const NAME = /^[a-z][a-z0-9_]*$/;

/** The names a template uses, in order of appearance, each once. */
export function placeholders(template: string): string[] {
  return [...new Set([...template.matchAll(PLACEHOLDER)].map((m) => (m[1] ?? "").trim()))];
}

export function renderTopic(template: string, meter: string): string {
  return template.replace(PLACEHOLDER, (_all, name: string) => (name.trim() === "meter" ? meter : ""));
}

export function renderPayload(template: string, fields: Readonly<Record<string, unknown>>): string {
  return template.replace(PLACEHOLDER, (_all, name: string) => JSON.stringify(fields[name.trim()] ?? null));
}

/** What the placeholders of one event stand for. */
export function eventFields(meter: string, at: number, values: Readonly<Record<string, number | null>>): Record<string, unknown> {
  return {
    ...values,
    meter,
    timestamp: new Date(at).toISOString(),
    timestamp_ms: at,
    timestamp_s: Math.floor(at / 1000),
    values: { ...values },
  };
}

/** Problems of a topic template: placeholders other than {{meter}}, wildcards, empty levels. */
export function topicTemplateProblems(template: string): string[] {
  const problems: string[] = [];
  const unknown = placeholders(template).filter((n) => n !== "meter");
  if (unknown.length > 0) problems.push(`only {{meter}} can be used in a topic (found ${unknown.map((n) => `{{${n}}}`).join(", ")})`);
  const sample = renderTopic(template, "meter");
  if (/[+#]/.test(sample)) problems.push("must not contain the wildcards + or #");
  else if (sample.split("/").some((level, i, all) => level === "" && !(i === 0 && all.length > 1))) problems.push("must not have an empty level (//) or end with /");
  return problems;
}

/**
 * Problems of a payload template for a meter with these value names: unknown placeholders, and
 * a rendering that is not valid JSON. Rendered with sample values, so a problem shows before
 * any event is sent.
 */
export function payloadTemplateProblems(template: string, meter: string, valueNames: readonly string[]): string[] {
  const known = new Set<string>([...TEMPLATE_FIELDS, ...valueNames]);
  const unknown = placeholders(template).filter((n) => !known.has(n));
  if (unknown.length > 0) {
    const bad = unknown.map((n) => (NAME.test(n) ? `{{${n}}}` : `{{${n}}} (not a name)`)).join(", ");
    return [`uses ${bad}, which meter "${meter}" does not have; known: ${[...known].map((n) => `{{${n}}}`).join(", ")}`];
  }
  const sample = renderPayload(template, eventFields(meter, Date.UTC(2024, 6, 1, 12), Object.fromEntries(valueNames.map((n, i) => [n, 1234.5 + i]))));
  try {
    JSON.parse(sample);
  } catch (error) {
    const reason = errorMessage(error);
    return [`does not render valid JSON for meter "${meter}" (${reason}): ${sample.length > 160 ? `${sample.slice(0, 157)}...` : sample}`];
  }
  return [];
}
