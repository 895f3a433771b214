/**
 * PII masking (脱敏) for the views a QA reviewer gets. Pure and conservative: a run of digits that
 * could be an ID card, a bank card or a phone number is masked even when it is something else,
 * because showing a reviewer a customer's number is worse than hiding an order number.
 */

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;
/** 居民身份证: 6-digit region, birth date, 3-digit sequence, check digit (or the old 15-digit form). */
const ID_CARD = /(?<![0-9A-Za-z])(?:\d{6}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]|\d{6}\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3})(?![0-9A-Za-z])/g;
/** Bank cards: 16–19 digits, optionally grouped by spaces or dashes. */
const BANK_CARD = /(?<!\d)\d(?:[ -]?\d){15,18}(?!\d)/g;
/** Chinese mobile numbers, with or without +86 and with spaces or dashes between groups. */
const CN_MOBILE = /(?<!\d)(?:(?:\+|00)?86[ -]?)?1[3-9]\d[ -]?\d{4}[ -]?\d{4}(?!\d)/g;
/** Landlines (010-12345678) and other international numbers (+44 20 7946 0958). */
const OTHER_PHONE = /(?<![\d+])(?:\+\d{1,3}[ -]?\d(?:[ -]?\d){6,13}|0\d{2,3}-\d{7,8})(?!\d)/g;

/** Replaces every digit but the first `keepStart` and last `keepEnd` with `*`, keeping separators. */
function maskDigits(text: string, keepStart: number, keepEnd: number): string {
  const total = text.replace(/[^\dXx]/g, "").length;
  let seen = 0;
  return text.replace(/[\dXx]/g, (d) => {
    seen++;
    return seen <= keepStart || seen > total - keepEnd ? d : "*";
  });
}

function maskEmail(email: string): string {
  const at = email.indexOf("@");
  return `${email[0]}***${email.slice(at)}`;
}

/** The text with emails, ID-card numbers, bank cards and phone numbers masked. */
export function maskPii(text: string): string {
  return text
    .replace(EMAIL, maskEmail)
    .replace(ID_CARD, (m) => maskDigits(m, 3, 4))
    .replace(BANK_CARD, (m) => maskDigits(m, 0, 4))
    .replace(CN_MOBILE, (m) => {
      // Keep the country code, the carrier prefix and the last four: 138****8000.
      const prefix = m.match(/^(?:(?:\+|00)?86[ -]?)?/)![0];
      return prefix + maskDigits(m.slice(prefix.length), 3, 4);
    })
    .replace(OTHER_PHONE, (m) => maskDigits(m, 2, 2));
}

/** Keys whose values are identifiers, enums or hashes, never free text: left as they are. */
const VERBATIM = /(^|_)(id|ids|type|kind|role|visibility|state|from|to|hash|prev_hash|channel|intent|reason|policy|mime)$/;

/**
 * A deep copy of an archived value (an event, a transcript, contact data) with every free-text
 * string masked. Identifiers and enums are kept so the reviewer can still follow the timeline.
 */
export function maskDeep<T>(value: T, key = ""): T {
  if (typeof value === "string") return (VERBATIM.test(key) ? value : maskPii(value)) as T;
  if (Array.isArray(value)) return value.map((v) => maskDeep(v, key)) as T;
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = maskDeep(v, k);
    return out as T;
  }
  return value;
}
