/**
 * The server's sentences as messages (lib/schemas/message.ts): the arguments of a `TextMessage` worded
 * for a message, by what each value is (named by convention: times, rates, durations, decisions).
 * Pure: the API composes its English text with `ENGLISH_TEXT_FORMATS`, the console its page with the
 * reader's formats (components/lib/use-text-message.ts) — the same messages, the same arguments.
 */
import type { TextMessage } from '@/lib/schemas/message';

export interface TextFormats {
  /** an ISO-8601 time ('' when unknown) */
  time(iso: string): string;
  /** a fraction 0..1 as a percentage */
  percent(v: number): string;
  /** seconds */
  duration(s: number): string;
  /** a D30 decision name */
  decision(d: string): string;
}

/** The API's English: "2026-03-01 10:00 UTC", "33.3%", "90 s" / "16.6 min", "escalate to watchdog agent". */
export const ENGLISH_TEXT_FORMATS: TextFormats = {
  time: (iso) => (iso ? new Date(iso).toISOString().slice(0, 16).replace('T', ' ') + ' UTC' : 'an unknown time'),
  percent: (v) => `${Math.round(v * 1000) / 10}%`,
  duration: (s) => (s >= 120 ? `${Math.round(s / 6) / 10} min` : `${s} s`),
  decision: (d) => d.replaceAll('_', ' '),
};

export type TextValueKind = 'time' | 'percent' | 'duration' | 'decision' | 'plain';

/** What a value is, from its name (lib/schemas/message.ts). */
export function textValueKind(name: string): TextValueKind {
  if (name === 'at' || name.endsWith('_at')) return 'time';
  if (name === 'rate' || name.endsWith('_rate')) return 'percent';
  if (name.endsWith('_s')) return 'duration';
  if (name === 'decision') return 'decision';
  return 'plain';
}

/**
 * The message's arguments: times, rates, durations and decisions worded by `formats`; counts stay numbers
 * (a message's plurals choose by them; `{count}` prints them as they are), other strings as they are.
 */
export function textArguments(values: TextMessage['values'], formats: TextFormats): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const [name, v] of Object.entries(values)) {
    const kind = textValueKind(name);
    if (kind === 'time') out[name] = formats.time(String(v));
    else if (kind === 'percent' && typeof v === 'number') out[name] = formats.percent(v);
    else if (kind === 'duration' && typeof v === 'number') out[name] = formats.duration(v);
    else if (kind === 'decision') out[name] = formats.decision(String(v));
    else out[name] = v;
  }
  return out;
}
