/**
 * What the login page says for next-auth's `?error=` codes and the credentials provider's refusals.
 * Free text from the URL is never shown, except the throttle message in its one exact form.
 */
const THROTTLED = /^Too many attempts — try again in (\d{1,6}) s$/;

/** The throttle refusal's words (the same sentence the credentials provider sends). */
export function tooManyAttemptsText(seconds: number): string {
  return `Too many attempts — try again in ${seconds} s`;
}

/** The retry-after (seconds) carried by a throttle refusal, or null for any other error. */
export function retryAfterSeconds(code: string | null | undefined): number | null {
  const m = code ? THROTTLED.exec(code) : null;
  return m ? Math.max(1, Number(m[1])) : null;
}

export function signInErrorMessage(code: string | null | undefined, ssoName?: string | null): string | null {
  if (!code) return null;
  if (THROTTLED.test(code)) return code;
  switch (code) {
    case 'CredentialsSignin':
      return 'Wrong email or password. Check both and try again.';
    case 'AccountDisabled':
      return 'This account is disabled. Ask an owner of the console to enable it.';
    case 'EmailInUse':
      return 'A person with this email already signs in another way. Sign in with your password, or ask an owner.';
    case 'NoEmail':
      return 'The identity provider sent no email address. Ask its administrator to release the email claim to the console.';
    case 'OAuthSignin':
      return `${ssoName ?? 'Single sign-on'} could not be reached. Sign in with your password, or try again later.`;
    case 'OAuthCallback':
    case 'Callback':
    case 'OAuthCreateAccount':
    case 'OAuthAccountNotLinked':
      return `Signing in with ${ssoName ?? 'single sign-on'} did not complete. Try again.`;
    case 'AccessDenied':
      return 'Sign-in was refused.';
    default:
      return 'Sign-in failed. Try again.';
  }
}
