'use client';

import { useLocale, useTranslations } from 'next-intl';
import { useRouter } from 'next/navigation';
import { useId, useState, useTransition } from 'react';
import { apiFetch } from '@/components/lib/api';
import { useErrorText } from '@/components/lib/use-error-text';
import { cn } from '@/components/ui/cn';
import { LOCALE_COOKIE } from '@/lib/i18n/locale';
import { LOCALES, type Locale } from '@/lib/schemas/enums';

/** Each language named in itself, as language pickers do. */
const LANGUAGE_NAMES: Record<Locale, string> = { en: 'English', 'zh-Hant': '繁體中文' };

function rememberInBrowser(locale: Locale) {
  document.cookie = `${LOCALE_COOKIE}=${encodeURIComponent(locale)}; path=/; max-age=${60 * 60 * 24 * 365}; samesite=lax`;
}

/**
 * The console's language. Signed in (`remember="person"`), the choice is stored with the person
 * (PATCH /api/watchdog/me) and follows them to every browser; on the sign-in page it is kept in a cookie.
 */
export function LanguageSwitcher({ remember, tone = 'dark', className }: { remember: 'person' | 'browser'; tone?: 'dark' | 'light'; className?: string }) {
  const t = useTranslations('shell');
  const locale = useLocale();
  const router = useRouter();
  const errorText = useErrorText();
  const id = useId();
  const [pending, startTransition] = useTransition();
  const [error, setError] = useState<string | null>(null);

  async function choose(next: Locale) {
    setError(null);
    try {
      if (remember === 'person') await apiFetch('/api/watchdog/me', { method: 'PATCH', body: { locale: next } });
      rememberInBrowser(next);
      startTransition(() => router.refresh());
    } catch (e) {
      setError(t('languageFailed', { message: errorText(e) }));
    }
  }

  return (
    <div className={cn('flex flex-col gap-1', className)}>
      <label htmlFor={id} className={cn('text-xs font-medium', tone === 'dark' ? 'text-slate-300' : 'text-slate-600')}>
        {t('language')}
      </label>
      <select
        id={id}
        value={locale}
        disabled={pending}
        onChange={(e) => void choose(e.target.value as Locale)}
        className={cn('h-8 rounded-md border px-2 text-sm', tone === 'dark' ? 'border-slate-600 bg-slate-800 text-slate-100' : 'border-slate-300 bg-white text-slate-900')}
      >
        {LOCALES.map((l) => (
          <option key={l} value={l} lang={l}>
            {LANGUAGE_NAMES[l]}
          </option>
        ))}
      </select>
      {error ? (
        <p role="alert" className={cn('text-xs', tone === 'dark' ? 'text-rose-300' : 'text-rose-700')}>
          {error}
        </p>
      ) : null}
    </div>
  );
}
