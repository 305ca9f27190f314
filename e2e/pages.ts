import { expect, type Page } from '@playwright/test';
import zhTitles from '../lib/i18n/messages/zh-Hant/titles.json' with { type: 'json' };
import { api, seeded } from './fixtures';

export interface ConsolePage {
  name: string;
  path: string;
  heading: string | RegExp;
  /** the tab title in Traditional Chinese (lib/i18n/messages/zh-Hant/titles.json) */
  zhTitle: string;
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
  const zh = zhTitles;
  return [
    { name: 'overview', path: '/', heading: 'Overview', zhTitle: zh.overview },
    { name: 'approvals', path: '/approvals', heading: 'Approvals', zhTitle: zh.approvals },
    { name: 'incidents', path: '/incidents?status=all', heading: 'Incidents', zhTitle: zh.incidents },
    { name: 'incident', path: `/incidents/${incident.id}`, heading: /./, zhTitle: zh.incident },
    { name: 'silences', path: '/silences', heading: 'Silences', zhTitle: zh.silences },
    { name: 'jobs', path: '/jobs', heading: 'Jobs', zhTitle: zh.jobs },
    { name: 'job-story', path: `/jobs/${jobs.story}`, heading: `Job ${jobs.story}`, zhTitle: zh.job.replace('{id}', jobs.story) },
    { name: 'workers', path: '/workers', heading: 'Workers', zhTitle: zh.workers },
    { name: 'worker', path: '/workers/w-1', heading: 'Worker w-1', zhTitle: zh.worker.replace('{id}', 'w-1') },
    { name: 'rules', path: '/rules', heading: 'Rules', zhTitle: zh.rules },
    { name: 'learnings', path: '/learnings', heading: 'Learnings', zhTitle: zh.learnings },
    { name: 'metrics', path: '/metrics', heading: 'D30 review', zhTitle: zh.metrics },
    { name: 'audit', path: '/audit', heading: 'Audit log', zhTitle: zh.audit },
    { name: 'channels', path: '/settings/channels', heading: 'Notification channels', zhTitle: zh.channels },
    { name: 'tokens', path: '/settings/tokens', heading: 'API tokens', zhTitle: zh.tokens },
    { name: 'people', path: '/settings/people', heading: 'People', zhTitle: zh.people },
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

/**
 * Visible English left on a page read in another language: runs of two or more English words in the
 * text people read, outside what is data, not prose — code, hashes, worker output, anything marked
 * `translate="no"` (ids, emails, names the workers gave) and recorded text (`data-recorded`: a trigger,
 * note, resolution, failure reason or learning as its writer — worker, system or person — wrote it) —
 * after dropping identifiers, product names and units. One line per text, with where it sits.
 */
export async function untranslatedText(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const skip = 'code, pre, kbd, samp, script, style, noscript, [translate="no"], [data-recorded], .font-mono, option, [aria-hidden="true"]';
    const allowed = /\b(Worker Watchdog|English|Slack|LINE|webhook|Webhook|SMTP|OIDC|SSO|API|URL|JSON|HTTP|HTTPS|UTC|D1|D7|D14|D30|MTTD|MTTR|ID|OK|sha256|fencing|token|email|claim|Email)\b/g;
    const out = new Set<string>();
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const el = node.parentElement;
      if (!el || el.closest(skip)) continue;
      const style = getComputedStyle(el);
      if (style.visibility === 'hidden' || style.display === 'none') continue;
      const text = (node.textContent ?? '').replace(/\s+/g, ' ').trim();
      if (!text) continue;
      const words = text
        .replace(allowed, ' ')
        // identifiers: anything with a digit, a hyphen, an underscore, a dot, a colon, a slash or an @ inside
        .replace(/\S*[\d_@/:.-]\S*/g, ' ')
        .match(/[A-Za-z]{2,}(?:\s+[A-Za-z]{2,})+/g);
      if (words) out.add(`${words.join(' | ')}  ⟵ ${el.tagName.toLowerCase()}: "${text.slice(0, 80)}"`);
    }
    // a label that names a recorded thing ("Edit <channel name>") is judged without that name
    const recorded = Array.from(document.querySelectorAll('[data-recorded]'))
      .map((el) => (el.textContent ?? '').trim())
      .filter((t) => t.length > 0)
      .sort((x, y) => y.length - x.length);
    for (const el of Array.from(document.querySelectorAll('[aria-label], [title], [placeholder]'))) {
      if (el.closest('[translate="no"]')) continue;
      for (const attr of ['aria-label', 'title', 'placeholder']) {
        let v = el.getAttribute(attr);
        if (!v) continue;
        for (const r of recorded) v = v.split(r).join(' ');
        const words = v
          .replace(allowed, ' ')
          .replace(/\S*[\d_@/:.-]\S*/g, ' ')
          .match(/[A-Za-z]{2,}(?:\s+[A-Za-z]{2,})+/g);
        if (words) out.add(`${words.join(' | ')}  ⟵ [${attr}] on ${el.tagName.toLowerCase()}: "${v.slice(0, 80)}"`);
      }
    }
    return [...out];
  });
}
