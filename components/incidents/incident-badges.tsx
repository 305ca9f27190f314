import { useTranslations } from 'next-intl';
import type { Incident } from '@/components/lib/types';
import { Badge } from '@/components/ui/badge';

export function SeverityBadge({ severity }: { severity: string }) {
  const t = useTranslations('incidents');
  return <Badge tone={severity === 'critical' ? 'danger' : 'warning'}>{t('severity', { severity })}</Badge>;
}

/** Where the incident stands for the people on call: open, acknowledged, silenced or resolved. */
export function HandlingBadge({ incident }: { incident: Incident }) {
  const t = useTranslations('incidents.handling');
  if (incident.status === 'resolved')
    return (
      <Badge tone="success" dot>
        {t('resolved')}
      </Badge>
    );
  return (
    <span className="inline-flex flex-wrap gap-1">
      {incident.acknowledged_at ? (
        <Badge tone="info" dot title={t('acknowledgedBy', { name: incident.acknowledged_by ?? '—' })}>
          {t('acknowledged')}
        </Badge>
      ) : (
        <Badge tone="danger" dot>
          {t('open')}
        </Badge>
      )}
      {incident.silenced_by ? <Badge tone="muted">{t('silenced')}</Badge> : null}
    </span>
  );
}
