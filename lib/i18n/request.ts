import { cookies, headers } from 'next/headers';
import { getRequestConfig } from 'next-intl/server';
import { readSessionPerson } from '@/lib/auth/session-person';
import { formats, TIME_ZONE } from './formats';
import { LOCALE_COOKIE, resolveLocale } from './locale';
import { messages } from './messages';

/**
 * next-intl's per-request configuration (next.config.ts points the plugin here). No locale in the URL:
 * the signed-in person's stored choice wins, then the cookie, then Accept-Language.
 */
export default getRequestConfig(async () => {
  const person = await readSessionPerson();
  const chosen = person.state === 'active' || person.state === 'waiting' ? person.user.locale : null;
  const locale = resolveLocale({
    chosen,
    cookie: (await cookies()).get(LOCALE_COOKIE)?.value,
    acceptLanguage: (await headers()).get('accept-language'),
  });
  return { locale, messages: messages[locale], timeZone: TIME_ZONE, formats };
});
