import type { Metadata } from 'next';
import { OverviewView } from '@/components/overview/overview-view';
import { requireConsoleUser } from './console-session';

export const metadata: Metadata = { title: 'Overview' };

/** The overview's first paint comes from the console layout, which renders it on the server. */
export default async function OverviewPage() {
  await requireConsoleUser();
  return <OverviewView />;
}
