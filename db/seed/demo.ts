import { eq, sql } from 'drizzle-orm';
import { type Db, rowsOf } from '@/db/client';
import { notifications, ruleSets } from '@/db/schema';
import { createUser } from '@/lib/watchdog/access';
import type { Actor, Ctx } from '@/lib/watchdog/context';
import { runSweep } from '@/lib/watchdog/sweep';
import { addPeopleLearnings } from './demo-learnings';
import { type DemoLogin, generateDemoPassword, readDemoLogins, writeDemoLogins } from './demo-logins';
import { type Plan, writeStory } from './demo-story';
import { DAY, HOUR, sweeperActor, Timeline } from './demo-timeline';

export { recordArtifactEvidence } from './demo-artifacts';
export { type DemoLogin, demoLoginsPath, formatDemoLogins } from './demo-logins';

/**
 * The demo fleet a newcomer sees on the first `npm start`: about forty jobs of five workers over the last
 * 20 days, told through the domain verbs with a backdated clock (so incidents, repairs, decisions and the
 * audit chain are exactly what the console would have recorded), except artifact checks, which are
 * written as evidence rows (there is no network to probe) together with the incident the check opens
 * or resolves, as `runArtifactCheck` does. Every job that completes goes through the complete gate.
 */

export const DEMO_OWNER_EMAIL = 'owner@demo.local';
export const DEMO_SUPERVISOR_EMAIL = 'supervisor@demo.local';
const DEMO_LOCK = 7265010;

export interface DemoSummary {
  seeded: boolean;
  logins: DemoLogin[];
  jobs: number;
  events: number;
  incidents: number;
  pending_approvals: number;
}

/**
 * The workers the demo's evidence names, seen at their last call: those holding a live lease keep
 * calling (their runners heartbeat), the others were last heard from at their latest evidence. Then
 * one sweep at `now`: the dead man's switch of the workers gone quiet.
 */
async function seeDemoWorkers(db: Db, now: number) {
  await db.execute(sql`
    insert into workers (worker_id, first_seen_at, last_seen_at, runner_version)
    select e.worker_id, min(e.created_at), greatest(max(e.created_at), coalesce(max(l.live), max(e.created_at))), '1.4.2'
    from helper_events e
    left join lateral (
      select ${new Date(now - 40_000).toISOString()}::timestamptz as live from job_leases l
      where l.worker_id = e.worker_id and l.state = 'active' and l.lease_expires_at > ${new Date(now).toISOString()}::timestamptz limit 1
    ) l on true
    group by e.worker_id
    on conflict (worker_id) do nothing`);
  await runSweep({ db, actor: sweeperActor, now: new Date(now) });
}

async function databaseIsEmpty(db: Db): Promise<boolean> {
  const [row] = rowsOf<{ busy: boolean }>(await db.execute(sql`select (exists (select 1 from users) or exists (select 1 from helper_events)) as busy`));
  return !row.busy;
}

/**
 * Seeds the demo fleet and the demo users (owner@demo.local, supervisor@demo.local) into an empty
 * database (no users, no helper events), in one transaction: all of it or nothing, and of two
 * instances starting at once only one seeds. Returns `seeded: false` when the database was not empty.
 */
export async function seedDemoFleet(db: Db, now: Date, opts: { passwords?: { owner: string; supervisor: string } } = {}): Promise<DemoSummary> {
  const passwords = opts.passwords ?? { owner: generateDemoPassword(), supervisor: generateDemoPassword() };
  const end = Math.floor(now.getTime() / 1000) * 1000;
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${DEMO_LOCK})`);
    if (!(await databaseIsEmpty(tx))) return { seeded: false, logins: [], jobs: 0, events: 0, incidents: 0, pending_approvals: 0 };
    const setupAt = new Date(end - 20 * DAY);
    const setup: Ctx = { db: tx, actor: { role: 'owner', id: 'cli', label: 'cli', via: 'cli' }, now: setupAt };
    // version 1 dates from the rollout, not from the moment the demo was written
    await tx
      .update(ruleSets)
      .set({ updatedAt: new Date(setupAt.getTime() - HOUR) })
      .where(eq(ruleSets.version, 1));
    const owner = await createUser(setup, { email: DEMO_OWNER_EMAIL, role: 'owner', password: passwords.owner });
    const supervisor = await createUser(setup, { email: DEMO_SUPERVISOR_EMAIL, role: 'supervisor', password: passwords.supervisor });
    const people = {
      owner: { role: 'owner', id: owner.id, label: `owner:${owner.email}`, via: 'session' } as Actor,
      supervisor: { role: 'supervisor', id: supervisor.id, label: `supervisor:${supervisor.email}`, via: 'session' } as Actor,
    };
    const plan: Plan = { tl: new Timeline(), db: tx, jobs: [] };
    writeStory(plan, end, people);
    await plan.tl.play();
    await seeDemoWorkers(tx, end);
    await addPeopleLearnings(tx, end, people);
    // invented history was not sent to anyone: its notifications count as delivered when they happened
    await tx.update(notifications).set({ status: 'delivered', attempts: 1, deliveredAt: sql`${notifications.createdAt} + interval '2 seconds'` });
    const [counts] = rowsOf<{ events: number; incidents: number; pending: number }>(
      await tx.execute(sql`select (select count(*) from helper_events)::int as events, (select count(*) from incidents)::int as incidents,
                                  (select count(*) from repair_actions where result = 'pending')::int as pending`),
    );
    return {
      seeded: true,
      logins: [
        { email: DEMO_OWNER_EMAIL, role: 'owner', password: passwords.owner },
        { email: DEMO_SUPERVISOR_EMAIL, role: 'supervisor', password: passwords.supervisor },
      ],
      jobs: plan.jobs.length,
      events: Number(counts.events),
      incidents: Number(counts.incidents),
      pending_approvals: Number(counts.pending),
    };
  });
}

/**
 * Server start: seeds the demo into an empty database and keeps the logins in the data dir. Returns
 * the logins to show: just created, or (as a reminder) the ones kept from the first start while the
 * demo users still exist.
 */
export async function ensureDemo(db: Db, now: Date, dataDir: string): Promise<{ seeded: boolean; logins: DemoLogin[] } | null> {
  const kept = readDemoLogins(dataDir);
  const owner = kept?.find((l) => l.role === 'owner');
  const supervisor = kept?.find((l) => l.role === 'supervisor');
  const passwords = owner && supervisor ? { owner: owner.password, supervisor: supervisor.password } : undefined;
  const result = await seedDemoFleet(db, now, passwords ? { passwords } : {});
  if (result.seeded) {
    writeDemoLogins(dataDir, result.logins);
    return { seeded: true, logins: result.logins };
  }
  if (!kept) return null;
  const [row] = rowsOf<{ n: number }>(await db.execute(sql`select count(*)::int as n from users where email in (${DEMO_OWNER_EMAIL}, ${DEMO_SUPERVISOR_EMAIL})`));
  return Number(row.n) > 0 ? { seeded: false, logins: kept } : null;
}
