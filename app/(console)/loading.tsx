import { getTranslations } from 'next-intl/server';
import { Skeleton } from '@/components/ui/states';

export default async function Loading() {
  const t = await getTranslations('common');
  return (
    <div role="status" aria-label={t('loading')} className="space-y-6">
      <div className="space-y-2">
        <Skeleton className="h-7 w-48" />
        <Skeleton className="h-4 w-96 max-w-full" />
      </div>
      <Skeleton className="h-64 rounded-xl" />
    </div>
  );
}
