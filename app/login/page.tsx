import { pageTitle } from '@/lib/i18n/page-title';
import { redirect } from 'next/navigation';
import { LoginForm, safeCallback } from '@/components/login/login-form';
import { signInErrorMessage } from '@/components/login/sign-in-errors';
import { ShieldIcon } from '@/components/ui/icons';
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
  const error = signInErrorMessage(typeof params.error === 'string' ? params.error.slice(0, 100) : null, sso?.name);

  return (
    <div className="flex min-h-screen">
      <div className="relative hidden w-[44%] flex-col justify-between overflow-hidden bg-slate-900 p-12 text-white lg:flex">
        <div aria-hidden className="absolute -right-24 -top-24 size-96 rounded-full bg-indigo-600/25 blur-3xl" />
        <div aria-hidden className="absolute -bottom-32 -left-16 size-96 rounded-full bg-emerald-500/10 blur-3xl" />
        <div className="relative flex items-center gap-3">
          <span className="flex size-10 items-center justify-center rounded-xl bg-indigo-500 text-2xl shadow-lg shadow-indigo-900/50">
            <ShieldIcon />
          </span>
          <span className="text-lg font-semibold">Worker Watchdog</span>
        </div>
        <div className="relative max-w-md">
          <p className="text-3xl font-semibold leading-tight tracking-tight">Every claim, lease and artifact — with the evidence to act on it.</p>
          <ul className="mt-8 space-y-3 text-sm text-slate-300">
            <li className="flex gap-3">
              <span className="mt-1.5 size-1.5 shrink-0 rounded-full bg-emerald-400" />
              Leases fenced, swept on deadline, stale workers kept out.
            </li>
            <li className="flex gap-3">
              <span className="mt-1.5 size-1.5 shrink-0 rounded-full bg-amber-400" />
              Release and reclaim wait for a supervisor&apos;s decision.
            </li>
            <li className="flex gap-3">
              <span className="mt-1.5 size-1.5 shrink-0 rounded-full bg-indigo-400" />
              No false green: complete waits for a passing artifact check.
            </li>
          </ul>
        </div>
        <p className="relative text-xs text-slate-500">Supervisors and owners only. Workers report through their API tokens.</p>
      </div>
      <main className="flex flex-1 items-center justify-center px-4 py-12 sm:px-6">
        <div className="w-full max-w-sm">
          <div className="mb-8 flex items-center gap-3 lg:hidden">
            <span className="flex size-10 items-center justify-center rounded-xl bg-indigo-600 text-2xl text-white">
              <ShieldIcon />
            </span>
            <span className="text-lg font-semibold text-slate-900">Worker Watchdog</span>
          </div>
          <h1 className="text-2xl font-semibold tracking-tight text-slate-900">Sign in to the console</h1>
          <p className="mt-1.5 text-sm text-slate-500">{sso ? `Use ${sso.name}, or the email and password your owner set up for you.` : 'Use the email and password your owner set up for you.'}</p>
          <div className="mt-8">
            <LoginForm callbackUrl={callbackUrl} sso={sso ? { id: OIDC_PROVIDER_ID, name: sso.name } : null} initialError={error} />
          </div>
          {demo ? (
            <aside aria-labelledby="demo-logins-title" className="mt-8 rounded-lg bg-amber-50 p-4 text-sm text-amber-900 ring-1 ring-inset ring-amber-200">
              <h2 id="demo-logins-title" className="font-semibold">
                Demo install: where are the logins?
              </h2>
              <p className="mt-1">
                The demo owner and supervisor logins were printed in the terminal where <code className="font-mono text-xs">npm start</code> ran, and are stored in{' '}
                <code className="break-all font-mono text-xs" data-testid="demo-logins-file">
                  {demo.file}
                </code>{' '}
                on the console&apos;s machine.
              </p>
            </aside>
          ) : null}
        </div>
      </main>
    </div>
  );
}
