import type { Actor } from '../context';
import { forbidden } from '../errors';

/** A worker token acts only for its own worker_id; other roles act for anyone. */
export function assertActsFor(actor: Actor, workerId: string): void {
  if (actor.role === 'worker' && actor.workerId !== workerId) {
    throw forbidden(`this token is bound to worker ${actor.workerId} and may not act for ${workerId}`);
  }
}
