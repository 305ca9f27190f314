import { type AbstractIntlMessages, createTranslator } from 'use-intl/core';
import metrics from '@/lib/i18n/messages/en/metrics.json';
import overview from '@/lib/i18n/messages/en/overview.json';
import { ENGLISH_TEXT_FORMATS, textArguments } from '@/lib/i18n/text-message';
import type { TextMessage } from '@/lib/schemas/message';

/** The console's English messages the API's sentences are composed from, and where in them. */
export type TextGroup = 'overview.detail' | 'metrics.assumption' | 'metrics.reason';

interface EnglishTranslator {
  markup(key: string, values: Record<string, unknown>): string;
}

// a message the code names but the messages lack is a programming error: fail loudly (tests catch it)
const fail = (error: Error) => {
  throw error;
};
const translator = (namespace: 'overview' | 'metrics', messages: AbstractIntlMessages) =>
  createTranslator({ locale: 'en', messages: { [namespace]: messages }, namespace, onError: fail }) as unknown as EnglishTranslator;
const translators = { overview: translator('overview', overview), metrics: translator('metrics', metrics) };

/**
 * A message in the API's English: the console's English message (lib/i18n/messages/en) with the
 * arguments worded by `ENGLISH_TEXT_FORMATS`, markup (`<code>`) dropped. The page says the same message
 * through next-intl, so the API's text and the page cannot drift apart.
 */
export function englishText(group: TextGroup, message: TextMessage): string {
  const [namespace, prefix] = group.split('.') as ['overview' | 'metrics', string];
  return translators[namespace].markup(`${prefix}.${message.key}`, { ...textArguments(message.values, ENGLISH_TEXT_FORMATS), code: (chunks: string) => chunks });
}

/** A sentence and its message: `text` for the API's English field, `message` for the page to translate. */
export function composeText(group: TextGroup, key: string, values: TextMessage['values'] = {}): { text: string; message: TextMessage } {
  const message = { key, values };
  return { text: englishText(group, message), message };
}
