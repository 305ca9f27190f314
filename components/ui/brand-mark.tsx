import { cn } from './cn';
import { ShieldIcon } from './icons';

/** The shield and the product's name, as the sign-in and waiting pages show it (light or on the dark panel). */
export function BrandMark({ name, tone = 'light', className }: { name: string; tone?: 'light' | 'dark'; className?: string }) {
  return (
    <div className={cn('flex items-center gap-3', className)}>
      <span className={cn('flex size-10 items-center justify-center rounded-xl text-2xl text-white', tone === 'dark' ? 'bg-indigo-500 shadow-lg shadow-indigo-900/50' : 'bg-indigo-600')}>
        <ShieldIcon />
      </span>
      <span className={cn('text-lg font-semibold', tone === 'light' && 'text-slate-900')}>{name}</span>
    </div>
  );
}
