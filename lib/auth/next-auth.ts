import type { NextAuthOptions } from 'next-auth';
import { config } from '@/lib/config';
import CredentialsProvider from 'next-auth/providers/credentials';
import { authFailureLimiter } from '@/lib/http/rate-limit';
import { refusalAuditor } from '@/lib/http/refusal-audit';
import { clientAddress } from '@/lib/http/request-info';
import { getRuntimeDatabase } from '@/lib/watchdog/runtime';
import { verifyUserCredentials } from '@/lib/watchdog/access';

const secure = (config().nextauthUrlSet ?? '').startsWith('https://');

/**
 * next-auth: credentials over the `users` table, JWT sessions carrying the user id (the role is
 * read from the database on every API call, so a changed or removed user takes effect at once).
 * Session cookie: httpOnly, SameSite=Lax, Secure behind https (next-auth's defaults).
 */
export const authOptions: NextAuthOptions = {
  secret: config().nextauthSecret,
  session: { strategy: 'jwt', maxAge: 8 * 3600 },
  pages: { signIn: '/login' },
  useSecureCookies: secure,
  providers: [
    CredentialsProvider({
      name: 'Email',
      credentials: { email: { label: 'Email', type: 'email' }, password: { label: 'Password', type: 'password' } },
      async authorize(credentials, req) {
        const email = String(credentials?.email ?? '').slice(0, 200);
        const password = String(credentials?.password ?? '').slice(0, 200);
        if (!email || !password) return null;
        const address = clientAddress(req?.headers);
        // An address that keeps failing is refused before the (deliberately slow) password check.
        if (authFailureLimiter().peek(address) !== null) {
          refusalAuditor().countUnaudited();
          return null;
        }
        const { db } = await getRuntimeDatabase();
        const user = await verifyUserCredentials(db, email, password);
        if (!user) {
          authFailureLimiter().take(address);
          await refusalAuditor().recordLoginRefusal(db, email, address);
          return null;
        }
        return { id: user.id, email: user.email, role: user.role } as never;
      },
    }),
  ],
  callbacks: {
    async jwt({ token, user }) {
      if (user) {
        token.uid = (user as { id: string }).id;
        token.role = (user as unknown as { role: string }).role;
      }
      return token;
    },
    async session({ session, token }) {
      if (session.user) {
        (session.user as Record<string, unknown>).id = token.uid;
        (session.user as Record<string, unknown>).role = token.role;
      }
      return session;
    },
  },
};
