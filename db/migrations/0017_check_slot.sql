-- Issue 21 (lifecycle speed). A passing artifact check with no artifact_gate_fail incident to resolve —
-- the common check — is stored by ONE statement (lib/watchdog/artifacts/artifact-checks.ts) instead of a
-- transaction of four round trips. What that transaction guaranteed, this function keeps:
--   * checks of one job are serialized: it takes the same transaction-scoped advisory lock (7265011,
--     hashtext(job_id)) as the transaction path, held until the calling statement commits;
--   * each check is strictly after the job's previous one, whatever the clock says: PL/pgSQL takes a
--     fresh snapshot for each query, so after the lock it sees what an earlier check committed (the
--     calling statement's own snapshot was taken before it waited);
--   * a check that would have to resolve an open gate incident is not stored here: the function answers
--     NULL (fresh snapshot too), the statement inserts nothing, and the caller takes the transaction path,
--     which resolves it.
CREATE OR REPLACE FUNCTION "artifact_check_slot"(p_job text, p_now timestamptz) RETURNS timestamptz LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  previous timestamptz;
BEGIN
  PERFORM pg_advisory_xact_lock(7265011, hashtext(p_job));
  IF EXISTS (SELECT 1 FROM incidents WHERE job_id = p_job AND status = 'open' AND signal = 'artifact_gate_fail') THEN
    RETURN NULL;
  END IF;
  SELECT checked_at INTO previous FROM artifact_checks WHERE job_id = p_job ORDER BY checked_at DESC, id DESC LIMIT 1;
  -- greatest() ignores a NULL: a job's first check is stored at p_now
  RETURN greatest(p_now, previous + interval '1 millisecond');
END $$;
