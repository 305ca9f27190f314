import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { seeded, signIn } from './fixtures';
import { consolePages, openReady, viewports } from './pages';

// Screenshots of every page at desktop (1440) and phone (390) width, into e2e/screenshots/ (committed), to look at.
const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'screenshots');

test.beforeAll(() => fs.mkdirSync(dir, { recursive: true }));

for (const viewport of viewports) {
  test(`screenshots at ${viewport.label} width`, async ({ page }) => {
    test.setTimeout(400_000);
    await page.setViewportSize({ width: viewport.width, height: viewport.height });
    await page.goto('/login');
    await page.screenshot({ path: path.join(dir, `login-${viewport.label}.png`), fullPage: true });
    await signIn(page, 'supervisor');
    await openReady(page, { path: '/approvals', heading: 'Approvals' });
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(dir, `approvals-supervisor-${viewport.label}.png`), fullPage: true });
    const card = page.locator(`li[data-job="${seeded().jobs.reclaim}"]`);
    await card.getByRole('button', { name: /^Approve/ }).click();
    await expect(card.getByRole('button', { name: 'Confirm' })).toBeFocused();
    await card.screenshot({ path: path.join(dir, `approvals-confirm-${viewport.label}.png`) });
    await card.getByRole('button', { name: 'Cancel' }).click();
    await page.context().clearCookies();

    await signIn(page, 'owner');
    expect(seeded().jobs.story).toBe('job-e2e-story');
    for (const p of [...(await consolePages()), { name: 'job-gate', path: `/jobs/${seeded().jobs.gateFail}`, heading: `Job ${seeded().jobs.gateFail}` }]) {
      await openReady(page, p);
      await page.waitForTimeout(500); // chart animations settle
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
