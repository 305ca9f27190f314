import type { Metadata } from 'next';
import { getTranslations } from 'next-intl/server';
import type { Messages } from './messages';

type TitleKey = keyof Messages['titles'];

/** A page's `generateMetadata`: its tab title in the reader's language ("Approvals" / "核准"). */
export function pageTitle(key: Exclude<TitleKey, 'job' | 'worker'>) {
  return async (): Promise<Metadata> => ({ title: (await getTranslations('titles'))(key) });
}

/** The title of one job's or one worker's page ("Job job-4142" / "工作 job-4142"). */
export async function entityTitle(key: 'job' | 'worker', id: string): Promise<Metadata> {
  return { title: (await getTranslations('titles'))(key, { id }) };
}
