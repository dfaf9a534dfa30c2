-- Delegation (RFC 8693 actor tokens): the agents that may act for an agent, as agent ids
-- separated by spaces (at most 32). Empty: no agent may act for it.
ALTER TABLE agents ADD COLUMN allowed_actors TEXT NOT NULL DEFAULT '';
