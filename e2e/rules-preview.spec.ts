import { expect, test } from '@playwright/test';
import { expectAccessible, expectNoOverflow } from './axe';
import { api, seeded, signIn } from './fixtures';

test.describe('rules preview', () => {
  test('an owner previews a draft over the stored evidence, reads what would change, then publishes it with the preview in the audit entry', async ({ page }) => {
    test.setTimeout(150_000);
    const { tokens, jobs } = seeded();
    const before = await api(tokens.owner, 'GET', '/api/watchdog/rules');
    await signIn(page, 'owner');
    await page.goto('/rules');
    await expect(page.getByLabel('Threshold for claim_no_output')).toHaveValue('30', { timeout: 30_000 });
    await expect(page.getByRole('heading', { name: 'Preview' })).toBeVisible();
    await expect(page.getByLabel('Evidence window')).toHaveValue('7');

    // the draft: fetch_failed off — the seeded story job had a fetch failure
    await page.getByRole('switch', { name: /Detect fetch_failed/ }).click();
    await page.getByRole('button', { name: 'Preview', exact: true }).click();
    const perSignal = page.getByRole('table', { name: 'Incidents per signal' });
    await expect(perSignal).toBeVisible({ timeout: 30_000 });
    const row = perSignal.getByRole('row', { name: /Fetch failed/i });
    await expect(row).toBeVisible();
    const [now, draft] = await row.getByRole('cell').allTextContents();
    expect(Number(now)).toBeGreaterThan(0);
    expect(Number(draft)).toBe(0);
    await expect(page.getByLabel('Figures before and after')).toContainText('Coverage');
    const changes = page.getByRole('table', { name: 'Detections that would change' });
    const storyLink = changes.getByRole('link', { name: jobs.story });
    await expect(storyLink).toBeVisible();
    await expect(storyLink).toHaveAttribute('href', `/jobs/${jobs.story}`);
    await expect(changes.getByRole('row', { name: new RegExp(jobs.story) })).toContainText('not detected');

    await expectAccessible(page, 'rules preview at 1440 px');
    await page.setViewportSize({ width: 390, height: 844 });
    await expectAccessible(page, 'rules preview at 390 px');
    await expectNoOverflow(page, 'rules preview at 390 px');
    await page.setViewportSize({ width: 1440, height: 900 });

    // a wider window is one choice away
    await page.getByLabel('Evidence window').selectOption('31');
    await page.getByRole('button', { name: 'Preview', exact: true }).click();
    await expect(page.getByText(/rules v\d+ against the draft/)).toBeVisible();

    // nothing was written by previewing
    expect((await api(tokens.owner, 'GET', '/api/watchdog/rules')).body.version).toBe(before.body.version);

    await page.getByLabel('Change note').fill('fetch failures are handled by the queue now');
    await page.getByRole('button', { name: 'Publish' }).click();
    const version = before.body.version + 1;
    await expect(page.getByText(`Saved as version ${version}`)).toBeVisible();
    const audit = await api(tokens.owner, 'GET', '/api/watchdog/audit?limit=50');
    const entry = audit.body.entries.find((e: { action: string; target: string }) => e.action === 'rules.update' && e.target === `rules:v${version}`);
    expect(entry.details.preview).toMatchObject({ current: { version: before.body.version }, draft: { version: null, incidents_by_signal: { fetch_failed: 0 } } });
    expect(entry.details.preview.changes_total).toBeGreaterThan(0);

    // the other specs expect fetch_failed detected: turn it back on
    const restored = await api(tokens.owner, 'PUT', '/api/watchdog/rules', { rules: [{ signal: 'fetch_failed', threshold: 3, enabled: true }], note: 'e2e: restore' });
    expect(restored.status).toBe(200);
  });

  test('a supervisor may preview but not publish', async ({ page }) => {
    test.setTimeout(90_000);
    await signIn(page, 'supervisor');
    await page.goto('/rules');
    await expect(page.getByLabel('Threshold for claim_no_output')).toHaveValue('30', { timeout: 30_000 });
    await page.getByRole('button', { name: 'Preview', exact: true }).click();
    await expect(page.getByText('The draft detects the same things at the same times as the rules in force.')).toBeVisible({ timeout: 30_000 });
    await expect(page.getByRole('button', { name: 'Publish' })).toBeDisabled();
  });
});
