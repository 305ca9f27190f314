import type { WorkerStatus } from '@/components/lib/types';
import { Badge, type Tone } from '@/components/ui/badge';

const statusTone: Record<WorkerStatus, Tone> = { working: 'success', idle: 'info', silent: 'danger', retired: 'muted' };
const statusHelp: Record<WorkerStatus, string> = {
  working: 'holds an active lease',
  idle: 'seen recently, no lease',
  silent: 'not seen for the worker_silent threshold',
  retired: 'not seen for 7 days',
};

export function WorkerStatusBadge({ status }: { status: WorkerStatus }) {
  return (
    <Badge tone={statusTone[status]} dot title={statusHelp[status]}>
      {status}
    </Badge>
  );
}

/** "4 min left", "expired 2 min ago", "—" */
export function leaseLeft(iso: string | null, now: number): string {
  if (!iso) return '—';
  const s = Math.round((new Date(iso).getTime() - now) / 1000);
  if (s <= 0) return 'expired';
  if (s < 60) return `${s} s left`;
  if (s < 3600) return `${Math.floor(s / 60)} min left`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min left`;
}
