-- The public marketplace: full-text search over public, active agents (FTS5).
--
-- `search_text` is written by the server with every agent (name, description, type,
-- capabilities, skills). Triggers keep `marketplace_entries` holding exactly the public, active
-- agents, and the FTS5 index over it in step. The entries table has its own INTEGER PRIMARY
-- KEY because FTS5 addresses rows by rowid, and the rowids of `agents` (which has none) may be
-- renumbered by VACUUM.
ALTER TABLE agents ADD COLUMN search_text TEXT NOT NULL DEFAULT '';
-- The tokenizer splits at punctuation as the server's `listing_text` does.
UPDATE agents SET search_text = name || ' ' || description || ' ' || agent_type || ' '
    || replace(replace(replace(capabilities, '[', ''), ']', ''), '"', '');

CREATE TABLE marketplace_entries (
    entry       INTEGER PRIMARY KEY,
    agent_id    BLOB NOT NULL UNIQUE,
    search_text TEXT NOT NULL
);
-- A search term matches the words it starts. Two-letter terms start too many words to be
-- expanded into them, so their prefixes have an index of their own (`prefix = '2'`).
CREATE VIRTUAL TABLE marketplace_fts USING fts5(
    search_text, content = 'marketplace_entries', content_rowid = 'entry',
    tokenize = 'unicode61 remove_diacritics 0', prefix = '2'
);
-- Every word ever listed, so the server can expand a longer term into the words it starts
-- (see store/marketplace.rs). A word no listing holds any more stays: it only adds a branch
-- to a query that matches nothing. Listing words hold only letters and digits, so quoting
-- them makes a JSON array that json_each splits. (ON CONFLICT DO NOTHING, not INSERT OR
-- IGNORE: a trigger's OR IGNORE gives way to the conflict handling of the statement that
-- fired it, which for the upsert below is to fail.)
CREATE TABLE marketplace_terms (term TEXT PRIMARY KEY) WITHOUT ROWID;

CREATE TRIGGER marketplace_entries_insert AFTER INSERT ON marketplace_entries BEGIN
    INSERT INTO marketplace_fts (rowid, search_text) VALUES (NEW.entry, NEW.search_text);
    INSERT INTO marketplace_terms (term)
        SELECT value FROM json_each('["' || replace(NEW.search_text, ' ', '","') || '"]')
        WHERE value <> '' ON CONFLICT DO NOTHING;
END;
CREATE TRIGGER marketplace_entries_delete AFTER DELETE ON marketplace_entries BEGIN
    INSERT INTO marketplace_fts (marketplace_fts, rowid, search_text)
        VALUES ('delete', OLD.entry, OLD.search_text);
END;
CREATE TRIGGER marketplace_entries_update AFTER UPDATE ON marketplace_entries BEGIN
    INSERT INTO marketplace_fts (marketplace_fts, rowid, search_text)
        VALUES ('delete', OLD.entry, OLD.search_text);
    INSERT INTO marketplace_fts (rowid, search_text) VALUES (NEW.entry, NEW.search_text);
    INSERT INTO marketplace_terms (term)
        SELECT value FROM json_each('["' || replace(NEW.search_text, ' ', '","') || '"]')
        WHERE value <> '' ON CONFLICT DO NOTHING;
END;

CREATE TRIGGER agents_listed_on_insert AFTER INSERT ON agents
WHEN NEW.is_public = 1 AND NEW.status = 'active' BEGIN
    INSERT INTO marketplace_entries (agent_id, search_text) VALUES (NEW.id, NEW.search_text);
END;
CREATE TRIGGER agents_listed_on_update AFTER UPDATE OF search_text, is_public, status ON agents BEGIN
    DELETE FROM marketplace_entries
        WHERE agent_id = OLD.id AND NOT (NEW.is_public = 1 AND NEW.status = 'active');
    INSERT INTO marketplace_entries (agent_id, search_text)
        SELECT NEW.id, NEW.search_text WHERE NEW.is_public = 1 AND NEW.status = 'active'
        ON CONFLICT (agent_id) DO UPDATE SET search_text = excluded.search_text
            WHERE search_text <> excluded.search_text;
END;
CREATE TRIGGER agents_listed_on_delete AFTER DELETE ON agents BEGIN
    DELETE FROM marketplace_entries WHERE agent_id = OLD.id;
END;

INSERT INTO marketplace_entries (agent_id, search_text)
    SELECT id, search_text FROM agents WHERE is_public = 1 AND status = 'active' ORDER BY id;
