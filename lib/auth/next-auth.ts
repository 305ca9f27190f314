import type { NextAuthOptions } from 'next-auth';
import { config } from '@/lib/config';
import CredentialsProvider from 'next-auth/providers/credentials';
import { authFailureLimiter } from '@/lib/http/rate-limit';
import { refusalAuditor } from '@/lib/http/refusal-audit';
import { clientAddress } from '@/lib/http/request-info';
import { log } from '@/lib/log';
import { getRuntimeDatabase } from '@/lib/watchdog/runtime';
import { noteSignIn, verifyUserCredentials } from '@/lib/watchdog/access';
import { completeOidcSignIn, OIDC_PROVIDER_ID, oidcProviders } from './oidc-provider';

const secure = (config().nextauthUrlSet ?? '').startsWith('https://');

/** The credentials provider's refusal while an address is throttled; the login page shows it as is. */
export function tooManyAttempts(seconds: number): string {
  return `Too many attempts — try again in ${seconds} s`;
}

/**
 * next-auth: passwords over the `users` table, plus single sign-on (OIDC) when configured; JWT
 * sessions carrying the user id. The person is read from the database on every request (pages and
 * API), so a disabled person, a changed role or a removed user takes effect at once.
 * Session cookie: httpOnly, SameSite=Lax, Secure behind https (next-auth's defaults).
 * Refusals come back to /login with `?error=<code>` (see components/login/sign-in-errors.ts).
 */
export const authOptions: NextAuthOptions = {
  secret: config().nextauthSecret,
  session: { strategy: 'jwt', maxAge: 8 * 3600 },
  pages: { signIn: '/login', error: '/login' },
  useSecureCookies: secure,
  logger: {
    error: (code, metadata) => log.error({ code, err: metadata instanceof Error ? metadata : (metadata as { error?: unknown })?.error }, `sign-in: ${code}`),
    warn: (code) => log.warn({ code }, `sign-in: ${code}`),
    debug: () => undefined,
  },
  providers: [
    CredentialsProvider({
      name: 'Email',
      credentials: { email: { label: 'Email', type: 'email' }, password: { label: 'Password', type: 'password' } },
      async authorize(credentials, req) {
        const email = String(credentials?.email ?? '').slice(0, 200);
        const password = String(credentials?.password ?? '').slice(0, 200);
        if (!email || !password) return null;
        const address = clientAddress(req?.headers);
        // An address that keeps failing is refused before the (deliberately slow) password check, and told so.
        const wait = authFailureLimiter().peek(address);
        if (wait !== null) {
          refusalAuditor().countUnaudited();
          throw new Error(tooManyAttempts(wait));
        }
        const { db } = await getRuntimeDatabase();
        const user = await verifyUserCredentials(db, email, password);
        if (!user) {
          authFailureLimiter().take(address);
          await refusalAuditor().recordLoginRefusal(db, email, address);
          return null;
        }
        if (user.disabled) {
          await refusalAuditor().recordLoginRefusal(db, email, address);
          throw new Error('AccountDisabled');
        }
        await noteSignIn(db, user.id, new Date());
        return { id: user.id, email: user.email };
      },
    }),
    ...oidcProviders(),
  ],
  callbacks: {
    async signIn({ user, account, profile }) {
      if (account?.provider === OIDC_PROVIDER_ID) return completeOidcSignIn(user, account, profile);
      return true;
    },
    async jwt({ token, user }) {
      if (user) token.uid = user.id;
      return token;
    },
    async session({ session, token }) {
      if (session.user) (session.user as Record<string, unknown>).id = token.uid;
      return session;
    },
  },
};
