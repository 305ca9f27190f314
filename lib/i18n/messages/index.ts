/**
 * The console's messages: one JSON file per page or part, per language (ICU message syntax). en is the
 * reference: test/i18n-messages.test.ts checks that zh-Hant has exactly its keys and placeholders.
 */
import enCommon from './en/common.json';
import enTitles from './en/titles.json';
import enShell from './en/shell.json';
import enFormat from './en/format.json';
import enEnums from './en/enums.json';
import enErrors from './en/errors.json';
import enLogin from './en/login.json';
import enWaiting from './en/waiting.json';
import enOverview from './en/overview.json';
import enApprovals from './en/approvals.json';
import enIncidents from './en/incidents.json';
import enSilences from './en/silences.json';
import enJobs from './en/jobs.json';
import enWorkers from './en/workers.json';
import enRules from './en/rules.json';
import enLearnings from './en/learnings.json';
import enMetrics from './en/metrics.json';
import enAudit from './en/audit.json';
import enChannels from './en/channels.json';
import enTokens from './en/tokens.json';
import enPeople from './en/people.json';
import enNotFound from './en/notFound.json';
import zhCommon from './zh-Hant/common.json';
import zhTitles from './zh-Hant/titles.json';
import zhShell from './zh-Hant/shell.json';
import zhFormat from './zh-Hant/format.json';
import zhEnums from './zh-Hant/enums.json';
import zhErrors from './zh-Hant/errors.json';
import zhLogin from './zh-Hant/login.json';
import zhWaiting from './zh-Hant/waiting.json';
import zhOverview from './zh-Hant/overview.json';
import zhApprovals from './zh-Hant/approvals.json';
import zhIncidents from './zh-Hant/incidents.json';
import zhSilences from './zh-Hant/silences.json';
import zhJobs from './zh-Hant/jobs.json';
import zhWorkers from './zh-Hant/workers.json';
import zhRules from './zh-Hant/rules.json';
import zhLearnings from './zh-Hant/learnings.json';
import zhMetrics from './zh-Hant/metrics.json';
import zhAudit from './zh-Hant/audit.json';
import zhChannels from './zh-Hant/channels.json';
import zhTokens from './zh-Hant/tokens.json';
import zhPeople from './zh-Hant/people.json';
import zhNotFound from './zh-Hant/notFound.json';

const en = {
  common: enCommon,
  titles: enTitles,
  shell: enShell,
  format: enFormat,
  enums: enEnums,
  errors: enErrors,
  login: enLogin,
  waiting: enWaiting,
  overview: enOverview,
  approvals: enApprovals,
  incidents: enIncidents,
  silences: enSilences,
  jobs: enJobs,
  workers: enWorkers,
  rules: enRules,
  learnings: enLearnings,
  metrics: enMetrics,
  audit: enAudit,
  channels: enChannels,
  tokens: enTokens,
  people: enPeople,
  notFound: enNotFound,
};

export type Messages = typeof en;

const zhHant: Messages = {
  common: zhCommon,
  titles: zhTitles,
  shell: zhShell,
  format: zhFormat,
  enums: zhEnums,
  errors: zhErrors,
  login: zhLogin,
  waiting: zhWaiting,
  overview: zhOverview,
  approvals: zhApprovals,
  incidents: zhIncidents,
  silences: zhSilences,
  jobs: zhJobs,
  workers: zhWorkers,
  rules: zhRules,
  learnings: zhLearnings,
  metrics: zhMetrics,
  audit: zhAudit,
  channels: zhChannels,
  tokens: zhTokens,
  people: zhPeople,
  notFound: zhNotFound,
};

export const messages = { en, 'zh-Hant': zhHant } as const;
