import { expect, test } from '@playwright/test';
import { api, baseURL, seeded, signIn } from './fixtures';

// a shared, busy machine: sign-ins and polls take their time
test.describe.configure({ timeout: 90_000 });

// What waits for people is visible from another tab and on a phone: the tab title carries the count of
// pending approvals plus unacknowledged incidents; the phone's top bar shows the counts; a favicon.
test('the tab title counts pending approvals and unacknowledged incidents, and follows acknowledgements', async ({ page }) => {
  const { tokens } = seeded();
  const overview = async () => (await api(tokens.supervisor, 'GET', '/api/watchdog/overview')).body;
  const count = async () => {
    const o = await overview();
    return o.approvals.pending + o.incidents.unacknowledged;
  };
  expect(await count()).toBeGreaterThan(0);
  await signIn(page, 'supervisor');
  await page.goto('/approvals');
  // the fleet keeps moving while the test runs (the sweep opens incidents): the title follows the overview
  await expect.poll(async () => (await page.title()) === `(${await count()}) Approvals · Worker Watchdog`, { timeout: 20_000 }).toBe(true);
  // the prefix survives client-side navigation
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /Jobs/ }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Jobs' })).toBeVisible();
  await expect(page).toHaveTitle(new RegExp(`^\\(\\d+\\) Jobs · Worker Watchdog$`));

  // acknowledging an incident lowers the count (the page hears it on the live stream)
  const open = await api(tokens.supervisor, 'GET', '/api/watchdog/incidents?status=unacknowledged&limit=1');
  const acked = open.body.incidents[0].id as string;
  const ack = await api(tokens.supervisor, 'POST', `/api/watchdog/incidents/${acked}/acknowledge`, {});
  expect(ack.status).toBe(200);
  const still = await api(tokens.supervisor, 'GET', '/api/watchdog/incidents?status=unacknowledged&limit=200');
  expect(still.body.incidents.map((i: { id: string }) => i.id)).not.toContain(acked);
  await expect.poll(async () => (await page.title()) === `(${await count()}) Jobs · Worker Watchdog`, { timeout: 20_000 }).toBe(true);
});

test('the counts are on the phone top bar, and lead to their pages', async ({ page }) => {
  const o = (await api(seeded().tokens.supervisor, 'GET', '/api/watchdog/overview')).body;
  await page.setViewportSize({ width: 390, height: 844 });
  await signIn(page, 'supervisor');
  const approvals = page.getByRole('link', { name: new RegExp(`^${o.approvals.pending} pending approvals?$`) });
  await expect(approvals).toBeVisible();
  await expect(approvals).toHaveText(String(o.approvals.pending));
  const incidents = page.getByRole('link', { name: /unacknowledged incidents?, \d+ open$/ });
  await expect(incidents).toBeVisible();
  await approvals.click();
  await expect(page.getByRole('heading', { level: 1, name: 'Approvals' })).toBeVisible();
  await incidents.click();
  await expect(page.getByRole('heading', { level: 1, name: 'Incidents' })).toBeVisible();
});

test('the console has a favicon', async ({ page }) => {
  await page.goto('/login');
  const href = await page.locator('link[rel="icon"]').first().getAttribute('href');
  expect(href).toBeTruthy();
  const res = await fetch(new URL(href!, baseURL()));
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('image/svg+xml');
  const svg = await fetch(`${baseURL()}/favicon.svg`);
  expect(svg.status).toBe(200);
});
