/**
 * What the login page says for next-auth's `?error=` codes and the credentials provider's refusals, as a
 * message key of the `login` namespace (`errors.<key>`) that the form translates. Free text from the URL is
 * never shown: the throttle refusal is recognised in its one exact form (the server's English sentence,
 * lib/auth/next-auth.ts) and carries only its seconds.
 */
const THROTTLED = /^Too many attempts — try again in (\d{1,6}) s$/;

type SignInErrorKey = 'credentials' | 'accountDisabled' | 'emailInUse' | 'noEmail' | 'ssoUnreachable' | 'ssoIncomplete' | 'accessDenied' | 'unavailable' | 'generic';

/** A refusal to show: a known reason, or the throttle with its retry-after in seconds. */
export type SignInError = { kind: 'reason'; key: SignInErrorKey } | { kind: 'throttled'; seconds: number };

/** The retry-after (seconds) carried by a throttle refusal, or null for any other error. */
export function retryAfterSeconds(code: string | null | undefined): number | null {
  const m = code ? THROTTLED.exec(code) : null;
  return m ? Math.max(1, Number(m[1])) : null;
}

export function signInError(code: string | null | undefined): SignInError | null {
  if (!code) return null;
  const seconds = retryAfterSeconds(code);
  if (seconds !== null) return { kind: 'throttled', seconds };
  const reason = (key: SignInErrorKey): SignInError => ({ kind: 'reason', key });
  switch (code) {
    case 'CredentialsSignin':
      return reason('credentials');
    case 'AccountDisabled':
      return reason('accountDisabled');
    case 'EmailInUse':
      return reason('emailInUse');
    case 'NoEmail':
      return reason('noEmail');
    case 'OAuthSignin':
      return reason('ssoUnreachable');
    case 'OAuthCallback':
    case 'Callback':
    case 'OAuthCreateAccount':
    case 'OAuthAccountNotLinked':
      return reason('ssoIncomplete');
    case 'AccessDenied':
      return reason('accessDenied');
    default:
      return reason('generic');
  }
}
