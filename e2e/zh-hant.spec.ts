import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, type Page, test } from '@playwright/test';
import enLogin from '../lib/i18n/messages/en/login.json' with { type: 'json' };
import enShell from '../lib/i18n/messages/en/shell.json' with { type: 'json' };
import zhLogin from '../lib/i18n/messages/zh-Hant/login.json' with { type: 'json' };
import zhShell from '../lib/i18n/messages/zh-Hant/shell.json' with { type: 'json' };
import zhTitles from '../lib/i18n/messages/zh-Hant/titles.json' with { type: 'json' };
import { axeProblems } from './axe';
import { api, baseURL, seeded } from './fixtures';
import { consolePages, openReady, untranslatedText, viewports } from './pages';

// The zh-Hant pass: a browser that asks for Traditional Chinese (Accept-Language zh-TW) gets every page in
// it — no English prose left, axe clean at 1440 and 390 px, screenshots to look at — and a person's
// choice of language follows them to another browser.
test.use({ locale: 'zh-TW' });

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'screenshots');

async function signInZh(page: Page, who: 'owner' | 'supervisor') {
  const user = seeded().users[who];
  await page.goto('/login');
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh-Hant');
  await page.getByLabel(zhLogin.email, { exact: true }).fill(user.email);
  await page.getByLabel(zhLogin.password, { exact: true }).fill(user.password);
  await page.getByRole('button', { name: zhLogin.submit, exact: true }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page).toHaveTitle(new RegExp(`${zhTitles.overview} · Worker Watchdog$`));
}

for (const viewport of viewports) {
  test(`every page in Traditional Chinese at ${viewport.width} px: translated, axe clean, screenshots`, async ({ page }) => {
    test.setTimeout(400_000);
    fs.mkdirSync(dir, { recursive: true });
    await page.setViewportSize({ width: viewport.width, height: viewport.height });
    const problems: string[] = [];
    const english: string[] = [];
    await page.goto('/login');
    await expect(page.getByRole('heading', { level: 1, name: zhLogin.heading })).toBeVisible();
    problems.push(...(await axeProblems(page, `login zh-Hant ${viewport.width}`)));
    english.push(...(await untranslatedText(page)).map((t) => `login: ${t}`));
    await page.screenshot({ path: path.join(dir, `login-${viewport.label}-zh-Hant.png`), fullPage: true });

    await signInZh(page, 'owner');
    for (const p of await consolePages()) {
      await openReady(page, { path: p.path, heading: /./ });
      await expect(page).toHaveTitle(new RegExp(`${p.zhTitle.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} · Worker Watchdog$`));
      await page.waitForTimeout(400); // chart animations settle
      problems.push(...(await axeProblems(page, `${p.name} zh-Hant ${viewport.width}`)));
      english.push(...(await untranslatedText(page)).map((t) => `${p.name}: ${t}`));
      await page.screenshot({ path: path.join(dir, `${p.name}-${viewport.label}-zh-Hant.png`), fullPage: true });
    }
    if (viewport.label === 'phone') {
      await page.getByRole('button', { name: zhShell.openMenu }).click();
      await expect(page.getByRole('dialog', { name: zhShell.menu })).toBeVisible();
      problems.push(...(await axeProblems(page, `menu zh-Hant ${viewport.width}`)));
      english.push(...(await untranslatedText(page)).map((t) => `menu: ${t}`));
      await page.screenshot({ path: path.join(dir, `menu-phone-zh-Hant.png`) });
    }
    fs.writeFileSync(path.join('test-results', `untranslated-${viewport.label}.txt`), english.join('\n'));
    expect(problems).toEqual([]);
    expect(english).toEqual([]);
  });
}

test("a person's language follows them to another browser; the browser's decides until they choose", async ({ page, browser }) => {
  test.setTimeout(120_000);
  await signInZh(page, 'supervisor');
  // dates and numbers in the reader's language: relative times in Chinese on the overview
  await expect(page.getByText(/(分鐘|秒|小時|天)(前|後)/).first()).toBeVisible();
  // choose English in the user block
  await page.getByLabel(zhShell.language).selectOption('en');
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await expect(page.getByRole('heading', { level: 1, name: 'Overview' })).toBeVisible();
  await expect(page.getByText(/\b(seconds?|minutes?|hours?|days?) ago\b/).first()).toBeVisible();
  await page.reload();
  await expect(page.getByRole('navigation', { name: enShell.mainNav }).first()).toBeVisible();

  // another browser, also asking for Chinese: the supervisor's choice wins once they sign in
  const other = await browser.newContext({ locale: 'zh-TW' });
  const second = await other.newPage();
  const user = seeded().users.supervisor;
  await second.goto(`${baseURL()}/login`);
  await expect(second.locator('html')).toHaveAttribute('lang', 'zh-Hant');
  await second.getByLabel(zhLogin.email, { exact: true }).fill(user.email);
  await second.getByLabel(zhLogin.password, { exact: true }).fill(user.password);
  await second.getByRole('button', { name: zhLogin.submit, exact: true }).click();
  await expect(second.getByRole('heading', { level: 1, name: 'Overview' })).toBeVisible();
  await expect(second.locator('html')).toHaveAttribute('lang', 'en');
  await other.close();

  // back to Chinese, and the stored choice is cleared again for the other tests
  await page.getByLabel(enShell.language).selectOption('zh-Hant');
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh-Hant');
  const cleared = await page.request.patch('/api/watchdog/me', { data: { locale: null }, headers: { origin: baseURL() } });
  expect(cleared.status()).toBe(200);
  expect((await cleared.json()).user.locale).toBeNull();
});

test('the sign-in page offers the language before signing in, and says the throttle in it', async ({ page }) => {
  await page.goto('/login');
  await expect(page.getByRole('heading', { level: 1, name: zhLogin.heading })).toBeVisible();
  await page.getByLabel(zhShell.language).selectOption('en');
  await expect(page.getByRole('heading', { level: 1, name: enLogin.heading })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await page.getByLabel(enShell.language).selectOption('zh-Hant');
  await expect(page.getByRole('heading', { level: 1, name: zhLogin.heading })).toBeVisible();
  // a wrong password in Chinese
  await page.getByLabel(zhLogin.email, { exact: true }).fill(seeded().users.owner.email);
  await page.getByLabel(zhLogin.password, { exact: true }).fill('not-the-password');
  await page.getByRole('button', { name: zhLogin.submit, exact: true }).click();
  await expect(page.getByText(zhLogin.errors.credentials)).toBeVisible();
  // nothing changed for the API: errors stay in the contract's English
  expect((await api(null, 'GET', '/api/watchdog/overview')).status).toBe(401);
});
