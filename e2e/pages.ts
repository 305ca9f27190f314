import { expect, type Page } from '@playwright/test';
import { api, seeded } from './fixtures';

export interface ConsolePage {
  name: string;
  path: string;
  heading: string | RegExp;
}

export const viewports = [
  { label: 'desktop', width: 1440, height: 900 },
  { label: 'phone', width: 390, height: 844 },
] as const;

/** Every page of the console (the incident detail of the first open incident). */
export async function consolePages(): Promise<ConsolePage[]> {
  const { tokens, jobs } = seeded();
  const open = await api(tokens.owner, 'GET', '/api/watchdog/incidents?status=all&limit=1');
  const incident = open.body.incidents[0] as { id: string };
  return [
    { name: 'overview', path: '/', heading: 'Overview' },
    { name: 'approvals', path: '/approvals', heading: 'Approvals' },
    { name: 'incidents', path: '/incidents?status=all', heading: 'Incidents' },
    { name: 'incident', path: `/incidents/${incident.id}`, heading: /./ },
    { name: 'silences', path: '/silences', heading: 'Silences' },
    { name: 'jobs', path: '/jobs', heading: 'Jobs' },
    { name: 'job-story', path: `/jobs/${jobs.story}`, heading: `Job ${jobs.story}` },
    { name: 'workers', path: '/workers', heading: 'Workers' },
    { name: 'worker', path: '/workers/w-1', heading: 'Worker w-1' },
    { name: 'rules', path: '/rules', heading: 'Rules' },
    { name: 'metrics', path: '/metrics', heading: 'D30 review' },
    { name: 'audit', path: '/audit', heading: 'Audit log' },
    { name: 'channels', path: '/settings/channels', heading: 'Notification channels' },
    { name: 'tokens', path: '/settings/tokens', heading: 'API tokens' },
    { name: 'people', path: '/settings/people', heading: 'People' },
  ];
}

/** Opens a page and waits until its data is on screen (no loading skeleton left, charts drawn). */
export async function openReady(page: Page, p: Pick<ConsolePage, 'path' | 'heading'>) {
  await page.goto(p.path);
  await expect(page.getByRole('heading', { level: 1, name: p.heading }).first()).toBeVisible();
  // the console keeps its live stream open, so the network is never idle: a short settle, no more
  await page.waitForLoadState('networkidle', { timeout: 2_000 }).catch(() => undefined);
  await expect(page.getByRole('status', { name: /^Loading/ })).toHaveCount(0);
}

/** Nothing on the page is wider than the viewport (the document does not scroll sideways). */
export async function pageWidthOverflow(page: Page): Promise<{ overflow: number; widest: string[] }> {
  return page.evaluate(() => {
    const overflow = document.documentElement.scrollWidth - window.innerWidth;
    const widest: string[] = [];
    if (overflow > 0) {
      for (const el of Array.from(document.querySelectorAll('main *'))) {
        const r = el.getBoundingClientRect();
        if (r.right > window.innerWidth + 1 && widest.length < 5) widest.push(`${el.tagName.toLowerCase()}.${String(el.className).slice(0, 80)} right=${Math.round(r.right)}`);
      }
    }
    return { overflow, widest };
  });
}
