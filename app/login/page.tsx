import { pageTitle } from '@/lib/i18n/page-title';
import { getTranslations } from 'next-intl/server';
import { redirect } from 'next/navigation';
import { LoginForm, safeCallback } from '@/components/login/login-form';
import { signInError } from '@/components/login/sign-in-errors';
import { LanguageSwitcher } from '@/components/shell/language-switcher';
import { BrandMark } from '@/components/ui/brand-mark';
import { oidcSettings } from '@/lib/auth/oidc-config';
import { OIDC_PROVIDER_ID } from '@/lib/auth/oidc-provider';
import { readSessionPerson } from '@/lib/auth/session-person';
import { demoLoginsNotice } from '@/lib/demo-notice';

export const generateMetadata = pageTitle('login');

export default async function LoginPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams;
  const callbackUrl = typeof params.callbackUrl === 'string' ? params.callbackUrl : undefined;
  const person = await readSessionPerson();
  if (person.state === 'active') redirect(safeCallback(callbackUrl));
  if (person.state === 'waiting') redirect('/waiting');
  const sso = oidcSettings().config;
  const demo = demoLoginsNotice();
  const error = signInError(typeof params.error === 'string' ? params.error.slice(0, 100) : null);
  const t = await getTranslations('login');
  const tc = await getTranslations('common');

  return (
    <div className="flex min-h-screen">
      <div className="relative hidden w-[44%] flex-col justify-between overflow-hidden bg-slate-900 p-12 text-white lg:flex">
        <div aria-hidden className="absolute -right-24 -top-24 size-96 rounded-full bg-indigo-600/25 blur-3xl" />
        <div aria-hidden className="absolute -bottom-32 -left-16 size-96 rounded-full bg-emerald-500/10 blur-3xl" />
        <BrandMark name={tc('appName')} tone="dark" className="relative" />
        <div className="relative max-w-md">
          <p className="text-3xl font-semibold leading-tight tracking-tight">{t('heroTitle')}</p>
          <ul className="mt-8 space-y-3 text-sm text-slate-300">
            <li className="flex gap-3">
              <span className="mt-1.5 size-1.5 shrink-0 rounded-full bg-emerald-400" />
              {t('heroLeases')}
            </li>
            <li className="flex gap-3">
              <span className="mt-1.5 size-1.5 shrink-0 rounded-full bg-amber-400" />
              {t('heroDecisions')}
            </li>
            <li className="flex gap-3">
              <span className="mt-1.5 size-1.5 shrink-0 rounded-full bg-indigo-400" />
              {t('heroNoFalseGreen')}
            </li>
          </ul>
        </div>
        <p className="relative text-xs text-slate-400">{t('audience')}</p>
      </div>
      <main className="flex flex-1 flex-col">
        <div className="flex justify-end px-4 pt-4 sm:px-6">
          <LanguageSwitcher remember="browser" tone="light" />
        </div>
        <div className="flex flex-1 items-center justify-center px-4 pb-12 pt-6 sm:px-6">
          <div className="w-full max-w-sm">
            <BrandMark name={tc('appName')} className="mb-8 lg:hidden" />
            <h1 className="text-2xl font-semibold tracking-tight text-slate-900">{t('heading')}</h1>
            <p className="mt-1.5 text-sm text-slate-500">{sso ? t('introSso', { name: sso.name }) : t('intro')}</p>
            <div className="mt-8">
              <LoginForm callbackUrl={callbackUrl} sso={sso ? { id: OIDC_PROVIDER_ID, name: sso.name } : null} initialError={error} />
            </div>
            {demo ? (
              <aside aria-labelledby="demo-logins-title" className="mt-8 rounded-lg bg-amber-50 p-4 text-sm text-amber-900 ring-1 ring-inset ring-amber-200">
                <h2 id="demo-logins-title" className="font-semibold">
                  {t('demoTitle')}
                </h2>
                <p className="mt-1">
                  {t.rich('demoBody', {
                    file: demo.file,
                    command: (chunks) => <code className="font-mono text-xs">{chunks}</code>,
                    path: (chunks) => (
                      <code className="break-all font-mono text-xs" data-testid="demo-logins-file">
                        {chunks}
                      </code>
                    ),
                  })}
                </p>
              </aside>
            ) : null}
          </div>
        </div>
      </main>
    </div>
  );
}
