'use client';

import { useLiveStream } from '@/components/hooks/use-live-stream';

/** Mounted once in the console layout: the one live connection of every page (components/hooks/use-live-stream.ts). */
export function LiveUpdates() {
  useLiveStream();
  return null;
}
