// A tiny message catalogue per client: English and Simplified Chinese, chosen from an explicit
// setting or the browser's language.
export type Locale = "en" | "zh-CN";

export function pickLocale(explicit?: string | null): Locale {
  const wanted = (explicit || navigator.language || "en").toLowerCase();
  return wanted.startsWith("zh") ? "zh-CN" : "en";
}

type Catalogue = Record<string, string>;

/** `t("key", {n: 3})` replaces `{n}`; a key missing in a locale falls back to English, then to itself. */
export function translator<C extends Catalogue>(catalogues: { en: C; "zh-CN": Partial<C> }, locale: Locale) {
  return (key: keyof C & string, vars?: Record<string, string | number>): string => {
    let text = catalogues[locale][key] ?? catalogues.en[key] ?? key;
    if (vars) for (const [k, v] of Object.entries(vars)) text = text.replaceAll(`{${k}}`, String(v));
    return text;
  };
}
