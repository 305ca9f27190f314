'use client';

import { useTranslations } from 'next-intl';
import { ApiError } from '@/components/lib/api';
import { useErrorText } from '@/components/lib/use-error-text';
import { Button } from './button';
import { cn } from './cn';
import { AlertIcon, InboxIcon, LockIcon, RefreshIcon } from './icons';

export function EmptyState({ title, description, icon, action, className }: { title: string; description?: React.ReactNode; icon?: React.ReactNode; action?: React.ReactNode; className?: string }) {
  return (
    <div className={cn('flex flex-col items-center justify-center px-6 py-12 text-center', className)}>
      <div className="mb-3 flex size-11 items-center justify-center rounded-full bg-slate-100 text-xl text-slate-500">{icon ?? <InboxIcon />}</div>
      <p className="text-sm font-semibold text-slate-900">{title}</p>
      {description ? <p className="mt-1 max-w-sm text-sm text-slate-500">{description}</p> : null}
      {action ? <div className="mt-4">{action}</div> : null}
    </div>
  );
}

/** A failed load: what happened, in words, and a way to try again. */
export function ErrorState({ error, onRetry, title, className }: { error: unknown; onRetry?: () => void; title?: string; className?: string }) {
  const forbidden = error instanceof ApiError && error.status === 403;
  const t = useTranslations('common');
  const errorText = useErrorText();
  return (
    <div role="alert" className={cn('flex flex-col items-center justify-center px-6 py-12 text-center', className)}>
      <div className={cn('mb-3 flex size-11 items-center justify-center rounded-full text-xl', forbidden ? 'bg-slate-100 text-slate-500' : 'bg-rose-50 text-rose-600')}>
        {forbidden ? <LockIcon /> : <AlertIcon />}
      </div>
      <p className="text-sm font-semibold text-slate-900">{title ?? (forbidden ? t('notAvailable') : t('couldNotLoad'))}</p>
      <p className="mt-1 max-w-md text-sm text-slate-500">{errorText(error)}</p>
      {onRetry && !forbidden ? (
        <Button size="sm" className="mt-4" onClick={onRetry}>
          <RefreshIcon /> {t('tryAgain')}
        </Button>
      ) : null}
    </div>
  );
}

export function Skeleton({ className }: { className?: string }) {
  return <div aria-hidden className={cn('animate-pulse rounded-md bg-slate-200/70', className)} />;
}

export function LoadingRows({ rows = 5, label: given }: { rows?: number; label?: string }) {
  const t = useTranslations('common');
  const label = given ?? t('loading');
  return (
    <div role="status" aria-label={label} className="divide-y divide-slate-100">
      {Array.from({ length: rows }, (_, i) => (
        <div key={i} className="flex items-center gap-4 px-4 py-3.5 sm:px-5">
          <Skeleton className="h-4 w-28" />
          <Skeleton className="h-4 flex-1" />
          <Skeleton className="hidden h-4 w-20 sm:block" />
        </div>
      ))}
      <span className="sr-only">{label}…</span>
    </div>
  );
}

/** A read-only notice for roles without the permission: says why, instead of hiding the control. */
export function ReadOnlyNotice({ children, id }: { children: React.ReactNode; id?: string }) {
  return (
    <p id={id} className="flex items-start gap-2 rounded-lg bg-slate-100 px-3 py-2 text-sm text-slate-600">
      <LockIcon className="mt-0.5 shrink-0 text-slate-400" />
      <span>{children}</span>
    </p>
  );
}

export function InlineAlert({ tone = 'danger', title, children, onDismiss }: { tone?: 'danger' | 'warning' | 'success' | 'info'; title?: string; children?: React.ReactNode; onDismiss?: () => void }) {
  const t = useTranslations('common');
  const styles = {
    danger: 'border-rose-200 bg-rose-50 text-rose-800',
    warning: 'border-amber-200 bg-amber-50 text-amber-900',
    success: 'border-emerald-200 bg-emerald-50 text-emerald-800',
    info: 'border-sky-200 bg-sky-50 text-sky-800',
  }[tone];
  return (
    <div role={tone === 'danger' || tone === 'warning' ? 'alert' : 'status'} className={cn('flex items-start gap-3 rounded-lg border px-3.5 py-2.5 text-sm', styles)}>
      <div className="min-w-0 flex-1">
        {title ? <p className="font-semibold">{title}</p> : null}
        {children ? <div className={title ? 'mt-0.5' : undefined}>{children}</div> : null}
      </div>
      {onDismiss ? (
        <button type="button" onClick={onDismiss} className="-m-1 rounded p-1 text-current opacity-60 hover:opacity-100" aria-label={t('dismiss')}>
          ×
        </button>
      ) : null}
    </div>
  );
}
