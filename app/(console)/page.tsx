import { pageTitle } from '@/lib/i18n/page-title';
import { OverviewView } from '@/components/overview/overview-view';
import { requireConsoleUser } from './console-session';

export const generateMetadata = pageTitle('overview');

/** The overview's first paint comes from the console layout, which renders it on the server. */
export default async function OverviewPage() {
  await requireConsoleUser();
  return <OverviewView />;
}
