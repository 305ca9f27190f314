import { match } from '@formatjs/intl-localematcher';
import Negotiator from 'negotiator';
import { LOCALES, type Locale } from '@/lib/schemas/enums';

/** The cookie that remembers the language chosen before signing in (the login page's switcher) or since. */
export const LOCALE_COOKIE = 'watchdog_locale';

export const DEFAULT_LOCALE: Locale = LOCALES[0];

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

/**
 * The best of our languages for an Accept-Language header ("zh-TW,zh;q=0.9,en;q=0.8" → zh-Hant), by the
 * CLDR best-fit algorithm: zh-TW, zh-HK and zh-Hant-* reach zh-Hant; anything we do not speak, English.
 */
export function negotiateLocale(acceptLanguage: string | null | undefined): Locale {
  if (!acceptLanguage) return DEFAULT_LOCALE;
  const requested = new Negotiator({ headers: { 'accept-language': acceptLanguage } }).languages().filter((l) => l !== '*');
  if (requested.length === 0) return DEFAULT_LOCALE;
  try {
    const found = match(requested, LOCALES, DEFAULT_LOCALE);
    return isLocale(found) ? found : DEFAULT_LOCALE;
  } catch {
    // a malformed tag in the header: the header cannot choose
    return DEFAULT_LOCALE;
  }
}

/** The console's language for a request: the person's choice, else the cookie's, else the browser's. */
export function resolveLocale(sources: { chosen?: string | null; cookie?: string | null; acceptLanguage?: string | null }): Locale {
  if (isLocale(sources.chosen)) return sources.chosen;
  if (isLocale(sources.cookie)) return sources.cookie;
  return negotiateLocale(sources.acceptLanguage);
}
