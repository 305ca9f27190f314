import { createHash, randomUUID } from 'node:crypto';
import { expect, test } from '@playwright/test';
import { api, seeded, signIn } from './fixtures';
import { consolePages, openReady, pageWidthOverflow, viewports } from './pages';

// Text from workers may be any length without a space. With 400-character unbroken strings (or the
// longest the API accepts: 200 for ids and triggers, 100 for token names) on screen, no page of the
// console is wider than the viewport at 1440 or 390 px.
const unbroken = (n: number, stem: string) => (stem + 'x'.repeat(n)).slice(0, n);
const LONG_JOB = unbroken(200, 'job-long-');
const LONG_WORKER = unbroken(200, 'w-long-');

test.describe('long text from workers', () => {
  let incidentId = '';

  test.beforeAll(async () => {
    const { tokens } = seeded();
    const sys = tokens.system;
    const lease = await api(sys, 'PATCH', `/api/watchdog/job-leases/${LONG_JOB}`, { worker_id: LONG_WORKER, lease_expires_at: new Date(Date.now() + 3600_000).toISOString() });
    expect(lease.status).toBe(200);
    const output = unbroken(400, 'TypeError:fetch-failed-');
    const event = await api(sys, 'POST', '/api/watchdog/helper-events', {
      id: randomUUID(),
      job_id: LONG_JOB,
      worker_id: LONG_WORKER,
      command: unbroken(400, 'pls-context-'),
      phase: 'context',
      exit_code: 1,
      output,
      output_hash: `sha256:${createHash('sha256').update(output).digest('hex')}`,
    });
    expect([200, 201]).toContain(event.status);
    const request = await api(sys, 'POST', '/api/watchdog/repair-actions', {
      job_id: LONG_JOB,
      trigger: unbroken(200, 'trigger-'),
      action: 'release',
      authority: 'system',
      evidence_event_ids: [event.body.event.id],
      note: unbroken(400, 'note-'),
    });
    expect([200, 201]).toContain(request.status); // 200: the same pending request (beforeAll runs again after a failure)
    // a failed artifact check with a long URL opens an incident on the job
    const check = await api(sys, 'POST', '/api/watchdog/artifact-checks', { job_id: LONG_JOB, primary_url: `http://10.0.0.1/${unbroken(400, 'artifact-')}` });
    expect(check.status).toBe(201);
    const incidents = await api(tokens.owner, 'GET', `/api/watchdog/incidents?status=open&job_id=${LONG_JOB}`);
    incidentId = incidents.body.incidents[0].id;
    const token = await api(tokens.owner, 'POST', '/api/watchdog/tokens', { role: 'worker', worker_id: LONG_WORKER, name: unbroken(100, 'token-') });
    expect(token.status).toBe(201);
    const silence = await api(tokens.owner, 'POST', '/api/watchdog/silences', {
      matchers: { job_id: LONG_JOB, worker_id: LONG_WORKER },
      ends_at: new Date(Date.now() + 3600_000).toISOString(),
      comment: unbroken(400, 'comment-'),
    });
    expect(silence.status).toBe(201);
  });

  for (const viewport of viewports) {
    test(`no page is wider than the viewport at ${viewport.width} px`, async ({ page }) => {
      test.setTimeout(400_000);
      await page.setViewportSize({ width: viewport.width, height: viewport.height });
      await signIn(page, 'owner');
      const pages = [
        ...(await consolePages()),
        { name: 'long job', path: `/jobs/${LONG_JOB}`, heading: `Job ${LONG_JOB}` },
        { name: 'long worker', path: `/workers/${LONG_WORKER}`, heading: `Worker ${LONG_WORKER}` },
        { name: 'long incident', path: `/incidents/${incidentId}`, heading: /./ },
        { name: 'long jobs search', path: `/jobs?q=${LONG_JOB}`, heading: 'Jobs' },
      ];
      const wide: string[] = [];
      for (const p of pages) {
        await openReady(page, p);
        // open what folds: the approvals' evidence, a job's full output
        if (p.name === 'approvals') {
          const card = page.locator(`li[data-job="${LONG_JOB}"]`);
          await expect(card).toBeVisible();
          await card.getByRole('button', { name: 'Show evidence' }).click();
        }
        if (p.name === 'long job') await expect(page.getByText(unbroken(400, 'pls-context-')).first()).toBeVisible();
        const { overflow, widest } = await pageWidthOverflow(page);
        if (overflow > 0) wide.push(`${p.name} (${p.path.slice(0, 40)}): ${overflow} px too wide — ${widest.join(' | ')}`);
      }
      expect(wide).toEqual([]);
    });
  }

  for (const viewport of viewports) {
    test(`the decision question about a long job fits at ${viewport.width} px (supervisor)`, async ({ page }) => {
      await page.setViewportSize({ width: viewport.width, height: viewport.height });
      await signIn(page, 'supervisor');
      await openReady(page, { path: '/approvals', heading: 'Approvals' });
      const card = page.locator(`li[data-job="${LONG_JOB}"]`);
      await expect(card).toBeVisible();
      await card.getByRole('button', { name: 'Show evidence' }).click();
      await card.getByRole('button', { name: /^Approve/ }).click();
      await expect(card.getByText(`Release ${LONG_JOB} from ${LONG_WORKER}?`)).toBeVisible();
      const { overflow, widest } = await pageWidthOverflow(page);
      expect(overflow, widest.join(' | ')).toBeLessThanOrEqual(0);
    });
  }

  test('the login page fits a phone', async ({ page }) => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto('/login');
    expect((await pageWidthOverflow(page)).overflow).toBeLessThanOrEqual(0);
  });
});
