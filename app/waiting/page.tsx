import { pageTitle } from '@/lib/i18n/page-title';
import { redirect } from 'next/navigation';
import { WaitingView } from '@/components/people/waiting-view';
import { readSessionPerson } from '@/lib/auth/session-person';

export const generateMetadata = pageTitle('waiting');

/** Where a person signed in through single sign-on waits until an owner gives them a role. */
export default async function WaitingPage() {
  const person = await readSessionPerson();
  if (person.state === 'active') redirect('/');
  if (person.state === 'refused') redirect(person.disabled ? '/login?error=AccountDisabled' : '/login');
  if (person.state !== 'waiting') redirect('/login');
  return <WaitingView email={person.user.email} />;
}
