/**
 * The ingest fast path, behind one interface: the statement-verified shortcut of the ingest route
 * (statement auth + group commit) and the node lane that serves the ingest routes without Next's
 * per-request pipeline. The route table plugs `ingestShortcut` into POST /helper-events; server start
 * registers the lane over the table's `lane` routes.
 */
export { ingestHealthyEventByToken, ingestShortcut } from './statement-auth';
export { registerNodeLane } from './node-lane';
