import AxeBuilder from '@axe-core/playwright';
import { expect, type Page } from '@playwright/test';

/** The critical and serious axe-core violations of the page as it is, one line each. */
export async function axeProblems(page: Page, where: string): Promise<string[]> {
  const result = await new AxeBuilder({ page }).analyze();
  const bad = result.violations.filter((v) => v.impact === 'critical' || v.impact === 'serious');
  return bad.map(
    (v) =>
      `${where}: ${v.id} (${v.impact}) ${v.nodes
        .map((n) => n.target.join(' '))
        .slice(0, 3)
        .join(' | ')}`,
  );
}

/** axe-core on the page as it is: no critical or serious violation. */
export async function expectAccessible(page: Page, where: string) {
  expect(await axeProblems(page, where)).toEqual([]);
}

/** Nothing wider than the viewport. */
export async function expectNoOverflow(page: Page, where: string) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow, `${where} is wider than the viewport`).toBeLessThanOrEqual(0);
}
