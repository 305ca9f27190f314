import type { Locale } from '@/lib/schemas/enums';
import type { formats } from './formats';
import type { Messages } from './messages';

// Typed keys and arguments for useTranslations/getTranslations, and the named formats.
declare module 'next-intl' {
  interface AppConfig {
    Locale: Locale;
    Messages: Messages;
    Formats: typeof formats;
  }
}
