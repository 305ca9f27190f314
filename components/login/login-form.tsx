'use client';

import { useTranslations } from 'next-intl';
import { useRouter } from 'next/navigation';
import { signIn } from 'next-auth/react';
import { useEffect, useState } from 'react';
import { Button } from '@/components/ui/button';
import { Input, Label } from '@/components/ui/field';
import { InlineAlert } from '@/components/ui/states';
import { retryAfterSeconds, type SignInError, signInError } from './sign-in-errors';

/** Only same-site paths are followed after sign-in. */
export function safeCallback(raw: string | undefined): string {
  if (!raw || !raw.startsWith('/') || raw.startsWith('//') || raw.startsWith('/\\') || raw.startsWith('/login') || raw.startsWith('/api/')) return '/';
  return raw;
}

/** What the form shows in its alert: a refusal from the server, or that the server could not be asked. */
type FormError = SignInError | { kind: 'unreachable' };

/** The password form, and "Sign in with <name>" when single sign-on is configured. */
export function LoginForm({ callbackUrl, sso, initialError }: { callbackUrl?: string; sso?: { id: string; name: string } | null; initialError?: SignInError | null }) {
  const t = useTranslations('login');
  const router = useRouter();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<FormError | null>(initialError ?? null);
  const [pending, setPending] = useState(false);
  // a throttled sign-in: the form waits out the retry-after the server gave, counting down
  const [retryAt, setRetryAt] = useState<number | null>(() => (initialError?.kind === 'throttled' ? Date.now() + initialError.seconds * 1000 : null));
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (retryAt === null) return;
    const timer = setInterval(() => {
      const n = Date.now();
      setNow(n);
      if (n >= retryAt) {
        setRetryAt(null);
        setError(null);
      }
    }, 1000);
    return () => clearInterval(timer);
  }, [retryAt]);
  const waitS = retryAt === null ? 0 : Math.max(0, Math.ceil((retryAt - now) / 1000));
  const [ssoPending, setSsoPending] = useState(false);
  const errorText = (e: FormError): string => {
    if (e.kind === 'unreachable') return t('errors.unreachable');
    if (e.kind === 'throttled') return t('tooManyAttempts', { seconds: e.seconds });
    if (e.key === 'ssoUnreachable' || e.key === 'ssoIncomplete') return sso ? t(`errors.${e.key}`, { name: sso.name }) : t(`errors.${e.key}Generic`);
    return t(`errors.${e.key}`);
  };

  async function onSubmit(e: React.FormEvent) {
    e.preventDefault();
    setError(null);
    setPending(true);
    try {
      const res = await signIn('credentials', { redirect: false, email, password });
      if (!res || res.error || !res.ok) {
        const wait = retryAfterSeconds(res?.error);
        if (wait !== null) {
          const at = Date.now();
          setNow(at);
          setRetryAt(at + wait * 1000);
        }
        setError(res?.error ? signInError(res.error) : { kind: 'reason', key: 'unavailable' });
        setPassword('');
        return;
      }
      router.replace(safeCallback(callbackUrl));
      router.refresh();
    } catch {
      setError({ kind: 'unreachable' });
    } finally {
      setPending(false);
    }
  }

  return (
    <div className="space-y-6">
      {retryAt !== null ? (
        <InlineAlert title={t('pausedTitle')}>
          <span role="timer" aria-live="off">
            {t('tooManyAttempts', { seconds: waitS })}
          </span>
        </InlineAlert>
      ) : error ? (
        <InlineAlert title={t('failedTitle')}>{errorText(error)}</InlineAlert>
      ) : null}
      {sso ? (
        <>
          <Button
            variant="secondary"
            className="w-full"
            loading={ssoPending}
            onClick={() => {
              setSsoPending(true);
              void signIn(sso.id, { callbackUrl: safeCallback(callbackUrl) });
            }}
          >
            {t('signInWith', { name: sso.name })}
          </Button>
          <div className="flex items-center gap-3 text-xs text-slate-500" aria-hidden>
            <span className="h-px flex-1 bg-slate-200" />
            {t('orPassword')}
            <span className="h-px flex-1 bg-slate-200" />
          </div>
        </>
      ) : null}
      <form onSubmit={onSubmit} className="space-y-5" noValidate>
        <div>
          <Label htmlFor="email">{t('email')}</Label>
          <Input id="email" name="email" type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} placeholder={t('emailPlaceholder')} />
        </div>
        <div>
          <Label htmlFor="password">{t('password')}</Label>
          <Input id="password" name="password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        </div>
        <Button type="submit" variant="primary" className="w-full" loading={pending} disabled={!email || !password || retryAt !== null}>
          {t('submit')}
        </Button>
      </form>
    </div>
  );
}
