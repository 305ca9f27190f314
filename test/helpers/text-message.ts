import { createTranslator } from 'next-intl';
import { expect } from 'vitest';
import { ENGLISH_TEXT_FORMATS, type TextFormats, textArguments } from '@/lib/i18n/text-message';
import { messages } from '@/lib/i18n/messages';
import type { TextMessage } from '@/lib/schemas/message';

export type TextGroup = 'overview.detail' | 'metrics.assumption' | 'metrics.reason';

interface Loose {
  markup(key: string, values: Record<string, unknown>): string;
  has(key: string): boolean;
}

const fail = (e: Error) => {
  throw e;
};
const translators = {
  en: createTranslator({ locale: 'en', messages: messages.en, onError: fail }) as unknown as Loose,
  'zh-Hant': createTranslator({ locale: 'zh-Hant', messages: messages['zh-Hant'], onError: fail }) as unknown as Loose,
};

/** Times, rates, durations and decisions in a form a test can find again in the text (the page formats them per locale). */
const MARKED: TextFormats = { time: (iso) => `[time ${iso}]`, percent: (v) => `[pct ${v}]`, duration: (s) => `[dur ${s}]`, decision: (d) => `[decision ${d}]` };

/** A message said as the console says it (next-intl over the console's messages), `<code>` dropped. */
export function sayMessage(locale: 'en' | 'zh-Hant', group: TextGroup, message: TextMessage, formats: TextFormats = locale === 'en' ? ENGLISH_TEXT_FORMATS : MARKED): string {
  const key = `${group}.${message.key}`;
  const t = translators[locale];
  expect(t.has(key), `${locale} has ${key}`).toBe(true);
  return t.markup(key, { ...textArguments(message.values, formats), code: (chunks: string) => chunks });
}

/**
 * The English field and its message say the same thing: the page's English (next-intl, the console's
 * messages, the API's formats) is the API's text, and the Chinese message takes every argument.
 */
export function expectSameText(group: TextGroup, text: string, message: TextMessage | undefined) {
  expect(message, `a message beside "${text}"`).toBeDefined();
  expect(sayMessage('en', group, message!)).toBe(text);
  const zh = sayMessage('zh-Hant', group, message!);
  expect(zh).not.toMatch(/[{}]/);
  expect(zh).toMatch(/[\u4e00-\u9fff]/);
}
