import type { Formats } from 'next-intl';

/**
 * Times are shown in UTC in every language: the people on call sit in different time zones and quote
 * times to each other; the zone is always printed.
 */
export const TIME_ZONE = 'UTC';

/** The named formats the pages use (`format.dateTime(d, 'timestamp')`). */
export const formats = {
  dateTime: {
    timestamp: { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23', timeZoneName: 'short' },
    minute: { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short' },
    day: { month: 'short', day: 'numeric' },
    date: { year: 'numeric', month: 'short', day: 'numeric' },
  },
  number: {
    percent: { style: 'percent', maximumFractionDigits: 0 },
    percent1: { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 },
  },
} satisfies Formats;
