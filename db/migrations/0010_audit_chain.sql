-- The audit chain leaves the writers' transactions: a writer only INSERTs its entry (id from the
-- sequence, no lock); a linker (lib/watchdog/audit/audit-chain.ts: linkAudit) gives committed entries
-- their place in the chain — pos, prev_hash, hash — in id order, under the audit lock, many at a time.
-- The chain order is pos (gapless from 1); the id stays the row's identity and is part of its hash.
ALTER TABLE "audit_log" ADD COLUMN "pos" bigint;--> statement-breakpoint
-- The existing chain: its ids were assigned gapless under the lock, so its positions are its ids and
-- every stored hash still verifies unchanged.
UPDATE "audit_log" SET "pos" = "id";--> statement-breakpoint
ALTER TABLE "audit_log" ALTER COLUMN "prev_hash" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "audit_log" ALTER COLUMN "hash" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "audit_log" ADD CONSTRAINT "audit_log_linked_check" CHECK (("pos" IS NULL) = ("hash" IS NULL) AND ("pos" IS NULL) = ("prev_hash" IS NULL));--> statement-breakpoint
CREATE UNIQUE INDEX "audit_log_pos_idx" ON "audit_log" USING btree ("pos");--> statement-breakpoint
CREATE INDEX "audit_log_pending_idx" ON "audit_log" USING btree ("id") WHERE "pos" IS NULL;--> statement-breakpoint
-- Ids were set by hand until now: the sequence starts after the last one.
SELECT setval(pg_get_serial_sequence('audit_log', 'id'), coalesce(max("id"), 0) + 1, false) FROM "audit_log";
