/** Display helpers shared by the console pages that need no language. Pure: no React, no DOM. */
import { type Signal, SIGNALS } from '@/lib/schemas/enums';

/** The signals in the order the pages list them: the order of lib/schemas/enums.ts. */
export const signalOrder = SIGNALS;

/** A trigger that names one of our signals (worded by `useFormat().signal`), not free text. */
export function isSignal(value: string | null | undefined): value is Signal {
  return typeof value === 'string' && (SIGNALS as readonly string[]).includes(value);
}

/** "needs_human" → "Needs human": the last resort for a value with no label in the messages. */
export function humanize(s: string): string {
  const t = s.replaceAll('_', ' ').replaceAll('.', ' · ');
  return t.charAt(0).toUpperCase() + t.slice(1);
}

export function shortHash(hash: string | null | undefined, length = 12): string {
  if (!hash) return '—';
  const h = hash.startsWith('sha256:') ? hash.slice(7) : hash;
  return `${hash.startsWith('sha256:') ? 'sha256:' : ''}${h.slice(0, length)}…`;
}
