'use client';

import { useLocale, useTranslations } from 'next-intl';
import { useCallback } from 'react';
import { ApiError } from './api';

/**
 * An error as the reader can read it. In English the API's own message (it names the job, the worker,
 * the field); in another language the translation of its code (API.md's error codes), falling back to
 * the API's message for a code without one.
 */
export function useErrorText(): (e: unknown) => string {
  const t = useTranslations('errors');
  const locale = useLocale();
  return useCallback(
    (e: unknown) => {
      if (e instanceof ApiError) {
        if (locale === 'en') return e.message;
        if (t.has(e.code as Parameters<typeof t>[0])) return t(e.code as Parameters<typeof t>[0]);
        // an answer without the API's error body (a proxy's 502, say): only its status is known
        if (/^http_\d{3}$/.test(e.code)) return t('httpStatus', { status: e.status });
        return e.message;
      }
      if (e instanceof Error && e.message) return locale === 'en' ? e.message : t('fallback');
      return t('fallback');
    },
    [locale, t],
  );
}
