'use client';

import { useTranslations } from 'next-intl';
import { useRouter } from 'next/navigation';
import { signOut } from 'next-auth/react';
import { useEffect, useState } from 'react';
import { Button } from '@/components/ui/button';
import { BrandMark } from '@/components/ui/brand-mark';
import { ClockIcon, LogoutIcon, RefreshIcon } from '@/components/ui/icons';

/** How often the page asks the server again whether an owner has given a role. */
const RECHECK_MS = 10_000;

/** Signed in, no role yet: says who you are, what happens next, and checks again on its own. */
export function WaitingView({ email }: { email: string }) {
  const t = useTranslations('waiting');
  const tc = useTranslations('common');
  const router = useRouter();
  const [checking, setChecking] = useState(false);
  useEffect(() => {
    const t = setInterval(() => router.refresh(), RECHECK_MS);
    return () => clearInterval(t);
  }, [router]);
  return (
    <main className="flex min-h-screen items-center justify-center px-4 py-12 sm:px-6">
      <div className="w-full max-w-lg">
        <BrandMark name={tc('appName')} className="mb-8" />
        <section aria-labelledby="waiting-title" className="rounded-xl border border-slate-200 bg-white p-6 shadow-[0_1px_2px_rgba(15,23,42,0.04)]">
          <div className="flex items-start gap-3">
            <ClockIcon className="mt-1 size-6 shrink-0 text-amber-600" />
            <div className="min-w-0">
              <h1 id="waiting-title" className="text-xl font-semibold tracking-tight text-slate-900">
                {t('heading')}
              </h1>
              <p className="mt-2 text-sm text-slate-600">{t.rich('signedInAs', { email, strong: (chunks) => <strong className="break-all text-slate-900">{chunks}</strong> })}</p>
              <p className="mt-2 text-sm text-slate-600">{t.rich('askOwner', { strong: (chunks) => <strong className="text-slate-900">{chunks}</strong> })}</p>
            </div>
          </div>
          <div className="mt-6 flex flex-col gap-2 sm:flex-row sm:justify-end">
            <Button variant="ghost" onClick={() => void signOut({ callbackUrl: '/login' })}>
              <LogoutIcon /> {t('signOut')}
            </Button>
            <Button
              variant="primary"
              loading={checking}
              onClick={() => {
                setChecking(true);
                router.refresh();
                setTimeout(() => setChecking(false), 800);
              }}
            >
              <RefreshIcon /> {t('checkAgain')}
            </Button>
          </div>
        </section>
      </div>
    </main>
  );
}
