'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { signOut } from 'next-auth/react';
import { useTranslations } from 'next-intl';
import { useEffect, useState } from 'react';
import { useOverview } from '@/components/hooks/use-overview';
import type { Overview } from '@/components/lib/types';
import { cn } from '@/components/ui/cn';
import {
  AlertIcon,
  BulbIcon,
  ChartIcon,
  CheckBadgeIcon,
  ClockIcon,
  HomeIcon,
  InboxIcon,
  KeyIcon,
  ListIcon,
  LockIcon,
  LogoutIcon,
  MenuIcon,
  ScrollIcon,
  ServerIcon,
  ShieldIcon,
  SlidersIcon,
  UsersIcon,
  XIcon,
} from '@/components/ui/icons';
import type { UserRole } from '@/lib/schemas/enums';
import { useFormat } from '@/components/lib/use-format';
import { LanguageSwitcher } from './language-switcher';

export interface ShellUser {
  email: string;
  role: UserRole;
}

type NavKey = 'overview' | 'approvals' | 'incidents' | 'silences' | 'jobs' | 'workers' | 'rules' | 'learnings' | 'metrics' | 'audit' | 'channels' | 'tokens' | 'people';

interface NavItem {
  href: string;
  label: NavKey;
  icon: (p: { className?: string }) => React.ReactNode;
  badge?: 'approvals' | 'incidents';
  /** only this role may act here; others see the page read-only */
  role?: 'owner';
  /** shown to this role only */
  only?: 'owner';
}

const nav: NavItem[] = [
  { href: '/', label: 'overview', icon: HomeIcon },
  { href: '/approvals', label: 'approvals', icon: CheckBadgeIcon, badge: 'approvals' },
  { href: '/incidents', label: 'incidents', icon: AlertIcon, badge: 'incidents' },
  { href: '/silences', label: 'silences', icon: ClockIcon },
  { href: '/jobs', label: 'jobs', icon: ListIcon },
  { href: '/workers', label: 'workers', icon: ServerIcon },
  { href: '/rules', label: 'rules', icon: SlidersIcon },
  { href: '/learnings', label: 'learnings', icon: BulbIcon },
  { href: '/metrics', label: 'metrics', icon: ChartIcon },
  { href: '/audit', label: 'audit', icon: ScrollIcon },
  { href: '/settings/channels', label: 'channels', icon: InboxIcon, role: 'owner' },
  { href: '/settings/tokens', label: 'tokens', icon: KeyIcon, role: 'owner' },
  { href: '/settings/people', label: 'people', icon: UsersIcon, only: 'owner' },
];

function isActive(pathname: string, href: string) {
  return href === '/' ? pathname === '/' : pathname === href || pathname.startsWith(href + '/');
}

function Brand() {
  const t = useTranslations('common');
  return (
    <Link href="/" className="flex items-center gap-2.5 rounded-md">
      <span className="flex size-8 items-center justify-center rounded-lg bg-indigo-500 text-lg text-white shadow-sm shadow-indigo-900/40">
        <ShieldIcon />
      </span>
      <span className="leading-tight">
        <span className="block text-sm font-semibold text-white">Worker Watchdog</span>
        <span className="block text-[11px] font-medium text-slate-400">{t('tagline')}</span>
      </span>
    </Link>
  );
}

const COUNT_PREFIX = /^\(\d+\)\s/;

/**
 * The tab title carries what waits for people: "(3) Approvals · Worker Watchdog" — pending approvals plus
 * open incidents nobody acknowledged. Next.js sets the title on every navigation; the prefix is put back
 * whenever the title changes.
 */
function useTitleCount(count: number) {
  useEffect(() => {
    const apply = () => {
      const bare = document.title.replace(COUNT_PREFIX, '');
      const want = count > 0 ? `(${count}) ${bare}` : bare;
      if (document.title !== want) document.title = want;
    };
    apply();
    const observer = new MutationObserver(apply);
    observer.observe(document.head, { subtree: true, childList: true, characterData: true });
    return () => observer.disconnect();
  }, [count]);
}

function attentionCounts(o: Overview | undefined) {
  return { approvals: o?.approvals.pending ?? 0, unacknowledged: o?.incidents.unacknowledged ?? 0, open: o?.incidents.open_total ?? 0 };
}

/** The counts on the phone's top bar (the sidebar is hidden there): links to Approvals and Incidents. */
function PhoneCounts({ initialOverview }: { initialOverview?: Overview }) {
  const c = attentionCounts(useOverview(initialOverview).data);
  const t = useTranslations('shell');
  return (
    <div className="flex items-center gap-1.5">
      {c.approvals > 0 ? (
        <Link
          href="/approvals"
          className="inline-flex h-8 items-center gap-1 rounded-full bg-amber-400 px-2.5 text-xs font-semibold tabular-nums text-amber-950"
          aria-label={t('pendingApprovals', { count: c.approvals })}
        >
          <CheckBadgeIcon className="size-3.5" />
          {c.approvals}
        </Link>
      ) : null}
      {c.open > 0 ? (
        <Link
          href="/incidents"
          className="inline-flex h-8 items-center gap-1 rounded-full bg-rose-600 px-2.5 text-xs font-semibold tabular-nums text-white"
          aria-label={t('unacknowledgedIncidents', { count: c.unacknowledged, open: c.open })}
        >
          <AlertIcon className="size-3.5" />
          {c.unacknowledged}
        </Link>
      ) : null}
    </div>
  );
}

function NavLinks({ user, initialOverview, onNavigate }: { user: ShellUser; initialOverview?: Overview; onNavigate?: () => void }) {
  const pathname = usePathname();
  const overview = useOverview(initialOverview);
  const c = attentionCounts(overview.data);
  const counts = { approvals: c.approvals, incidents: c.open };
  const t = useTranslations('shell');
  return (
    <ul className="space-y-0.5">
      {nav
        .filter((item) => !item.only || item.only === user.role)
        .map((item) => {
          const active = isActive(pathname, item.href);
          const count = item.badge ? counts[item.badge] : 0;
          const locked = item.role && item.role !== user.role;
          return (
            <li key={item.href}>
              <Link
                href={item.href}
                onClick={onNavigate}
                aria-current={active ? 'page' : undefined}
                className={cn(
                  'group flex items-center gap-3 rounded-lg px-3 py-2 text-sm font-medium transition-colors',
                  active ? 'bg-white/10 text-white' : 'text-slate-300 hover:bg-white/5 hover:text-white',
                )}
              >
                <item.icon className={cn('size-[18px] shrink-0', active ? 'text-indigo-300' : 'text-slate-400 group-hover:text-slate-200')} />
                <span className="flex-1">{t(`nav.${item.label}`)}</span>
                {locked ? <LockIcon className="size-3.5 text-slate-500" aria-label={t('readOnlyForRole')} /> : null}
                {count > 0 ? (
                  <span
                    className={cn(
                      'min-w-5 rounded-full px-1.5 py-px text-center text-xs font-semibold tabular-nums',
                      item.badge === 'approvals' ? 'bg-amber-400 text-amber-950' : 'bg-rose-600 text-white',
                    )}
                    aria-label={item.badge === 'approvals' ? t('badgePending', { count }) : t('badgeOpen', { count })}
                  >
                    {count}
                  </span>
                ) : null}
              </Link>
            </li>
          );
        })}
    </ul>
  );
}

function UserBlock({ user }: { user: ShellUser }) {
  const t = useTranslations('shell');
  const f = useFormat();
  return (
    <div className="border-t border-white/10 px-3 pt-4">
      <div className="flex items-center gap-3">
        <span className="flex size-8 shrink-0 items-center justify-center rounded-full bg-slate-700 text-sm font-semibold uppercase text-slate-100" aria-hidden>
          {user.email.slice(0, 1)}
        </span>
        <div className="min-w-0 flex-1">
          <p className="truncate text-sm font-medium text-white" title={user.email}>
            {user.email}
          </p>
          <p className="text-xs capitalize text-slate-400">{f.label('role', user.role)}</p>
        </div>
        <button
          type="button"
          onClick={() => void signOut({ callbackUrl: '/login' })}
          className="rounded-md p-1.5 text-slate-400 hover:bg-white/10 hover:text-white"
          aria-label={t('signOut')}
          title={t('signOut')}
        >
          <LogoutIcon className="size-[18px]" />
        </button>
      </div>
      <LanguageSwitcher remember="person" className="mt-3" />
    </div>
  );
}

/** The console frame: a sidebar on wide screens, a top bar with a menu drawer on phones. */
export function AppShell({ user, initialOverview, children }: { user: ShellUser; initialOverview?: Overview; children: React.ReactNode }) {
  const [open, setOpen] = useState(false);
  const t = useTranslations('shell');
  const pathname = usePathname();
  const attention = attentionCounts(useOverview(initialOverview).data);
  useTitleCount(attention.approvals + attention.unacknowledged);
  useEffect(() => setOpen(false), [pathname]);
  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && setOpen(false);
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [open]);

  return (
    <div className="min-h-screen lg:flex">
      <a href="#main" className="sr-only focus:not-sr-only focus:fixed focus:left-4 focus:top-4 focus:z-50 focus:rounded-md focus:bg-white focus:px-3 focus:py-2 focus:text-sm focus:shadow">
        {t('skipToContent')}
      </a>
      {/* Desktop sidebar: full height of the page, its content pinned to the viewport */}
      <aside className="hidden w-64 shrink-0 bg-slate-900 lg:block">
        <div className="sticky top-0 flex h-screen flex-col px-3 py-5">
          <div className="px-2">
            <Brand />
          </div>
          <nav aria-label={t('mainNav')} className="mt-8 flex-1 overflow-y-auto">
            <NavLinks user={user} initialOverview={initialOverview} />
          </nav>
          <UserBlock user={user} />
        </div>
      </aside>

      <div className="min-w-0 flex-1">
        {/* Phone and tablet top bar */}
        <div className="sticky top-0 z-30 flex h-14 items-center justify-between bg-slate-900 px-4 lg:hidden">
          <Brand />
          <div className="flex items-center gap-1.5">
            <PhoneCounts initialOverview={initialOverview} />
            <button
              type="button"
              onClick={() => setOpen(true)}
              aria-label={t('openMenu')}
              aria-expanded={open}
              aria-controls="mobile-nav"
              className="rounded-md p-2 text-xl text-slate-300 hover:bg-white/10 hover:text-white"
            >
              <MenuIcon />
            </button>
          </div>
        </div>
        {open ? (
          <div className="fixed inset-0 z-40 lg:hidden" role="dialog" aria-modal="true" aria-label={t('menu')}>
            <div className="absolute inset-0 bg-slate-950/60 backdrop-blur-[2px]" onClick={() => setOpen(false)} aria-hidden />
            <div id="mobile-nav" className="absolute inset-y-0 left-0 flex w-72 max-w-[85vw] flex-col bg-slate-900 px-3 py-4 shadow-xl">
              <div className="flex items-center justify-between px-2">
                <Brand />
                <button type="button" onClick={() => setOpen(false)} aria-label={t('closeMenu')} className="rounded-md p-2 text-xl text-slate-300 hover:bg-white/10 hover:text-white">
                  <XIcon />
                </button>
              </div>
              <nav aria-label={t('mainNav')} className="mt-6 flex-1 overflow-y-auto">
                <NavLinks user={user} initialOverview={initialOverview} onNavigate={() => setOpen(false)} />
              </nav>
              <UserBlock user={user} />
            </div>
          </div>
        ) : null}

        <main id="main">
          <div className="mx-auto max-w-7xl px-4 py-6 sm:px-6 lg:px-8 lg:py-8">{children}</div>
        </main>
      </div>
    </div>
  );
}
