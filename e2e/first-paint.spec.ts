import { expect, request, test } from '@playwright/test';
import { baseURL, seeded, signIn } from './fixtures';

// The overview and a job's story are rendered on the server (React Server Components feeding the
// first react-query state): the HTML the server sends already holds the figures, before any
// client fetch; the client then keeps them live by polling.
test('the overview and a job story come server-rendered in the HTML', async ({ page }) => {
  await signIn(page, 'supervisor');
  const overview = await (await page.request.get('/')).text();
  expect(overview).toContain('Rollout progress');
  expect(overview).toContain('Live leases by risk');
  expect(overview).toMatch(/D14 Real evidence of three incident kinds: done/);

  const story = await (await page.request.get(`/jobs/${seeded().jobs.story}`)).text();
  expect(story).toContain('Job timeline');
  expect(story).toContain('primary_url answered 404, expected 200');

  // an anonymous request gets a redirect to /login, and none of the console's figures
  const anon = await request.newContext({ baseURL: baseURL() });
  try {
    const res = await anon.get('/jobs/' + seeded().jobs.story, { maxRedirects: 0 });
    expect(res.status()).toBe(307);
    expect(res.headers()['location']).toMatch(/\/login$/);
    expect(await res.text()).not.toContain('primary_url answered 404');
  } finally {
    await anon.dispose();
  }
});
