import NextAuth from 'next-auth';
import { authOptions } from '@/lib/auth/next-auth';
import { methodNotAllowed } from '@/lib/http/methods';

const handler = NextAuth(authOptions);

export { handler as GET, handler as POST };

export const { PUT, PATCH, DELETE, OPTIONS } = methodNotAllowed(['GET', 'POST']);
