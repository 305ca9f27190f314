'use client';

import { Card } from '@/components/ui/card';
import { ErrorState } from '@/components/ui/states';

/** A page that failed to render on the server: say so and offer a retry, inside the console frame. */
export default function ConsoleError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <Card>
      <ErrorState
        title="This page could not be shown"
        error={new Error(error.digest ? `The server could not render this page (error ${error.digest}).` : 'The server could not render this page.')}
        onRetry={reset}
      />
    </Card>
  );
}
