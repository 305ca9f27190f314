'use client';

import { type NumberFormatOptions, useFormatter, useLocale, useTranslations } from 'next-intl';
import { useMemo } from 'react';
import { humanize } from './format';

type Iso = string | null | undefined;
type Num = number | null | undefined;

/** The enum families with labels in messages/<locale>/enums.json. */
export type EnumFamily =
  | 'signal'
  | 'risk'
  | 'leaseState'
  | 'leaseEvent'
  | 'result'
  | 'incidentStatus'
  | 'role'
  | 'decision'
  | 'phase'
  | 'repairAction'
  | 'authority'
  | 'severity'
  | 'runStatus'
  | 'repairDecision'
  | 'notificationStatus';

const finite = (v: Num): v is number => v !== null && v !== undefined && Number.isFinite(v);

/**
 * Numbers, percentages, durations, times and enum labels in the reader's language, through next-intl's
 * formatter (Intl underneath). Every page formats through this one hook; times are in UTC, zone printed.
 */
export function useFormat() {
  const f = useFormatter();
  const locale = useLocale();
  const t = useTranslations('format');
  const te = useTranslations('enums');
  return useMemo(() => {
    const unit = (value: number, u: 'second' | 'minute' | 'hour' | 'day') => f.number(value, { style: 'unit', unit: u, unitDisplay: 'short' });
    /** 42 s, 3 min 5 s, 2 h 10 min, 3 d 4 h — in the locale's units */
    const duration = (seconds: Num): string => {
      if (!finite(seconds)) return '—';
      const s = Math.round(Math.abs(seconds));
      if (s < 60) return unit(s, 'second');
      const m = Math.floor(s / 60);
      if (m < 60) return s % 60 ? `${unit(m, 'minute')} ${unit(s % 60, 'second')}` : unit(m, 'minute');
      const h = Math.floor(m / 60);
      if (h < 24) return m % 60 ? `${unit(h, 'hour')} ${unit(m % 60, 'minute')}` : unit(h, 'hour');
      const d = Math.floor(h / 24);
      return h % 24 ? `${unit(d, 'day')} ${unit(h % 24, 'hour')}` : unit(d, 'day');
    };
    const date = (iso: Iso): Date | null => {
      if (!iso) return null;
      const d = new Date(iso);
      return Number.isFinite(d.getTime()) ? d : null;
    };
    /** a formatter of one of the named date formats (lib/i18n/formats.ts); '—' for no or a bad time */
    const dateAs = (format: 'timestamp' | 'minute' | 'day' | 'date') => (iso: Iso) => {
      const d = date(iso);
      return d ? f.dateTime(d, format) : '—';
    };
    const label = (family: EnumFamily, value: string | null | undefined): string => {
      if (!value) return '—';
      const key = `${family}.${value}` as Parameters<typeof te>[0];
      return te.has(key) ? te(key) : humanize(value);
    };
    return {
      locale,
      number: (v: Num, options?: NumberFormatOptions) => (finite(v) ? f.number(v, options) : '—'),
      /** 0.915 → "92%" (digits: fraction digits of the percentage) */
      percent: (v: Num, digits = 0) => (finite(v) ? f.number(v, { style: 'percent', minimumFractionDigits: digits, maximumFractionDigits: digits }) : '—'),
      duration,
      ms: (ms: Num) => (!finite(ms) ? '—' : ms < 1000 ? f.number(ms, { style: 'unit', unit: 'millisecond', unitDisplay: 'short' }) : duration(ms / 1000)),
      /** "in 3 minutes", "5 seconds ago", relative to `now` */
      relative: (iso: Iso, now: number = Date.now()) => {
        const d = date(iso);
        if (!d) return '—';
        if (Math.abs(d.getTime() - now) < 5_000) return t('justNow');
        return f.relativeTime(d, now);
      },
      /** the exact time, seconds and zone: "Mar 1, 2026, 10:00:05 UTC" / "2026年3月1日 10:00:05 [UTC]" */
      timestamp: dateAs('timestamp'),
      /** to the minute, no year */
      minute: dateAs('minute'),
      /** a calendar day ("Mar 1" / "3月1日"); a bare YYYY-MM-DD is read as that UTC day */
      day: dateAs('day'),
      date: dateAs('date'),
      label,
      killed: () => t('killed'),
      exitCode: (code: number) => t('exitCode', { code }),
      signal: (s: string | null | undefined) => label('signal', s),
    };
  }, [f, locale, t, te]);
}

export type Format = ReturnType<typeof useFormat>;
