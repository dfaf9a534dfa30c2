-- The public marketplace: full-text search over public, active agents.
--
-- `search_text` is written by the server with every agent (name, description, type,
-- capabilities, skills). Partial indexes cover only the public, active agents, so a search
-- never reads private ones and private agents cost the index nothing.
ALTER TABLE agents ADD COLUMN search_text TEXT NOT NULL DEFAULT '';
-- The words of the listing text as the server writes it (see `listing_text`).
UPDATE agents SET search_text = btrim(lower(regexp_replace(
    name || ' ' || description || ' ' || agent_type || ' ' || capabilities,
    '[^[:alnum:]]+', ' ', 'g')));

-- Stored, so a search reads each candidate's words rather than parsing its text again.
ALTER TABLE agents ADD COLUMN search_vector tsvector
    GENERATED ALWAYS AS (to_tsvector('simple', search_text)) STORED;
CREATE INDEX agents_marketplace_search_idx ON agents
    USING GIN (search_vector) WHERE is_public AND status = 'active';
-- The capability filter: containment in the capabilities array (stored as JSON text).
CREATE INDEX agents_marketplace_capability_idx ON agents
    USING GIN ((capabilities::jsonb) jsonb_path_ops) WHERE is_public AND status = 'active';
CREATE INDEX agents_marketplace_idx ON agents (id) WHERE is_public AND status = 'active';
