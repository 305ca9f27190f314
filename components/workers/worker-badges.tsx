'use client';

import { useTranslations } from 'next-intl';
import type { WorkerStatus } from '@/components/lib/types';
import { Badge, type Tone } from '@/components/ui/badge';

const statusTone: Record<WorkerStatus, Tone> = { working: 'success', idle: 'info', silent: 'danger', retired: 'muted' };

export function WorkerStatusBadge({ status }: { status: WorkerStatus }) {
  const t = useTranslations('workers');
  return (
    <Badge tone={statusTone[status]} dot title={t(`statusHelp.${status}`)}>
      {t(`status.${status}`)}
    </Badge>
  );
}

/** "4 min left", "expired", "—": the time the worker's lease has left, in the reader's language. */
export function LeaseLeft({ iso, now }: { iso: string | null; now: number }) {
  const t = useTranslations('workers');
  if (!iso) return <>—</>;
  const s = Math.round((new Date(iso).getTime() - now) / 1000);
  if (s <= 0) return <>{t('lease.expired')}</>;
  if (s < 60) return <>{t('lease.seconds', { s })}</>;
  if (s < 3600) return <>{t('lease.minutes', { m: Math.floor(s / 60) })}</>;
  return <>{t('lease.hours', { h: Math.floor(s / 3600), m: Math.floor((s % 3600) / 60) })}</>;
}
