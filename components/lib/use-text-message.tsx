'use client';

import { useTranslations } from 'next-intl';
import { type ReactNode, useCallback, useMemo } from 'react';
import { ENGLISH_TEXT_FORMATS, type TextFormats, textArguments } from '@/lib/i18n/text-message';
import type { TextMessage } from '@/lib/schemas/message';
import { useFormat } from './use-format';

/** Where the messages of the server's sentences live: `overview.detail.<key>`, `metrics.assumption.<key>`, `metrics.reason.<key>`. */
export type TextMessageGroup = 'overview.detail' | 'metrics.assumption' | 'metrics.reason';

interface LooseTranslator {
  has(key: string): boolean;
  rich(key: string, values: Record<string, unknown>): ReactNode;
}

/**
 * A sentence the server composed (lib/schemas/message.ts), said in the reader's language: its message
 * with the arguments formatted for the locale (times, percentages, durations, decision labels); in English
 * with the API's own formats, so the page reads exactly as the API's text. A message the console does not
 * know (a newer server) falls back to the server's English text.
 */
export function useTextMessage(group: TextMessageGroup): (message: TextMessage | null | undefined, fallback: string) => ReactNode {
  const t = useTranslations() as unknown as LooseTranslator;
  const f = useFormat();
  const formats = useMemo<TextFormats>(
    () =>
      f.locale === 'en'
        ? ENGLISH_TEXT_FORMATS
        : {
            time: (iso) => f.timestamp(iso),
            percent: (v) => f.number(v, { style: 'percent', maximumFractionDigits: 1 }),
            duration: (s) => f.duration(s),
            decision: (d) => f.label('decision', d),
          },
    [f],
  );
  return useCallback(
    (message, fallback) => {
      const key = message ? `${group}.${message.key}` : null;
      if (!message || !key || !t.has(key)) return fallback;
      return t.rich(key, { ...textArguments(message.values, formats), code: (chunks: ReactNode) => <code className="font-mono text-[0.95em]">{chunks}</code> });
    },
    [group, t, formats],
  );
}
