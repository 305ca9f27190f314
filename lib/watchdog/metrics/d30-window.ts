import { sql } from 'drizzle-orm';
import { validationFailed } from '../errors';

/** The D30 window `[from, to)` (default: the 30 days before now) and its UTC days. */

export const D30_DEFAULT_DAYS = 30;
export const D30_MAX_DAYS = 366;
export const DAY_MS = 24 * 3600 * 1000;

export interface D30Window {
  from: Date;
  to: Date;
}

/** Resolves `from`/`to` (either may be missing) into a window; refuses an empty, reversed or too long one. */
export function resolveD30Window(input: { from?: string | Date | null; to?: string | Date | null }, now: Date): D30Window {
  const to = input.to ? new Date(input.to) : now;
  const from = input.from ? new Date(input.from) : new Date(to.getTime() - D30_DEFAULT_DAYS * DAY_MS);
  const problems: { path: string; message: string }[] = [];
  if (Number.isNaN(from.getTime())) problems.push({ path: 'from', message: 'not a valid time' });
  if (Number.isNaN(to.getTime())) problems.push({ path: 'to', message: 'not a valid time' });
  if (!problems.length && from.getTime() >= to.getTime()) problems.push({ path: 'from', message: 'must be before to' });
  if (!problems.length && to.getTime() - from.getTime() > D30_MAX_DAYS * DAY_MS) problems.push({ path: 'from', message: `the window may span at most ${D30_MAX_DAYS} days` });
  if (problems.length) throw validationFailed(problems, 'the metrics window is not valid');
  return { from, to };
}

/** The UTC days touching [from, to), oldest first. */
export function windowDays(w: D30Window): string[] {
  const days: string[] = [];
  const start = Math.floor(w.from.getTime() / DAY_MS) * DAY_MS;
  for (let t = start; t < w.to.getTime(); t += DAY_MS) days.push(new Date(t).toISOString().slice(0, 10));
  return days;
}

/** The UTC day (as a timestamptz at midnight) of a timestamptz column: cheap to group by, unlike to_char. */
export const DAY_BUCKET = (column: string) => sql.raw(`date_bin('24 hours', ${column}, timestamptz '2000-01-01 00:00:00+00')`);
