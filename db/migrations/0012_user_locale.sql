-- The console language a person chose in the user menu (issue 19): null = take it from the browser's
-- Accept-Language. The list is lib/schemas/enums.ts LOCALES (test/enum-checks.test.ts compares them).
ALTER TABLE "users" ADD COLUMN IF NOT EXISTS "locale" text;--> statement-breakpoint
ALTER TABLE "users" DROP CONSTRAINT IF EXISTS "users_locale_check";--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_locale_check" CHECK ("locale" in ('en', 'zh-Hant'));
