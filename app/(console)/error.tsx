'use client';

import { useTranslations } from 'next-intl';
import { ApiError } from '@/components/lib/api';
import { Card } from '@/components/ui/card';
import { ErrorState } from '@/components/ui/states';

/** A page that failed to render on the server: say so and offer a retry, inside the console frame. */
export default function ConsoleError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  const t = useTranslations('notFound');
  // an ApiError with a code of its own: ErrorState shows its (already translated) message in every language
  const said = new ApiError(500, 'render_failed', error.digest ? t('renderFailedDigest', { digest: error.digest }) : t('renderFailed'));
  return (
    <Card>
      <ErrorState title={t('errorTitle')} error={said} onRetry={reset} />
    </Card>
  );
}
