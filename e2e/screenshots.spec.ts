import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { seeded, signIn } from './fixtures';

// Screenshots of every page at desktop and phone width, into e2e/screenshots/ (gitignored), to look at.
const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'screenshots');
const pages = [
  { name: 'overview', path: '/', heading: 'Overview' },
  { name: 'approvals', path: '/approvals', heading: 'Approvals' },
  { name: 'jobs', path: '/jobs', heading: 'Jobs' },
  { name: 'job-story', path: `/jobs/job-e2e-story`, heading: 'Job job-e2e-story' },
  { name: 'incidents', path: '/incidents?status=all', heading: 'Incidents' },
  { name: 'rules', path: '/rules', heading: 'Rules' },
  { name: 'metrics', path: '/metrics', heading: 'D30 review' },
  { name: 'audit', path: '/audit', heading: 'Audit log' },
  { name: 'tokens', path: '/settings/tokens', heading: 'API tokens' },
];

test.beforeAll(() => fs.mkdirSync(dir, { recursive: true }));

for (const viewport of [
  { label: 'desktop', width: 1440, height: 900 },
  { label: 'phone', width: 390, height: 844 },
]) {
  test(`screenshots at ${viewport.label} width`, async ({ page }) => {
    test.setTimeout(90_000);
    await page.setViewportSize({ width: viewport.width, height: viewport.height });
    await page.goto('/login');
    await page.screenshot({ path: path.join(dir, `login-${viewport.label}.png`), fullPage: true });
    await signIn(page, 'owner');
    expect(seeded().jobs.story).toBe('job-e2e-story');
    for (const p of pages) {
      await page.goto(p.path);
      await expect(page.getByRole('heading', { level: 1, name: p.heading })).toBeVisible();
      await page.waitForLoadState('networkidle').catch(() => undefined);
      await expect(page.getByRole('status', { name: /^Loading/ })).toHaveCount(0);
      await page.waitForTimeout(400); // chart animations settle
      await page.screenshot({ path: path.join(dir, `${p.name}-${viewport.label}.png`), fullPage: true });
    }
    if (viewport.label === 'phone') {
      await page.getByRole('button', { name: 'Open menu' }).click();
      await expect(page.getByRole('dialog', { name: 'Menu' })).toBeVisible();
      await page.screenshot({ path: path.join(dir, `menu-phone.png`) });
      await page
        .getByRole('dialog', { name: 'Menu' })
        .getByRole('link', { name: /Incidents/ })
        .click();
      await expect(page.getByRole('heading', { level: 1, name: 'Incidents' })).toBeVisible();
      await expect(page.getByRole('dialog', { name: 'Menu' })).toHaveCount(0);
    }
  });
}
