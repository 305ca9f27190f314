import { cn } from './cn';

export type Tone = 'neutral' | 'success' | 'warning' | 'danger' | 'info' | 'accent' | 'muted';

const tones: Record<Tone, string> = {
  neutral: 'bg-slate-100 text-slate-700 ring-slate-600/15',
  muted: 'bg-white text-slate-500 ring-slate-300',
  success: 'bg-emerald-50 text-emerald-700 ring-emerald-600/20',
  warning: 'bg-amber-50 text-amber-800 ring-amber-600/25',
  danger: 'bg-rose-50 text-rose-700 ring-rose-600/20',
  info: 'bg-sky-50 text-sky-700 ring-sky-600/20',
  accent: 'bg-indigo-50 text-indigo-700 ring-indigo-600/20',
};

const dots: Record<Tone, string> = {
  neutral: 'bg-slate-400',
  muted: 'bg-slate-300',
  success: 'bg-emerald-500',
  warning: 'bg-amber-500',
  danger: 'bg-rose-500',
  info: 'bg-sky-500',
  accent: 'bg-indigo-500',
};

export function Badge({ tone = 'neutral', dot, className, children, title }: { tone?: Tone; dot?: boolean; className?: string; children: React.ReactNode; title?: string }) {
  return (
    <span title={title} className={cn('inline-flex max-w-full items-center gap-1.5 rounded-md px-2 py-0.5 text-xs font-medium ring-1 ring-inset', tones[tone], className)}>
      {dot ? <span aria-hidden className={cn('size-1.5 rounded-full', dots[tone])} /> : null}
      {children}
    </span>
  );
}

export function toneDot(tone: Tone): string {
  return dots[tone];
}
