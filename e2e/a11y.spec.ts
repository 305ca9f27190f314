import { expect, test } from '@playwright/test';
import { axeProblems } from './axe';
import { seeded, signIn } from './fixtures';
import { consolePages, openReady, viewports } from './pages';

// axe-core on every page, desktop (1440) and phone (390): no critical or serious violation — for the
// owner (every page) and the supervisor (whose Approve/Reject buttons are enabled, so their contrast counts).
for (const viewport of viewports) {
  test(`every page passes axe at ${viewport.width} px (owner)`, async ({ page }) => {
    test.setTimeout(400_000);
    await page.setViewportSize({ width: viewport.width, height: viewport.height });
    const problems: string[] = [];
    await page.goto('/login');
    problems.push(...(await axeProblems(page, `login ${viewport.width}`)));
    await signIn(page, 'owner');
    for (const p of await consolePages()) {
      await openReady(page, p);
      problems.push(...(await axeProblems(page, `${p.name} ${viewport.width}`)));
    }
    if (viewport.label === 'phone') {
      await page.getByRole('button', { name: 'Open menu' }).click();
      await expect(page.getByRole('dialog', { name: 'Menu' })).toBeVisible();
      problems.push(...(await axeProblems(page, `menu ${viewport.width}`)));
    }
    expect(problems).toEqual([]);
  });

  test(`the supervisor's pages pass axe at ${viewport.width} px, with the decision question open`, async ({ page }) => {
    test.setTimeout(200_000);
    await page.setViewportSize({ width: viewport.width, height: viewport.height });
    await signIn(page, 'supervisor');
    const problems: string[] = [];
    await openReady(page, { path: '/approvals', heading: 'Approvals' });
    problems.push(...(await axeProblems(page, `approvals (supervisor) ${viewport.width}`)));
    const card = page.locator(`li[data-job="${seeded().jobs.reclaim}"]`);
    await card.getByRole('button', { name: /^Approve/ }).click();
    await expect(card.getByRole('button', { name: 'Confirm' })).toBeFocused();
    problems.push(...(await axeProblems(page, `approvals confirm ${viewport.width}`)));
    await card.getByRole('button', { name: 'Cancel' }).click();
    await openReady(page, { path: `/jobs/${seeded().jobs.gateFail}`, heading: `Job ${seeded().jobs.gateFail}` });
    problems.push(...(await axeProblems(page, `job story (supervisor) ${viewport.width}`)));
    expect(problems).toEqual([]);
  });
}

test('focus is visible on every control reached by keyboard', async ({ page }) => {
  test.setTimeout(200_000);
  await signIn(page, 'supervisor');
  await openReady(page, { path: '/approvals', heading: 'Approvals' });
  // Tab through the page: every focused element shows an outline (or a ring) and none is skipped into nowhere
  const seen: string[] = [];
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press('Tab');
    const f = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      if (!el || el === document.body) return null;
      const s = getComputedStyle(el);
      const visible = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none';
      return { what: `${el.tagName.toLowerCase()} ${el.getAttribute('aria-label') ?? el.textContent?.trim().slice(0, 40)}`, visible };
    });
    if (!f) continue;
    expect(f.visible, `focus not visible on ${f.what}`).toBe(true);
    seen.push(f.what);
  }
  // the decision buttons are reachable by keyboard
  expect(seen.some((w) => w.includes('Approve the'))).toBe(true);
});
