//! The audit log: every change and every security event, in an append-only hash chain per
//! tenant that shows any later edit, removal or reordering.
//!
//! **Events.** An event ([`crate::domain::audit::NewEvent`]) names its tenant, actor, subject
//! agent, action, outcome, request metadata and free metadata. Its hash is SHA-256 over the
//! previous event's hash and the event's canonical JSON, or HMAC-SHA-256 under the chain key
//! ([`crate::domain::audit::chain_key`]) so that whoever can write the database cannot re-hash
//! a rewritten chain. The first event of a chain follows a fixed genesis hash.
//!
//! **Writing.** An event that accompanies a state change (an agent registered, a credential
//! rotated) is appended in that change's own transaction, so both or neither are stored
//! (`store::audit::chain`). An event with no state change (a token issued, a refused login)
//! goes through the group-commit [`writer::AuditWriter`]: the request waits until the batch
//! holding its event has committed, so no answer is sent before its event is durable, while
//! one transaction carries hundreds of events. A chain's head row (`audit_heads`) serialises
//! appenders of that chain.
//!
//! **Storage.** Events are stored in blocks of up to 64 consecutive events of one chain, with
//! one key row per distinct agent, actor, action and failure in the block
//! (`store::audit::blocks`), which is what keeps a token's audit write to a share of one row.
//! Database triggers refuse every UPDATE and every DELETE outside the retention purge.
//! Queries ([`events`]) walk the key rows of the most selective filter, newest first.
//!
//! **Retention.** The purge removes events older than the retention window and writes a
//! checkpoint (the last removed position and hash) so that what is left still verifies.
//!
//! **Verification.** [`verify`] re-hashes each chain from its genesis or checkpoint to the head
//! it had when verification began. A chain alone cannot show that its newest events were cut
//! off, so heads are also saved outside the database ([`crate::domain::audit::heads`], written
//! by `agentidp audit verify --save-heads` or the server's [`heads_file`]) and each chain is
//! checked against its saved head ([`heads`]). The server re-verifies every chain periodically
//! and exports the result as metrics ([`watch`]).

pub mod events;
pub mod heads;
pub mod heads_file;
pub mod verify;
pub mod watch;
pub mod writer;
