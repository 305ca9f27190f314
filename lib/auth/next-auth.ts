import type { NextAuthOptions } from 'next-auth';
import CredentialsProvider from 'next-auth/providers/credentials';
import { appendAudit } from '@/lib/watchdog/audit';
import { getRuntimeDatabase } from '@/lib/watchdog/runtime';
import { verifyUserCredentials } from '@/lib/watchdog/users';

const secure = (process.env.NEXTAUTH_URL ?? '').startsWith('https://');

/** next-auth: credentials over the `users` table, JWT sessions carrying the role. */
export const authOptions: NextAuthOptions = {
  secret: process.env.NEXTAUTH_SECRET,
  session: { strategy: 'jwt', maxAge: 8 * 3600 },
  pages: { signIn: '/login' },
  useSecureCookies: secure,
  providers: [
    CredentialsProvider({
      name: 'Email',
      credentials: { email: { label: 'Email', type: 'email' }, password: { label: 'Password', type: 'password' } },
      async authorize(credentials) {
        const email = String(credentials?.email ?? '').slice(0, 200);
        const password = String(credentials?.password ?? '').slice(0, 200);
        if (!email || !password) return null;
        const { db } = await getRuntimeDatabase();
        const user = await verifyUserCredentials(db, email, password);
        if (!user) {
          await appendAudit(db, { label: `anonymous:${email}`, role: 'supervisor' }, new Date(), {
            action: 'login.refused',
            details: { email, status: 401 },
          }).catch(() => {});
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
