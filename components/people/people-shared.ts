import type { UserRole } from '@/lib/schemas/people';

export const roleHelp: Record<UserRole, string> = {
  supervisor: 'reads everything, decides releases and reclaims',
  owner: 'everything, including rules, tokens and people',
};
