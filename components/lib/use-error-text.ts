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
      if (e instanceof ApiError) return locale !== 'en' && t.has(e.code as Parameters<typeof t>[0]) ? t(e.code as Parameters<typeof t>[0]) : e.message;
      if (e instanceof Error && e.message) return locale === 'en' ? e.message : t('fallback');
      return t('fallback');
    },
    [locale, t],
  );
}
