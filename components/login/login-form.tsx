'use client';

import { useRouter } from 'next/navigation';
import { signIn } from 'next-auth/react';
import { useEffect, useState } from 'react';
import { Button } from '@/components/ui/button';
import { Input, Label } from '@/components/ui/field';
import { InlineAlert } from '@/components/ui/states';
import { retryAfterSeconds, signInErrorMessage, tooManyAttemptsText } from './sign-in-errors';

/** Only same-site paths are followed after sign-in. */
export function safeCallback(raw: string | undefined): string {
  if (!raw || !raw.startsWith('/') || raw.startsWith('//') || raw.startsWith('/\\') || raw.startsWith('/login') || raw.startsWith('/api/')) return '/';
  return raw;
}

/** The password form, and "Sign in with <name>" when single sign-on is configured. */
export function LoginForm({ callbackUrl, sso, initialError }: { callbackUrl?: string; sso?: { id: string; name: string } | null; initialError?: string | null }) {
  const router = useRouter();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(initialError ?? null);
  const [pending, setPending] = useState(false);
  // a throttled sign-in: the form waits out the retry-after the server gave, counting down
  const [retryAt, setRetryAt] = useState<number | null>(() => {
    const s = retryAfterSeconds(initialError);
    return s === null ? null : Date.now() + s * 1000;
  });
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (retryAt === null) return;
    const t = setInterval(() => {
      const n = Date.now();
      setNow(n);
      if (n >= retryAt) {
        setRetryAt(null);
        setError(null);
      }
    }, 1000);
    return () => clearInterval(t);
  }, [retryAt]);
  const waitS = retryAt === null ? 0 : Math.max(0, Math.ceil((retryAt - now) / 1000));
  const [ssoPending, setSsoPending] = useState(false);

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
        setError(res?.error ? signInErrorMessage(res.error, sso?.name) : 'Sign-in is not available right now. Try again in a moment.');
        setPassword('');
        return;
      }
      router.replace(safeCallback(callbackUrl));
      router.refresh();
    } catch {
      setError('The console could not be reached. Check your connection and try again.');
    } finally {
      setPending(false);
    }
  }

  return (
    <div className="space-y-6">
      {retryAt !== null ? (
        <InlineAlert title="Sign-in paused">
          <span role="timer" aria-live="off">
            {tooManyAttemptsText(waitS)}
          </span>
        </InlineAlert>
      ) : error ? (
        <InlineAlert title="Sign-in failed">{error}</InlineAlert>
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
            {`Sign in with ${sso.name}`}
          </Button>
          <div className="flex items-center gap-3 text-xs text-slate-500" aria-hidden>
            <span className="h-px flex-1 bg-slate-200" />
            or with your password
            <span className="h-px flex-1 bg-slate-200" />
          </div>
        </>
      ) : null}
      <form onSubmit={onSubmit} className="space-y-5" noValidate>
        <div>
          <Label htmlFor="email">Email</Label>
          <Input id="email" name="email" type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} placeholder="you@company.com" />
        </div>
        <div>
          <Label htmlFor="password">Password</Label>
          <Input id="password" name="password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        </div>
        <Button type="submit" variant="primary" className="w-full" loading={pending} disabled={!email || !password || retryAt !== null}>
          Sign in
        </Button>
      </form>
    </div>
  );
}
