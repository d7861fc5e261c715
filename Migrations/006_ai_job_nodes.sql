-- Which process runs each AI job (SPEC §15): in a cluster a job lives on the node that took
-- its request, so when that node dies a survivor ends its running jobs, and a node restarted
-- under the same id ends its predecessor's. NULL on a single node, which ends every running
-- job at start-up.
ALTER TABLE ai_jobs ADD COLUMN node_id TEXT;
ALTER TABLE ai_jobs ADD COLUMN incarnation TEXT;
