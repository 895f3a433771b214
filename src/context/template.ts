import { TEMPLATE_FIELDS } from "../model/index.ts";

type ContactFields = Partial<Record<(typeof TEMPLATE_FIELDS)[number], string | null>>;

/** Fills a template with URL-encoded contact fields; or the first field it needs that the contact lacks. */
export function fillTemplate(template: string, contact: ContactFields): string | { missing: string } {
  let missing: string | undefined;
  const url = template.replace(/\{contact\.(\w+)\}/g, (_, field: string) => {
    const value = contact[field as (typeof TEMPLATE_FIELDS)[number]];
    if (value === undefined || value === null || value === "") {
      missing ??= `contact.${field}`;
      return "";
    }
    return encodeURIComponent(value);
  });
  return missing ? { missing } : url;
}
