'use client';

import { useTranslations } from 'next-intl';
import { cn } from './cn';
import { useNow } from './time';

export function PageHeader({ title, description, actions, children }: { title: string; description?: React.ReactNode; actions?: React.ReactNode; children?: React.ReactNode }) {
  return (
    <header className="mb-6 flex flex-col gap-4 sm:flex-row sm:items-end sm:justify-between">
      <div className="min-w-0">
        <h1 className="text-xl font-semibold tracking-tight text-slate-900 sm:text-2xl">{title}</h1>
        {description ? <p className="mt-1 max-w-2xl text-sm text-slate-500">{description}</p> : null}
        {children}
      </div>
      {actions ? <div className="flex flex-wrap items-center gap-2">{actions}</div> : null}
    </header>
  );
}

/** Shows that the data on screen is polled: a pulsing dot while fresh, amber when the last refresh failed. */
export function LiveIndicator({ updatedAt, fetching, failed }: { updatedAt: number; fetching?: boolean; failed?: boolean }) {
  const now = useNow(5_000);
  const t = useTranslations('common');
  const age = updatedAt ? Math.max(0, Math.round((now - updatedAt) / 1000)) : null;
  return (
    <span
      className={cn(
        'inline-flex items-center gap-2 rounded-full border px-2.5 py-1 text-xs font-medium',
        failed ? 'border-amber-200 bg-amber-50 text-amber-800' : 'border-slate-200 bg-white text-slate-600',
      )}
      suppressHydrationWarning
    >
      <span className="relative flex size-2">
        {!failed ? <span className={cn('absolute inline-flex size-full rounded-full bg-emerald-400 opacity-75', fetching ? 'animate-ping' : '')} /> : null}
        <span className={cn('relative inline-flex size-2 rounded-full', failed ? 'bg-amber-500' : 'bg-emerald-500')} />
      </span>
      {failed ? t('reconnecting') : age === null ? t('live') : age < 5 ? t('liveJustUpdated') : t('liveUpdatedAgo', { seconds: age })}
    </span>
  );
}
