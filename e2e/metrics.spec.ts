import { expect, test } from '@playwright/test';
import { api, seeded, signIn } from './fixtures';

// Runs against the real GET /api/watchdog/metrics/d30 (built on another branch). On a build
// without that route at all, Next answers its own HTML 404, and this file is skipped with a
// note; an API 404 in the JSON error shape would still fail.
test.describe('D30 metrics', () => {
  test.beforeAll(async () => {
    const probe = await api(seeded().tokens.owner, 'GET', '/api/watchdog/metrics/d30');
    test.skip(probe.status === 404 && typeof probe.body === 'string', 'GET /api/watchdog/metrics/d30 is not part of this build');
  });

  test('the owner sees the D30 review drawn with charts and records the decision', async ({ page }) => {
    await signIn(page, 'owner');
    await page.goto('/metrics');
    await expect(page.getByRole('heading', { level: 1, name: 'D30 review' })).toBeVisible();
    await expect(page.getByRole('meter', { name: 'Coverage' })).toBeVisible();
    await expect(page.getByText(/goal 80%/).first()).toBeVisible();
    const charts = page.locator('svg.recharts-surface');
    await expect(charts.first()).toBeVisible();
    expect(await charts.count()).toBeGreaterThanOrEqual(2);
    await expect(page.locator('.recharts-bar-rectangle').first()).toBeVisible();
    // the per-day charts' shared axes (tick labels), grid and legend are drawn
    await expect(page.locator('svg.recharts-surface text').first()).toBeVisible();
    expect(await page.locator('svg.recharts-surface text').count()).toBeGreaterThanOrEqual(20);
    expect(await page.locator('.recharts-cartesian-grid').count()).toBeGreaterThanOrEqual(3);
    await expect(page.locator('.recharts-legend-item').first()).toBeVisible();
    await expect(page.getByRole('heading', { name: 'Recommendation' })).toBeVisible();

    await page.getByRole('radio', { name: /Continue/ }).check();
    await page.getByLabel('Note').fill('e2e: keep the watchdog, review again at D60');
    await page.getByRole('button', { name: 'Record decision' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'D30 decision recorded' })).toBeVisible();
    await expect(page.getByText('e2e: keep the watchdog, review again at D60')).toBeVisible();
  });

  test('a supervisor reads the review but cannot record the decision', async ({ page }) => {
    await signIn(page, 'supervisor');
    await page.goto('/metrics');
    await expect(page.locator('svg.recharts-surface').first()).toBeVisible();
    await expect(page.getByRole('button', { name: 'Record decision' })).toBeDisabled();
    await expect(page.getByText('Only the owner records the D30 decision')).toBeVisible();
  });
});
