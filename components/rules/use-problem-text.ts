'use client';

import { useLocale, useTranslations } from 'next-intl';
import { useCallback } from 'react';
import type { RuleProblem } from './rule-form';

/** A rule value's problem in the reader's language; in English the server's own words when it sent them. */
export function useProblemText(): (p: RuleProblem) => string {
  const t = useTranslations('rules');
  const locale = useLocale();
  return useCallback(
    (p: RuleProblem) => {
      if (p.server !== undefined && locale === 'en') return p.server;
      switch (p.key) {
        case 'atLeast':
        case 'atMost':
          return t(`problem.${p.key}`, { limit: p.limit });
        case 'unknownParam':
          return t('problem.unknownParam', { signal: p.signal });
        case 'other':
          return p.text;
        default:
          return t(`problem.${p.key}`);
      }
    },
    [locale, t],
  );
}
