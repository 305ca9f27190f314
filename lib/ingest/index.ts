/**
 * The worker's fast path, behind one interface: the statement-verified shortcuts (a token this
 * process has seen authenticate is checked by the statement that writes: no authentication round
 * trip) of the hot routes — a helper event (+ group commit), a heartbeat, an artifact check, a
 * complete — and the node lane that serves the worker routes without Next's per-request pipeline.
 * The route table plugs the shortcuts into their routes; server start registers the lane over the
 * table's `lane` routes.
 */
export { artifactCheckShortcut, completeShortcut, heartbeatShortcut, ingestHealthyEventByToken, ingestShortcut } from './statement-auth';
export { registerNodeLane } from './node-lane';
