'use client';

import { useTranslations } from 'next-intl';
import { useState } from 'react';
import { shortHash } from '@/components/lib/format';
import { cn } from '@/components/ui/cn';
import { CopyIcon } from '@/components/ui/icons';

/** A hash shown short, copyable, full on hover. */
export function HashText({ hash, className }: { hash: string | null | undefined; className?: string }) {
  const [copied, setCopied] = useState(false);
  const t = useTranslations('jobs.output');
  if (!hash) return <span className={cn('font-mono text-xs text-slate-500', className)}>—</span>;
  return (
    <span className={cn('inline-flex items-center gap-1 font-mono text-xs text-slate-600', className)} title={hash}>
      {shortHash(hash)}
      <button
        type="button"
        className="rounded p-0.5 text-slate-500 hover:bg-slate-100 hover:text-slate-700"
        aria-label={copied ? t('copied') : t('copyHash')}
        onClick={() => {
          void navigator.clipboard?.writeText(hash).then(() => {
            setCopied(true);
            setTimeout(() => setCopied(false), 1500);
          });
        }}
      >
        <CopyIcon className="size-3" />
      </button>
    </span>
  );
}

/** A command's output, collapsed to a preview, expandable. */
export function OutputBlock({ output }: { output: string | null }) {
  const [open, setOpen] = useState(false);
  const t = useTranslations('jobs.output');
  if (output === null || output === undefined) return <p className="text-xs italic text-slate-600">{t('noOutput')}</p>;
  if (output === '') return <p className="text-xs italic text-slate-600">{t('empty')}</p>;
  const lines = output.split('\n');
  const long = lines.length > 3 || output.length > 240;
  return (
    <div>
      <pre
        className={cn('overflow-x-auto whitespace-pre-wrap break-all rounded-lg bg-slate-950 px-3 py-2 font-mono text-xs leading-relaxed text-slate-100', !open && long && 'max-h-20 overflow-hidden')}
      >
        {open || !long ? output : lines.slice(0, 3).join('\n').slice(0, 240) + ' …'}
      </pre>
      {long ? (
        <button type="button" onClick={() => setOpen((v) => !v)} aria-expanded={open} className="mt-1 text-xs font-medium text-indigo-600 hover:text-indigo-500">
          {open ? t('hideFull') : t('showFull', { lines: lines.length, chars: output.length })}
        </button>
      ) : null}
    </div>
  );
}
