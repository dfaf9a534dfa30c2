-- What an agent publishes in its A2A agent card: its endpoint, documentation and icon URLs and
-- its skills, as one JSON object (camelCase keys, absent when unset).
ALTER TABLE agents ADD COLUMN card TEXT NOT NULL DEFAULT '{}';
