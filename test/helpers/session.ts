/**
 * Signs in through next-auth's credentials flow over plain HTTP (csrf token, then the form post a
 * browser sends) and returns the session cookie as `name=value`, or null when the sign-in is refused.
 */
export async function signInSession(url: string, email: string, password: string): Promise<string | null> {
  const csrf = await fetch(`${url}/api/auth/csrf`);
  const cookies = csrf.headers.getSetCookie().map((c) => c.split(';')[0]);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const res = await fetch(`${url}/api/auth/callback/credentials`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookies.join('; ') },
    body: new URLSearchParams({ csrfToken, email, password, callbackUrl: url }).toString(),
  });
  return (
    res.headers
      .getSetCookie()
      .find((c) => c.includes('session-token='))
      ?.split(';')[0] ?? null
  );
}
