import type { Incident } from '@/components/lib/types';
import { Badge } from '@/components/ui/badge';

export function SeverityBadge({ severity }: { severity: string }) {
  return <Badge tone={severity === 'critical' ? 'danger' : 'warning'}>{severity}</Badge>;
}

/** Where the incident stands for the people on call: open, acknowledged, silenced or resolved. */
export function HandlingBadge({ incident }: { incident: Incident }) {
  if (incident.status === 'resolved')
    return (
      <Badge tone="success" dot>
        resolved
      </Badge>
    );
  return (
    <span className="inline-flex flex-wrap gap-1">
      {incident.acknowledged_at ? (
        <Badge tone="info" dot title={`by ${incident.acknowledged_by}`}>
          acknowledged
        </Badge>
      ) : (
        <Badge tone="danger" dot>
          open
        </Badge>
      )}
      {incident.silenced_by ? <Badge tone="muted">silenced</Badge> : null}
    </span>
  );
}
