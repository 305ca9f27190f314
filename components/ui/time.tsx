'use client';

import { useEffect, useState } from 'react';
import { useFormat } from '@/components/lib/use-format';

/** A ticking clock shared by every relative time on the page. */
export function useNow(intervalMs = 15_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(t);
  }, [intervalMs]);
  return now;
}

/** "3 minutes ago", with the exact UTC time on hover; server and client may differ by a tick. */
export function RelativeTime({ iso, className }: { iso: string | null | undefined; className?: string }) {
  const now = useNow();
  const f = useFormat();
  if (!iso) return <span className={className}>—</span>;
  return (
    <time dateTime={iso} title={f.timestamp(iso)} className={className} suppressHydrationWarning>
      {f.relative(iso, now)}
    </time>
  );
}

export function Timestamp({ iso, className }: { iso: string | null | undefined; className?: string }) {
  const f = useFormat();
  if (!iso) return <span className={className}>—</span>;
  return (
    <time dateTime={iso} className={className}>
      {f.timestamp(iso)}
    </time>
  );
}
