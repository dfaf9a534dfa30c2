//! Plans, their limits and the windows usage is counted in: what a tenant may consume, when a
//! refused request may be retried, and which plan a Stripe subscription's status gives.

use chrono::{Datelike, Duration, NaiveDate, NaiveTime};

use super::time::Timestamp;

/// A tenant's plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Plan {
    /// The default: the free tier's limits apply when billing is enabled.
    Free,
    /// A paying tenant (an active Stripe subscription).
    Pro,
}

impl Plan {
    /// The stored and wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Free => "free",
            Self::Pro => "pro",
        }
    }

    /// Reads the stored spelling; anything unknown is the free plan.
    pub fn parse(s: &str) -> Self {
        if s == "pro" { Self::Pro } else { Self::Free }
    }
}

/// What a plan allows; `None` is no limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Limits {
    /// Live agents.
    pub agents: Option<u64>,
    /// Authenticated API calls per UTC day.
    pub api_calls_per_day: Option<u64>,
    /// Access tokens per UTC calendar month.
    pub tokens_per_month: Option<u64>,
}

impl Limits {
    /// Limits from configured numbers, where 0 means none.
    pub fn from_config(agents: u64, api_calls_per_day: u64, tokens_per_month: u64) -> Self {
        let some = |n: u64| (n > 0).then_some(n);
        Self {
            agents: some(agents),
            api_calls_per_day: some(api_calls_per_day),
            tokens_per_month: some(tokens_per_month),
        }
    }

    /// The limit on `metric`.
    pub fn of(&self, metric: Metric) -> Option<u64> {
        match metric {
            Metric::ApiCalls => self.api_calls_per_day,
            Metric::TokensIssued => self.tokens_per_month,
            Metric::ActiveAgents => self.agents,
        }
    }
}

/// What is metered, per tenant and UTC day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Metric {
    /// Authenticated requests (bearer or client authentication).
    ApiCalls,
    /// Access tokens issued.
    TokensIssued,
    /// Live agents, sampled once a day (a level, not a count of events).
    ActiveAgents,
}

impl Metric {
    /// Every metric.
    pub const ALL: [Metric; 3] = [Self::ApiCalls, Self::TokensIssued, Self::ActiveAgents];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ApiCalls => "api_calls",
            Self::TokensIssued => "tokens_issued",
            Self::ActiveAgents => "active_agents",
        }
    }

    /// Reads a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == s)
    }

    /// The name of its limit in errors, metrics and audit events.
    pub fn limit_type(self) -> &'static str {
        match self {
            Self::ApiCalls => "api_calls_per_day",
            Self::TokensIssued => "tokens_per_month",
            Self::ActiveAgents => "agents",
        }
    }

    /// The window its limit counts over, containing `now`.
    pub fn window(self, now: Timestamp) -> Window {
        let day = now.to_datetime().date_naive();
        match self {
            Self::TokensIssued => Window::month_of(day),
            Self::ApiCalls | Self::ActiveAgents => Window {
                first: day,
                last: day,
            },
        }
    }
}

/// A range of UTC days a limit counts over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Window {
    /// The first day.
    pub first: NaiveDate,
    /// The last day (inclusive).
    pub last: NaiveDate,
}

impl Window {
    /// The calendar month of `day`.
    pub fn month_of(day: NaiveDate) -> Self {
        let first = day.with_day(1).unwrap_or(day);
        let next = first
            .checked_add_months(chrono::Months::new(1))
            .unwrap_or(first);
        Self {
            first,
            last: next.pred_opt().unwrap_or(first),
        }
    }

    /// Seconds from `now` until the window ends (the next UTC midnight after its last day),
    /// at least 1: a refused request's `Retry-After`.
    pub fn seconds_left(&self, now: Timestamp) -> u64 {
        let end = (self.last + Duration::days(1))
            .and_time(NaiveTime::MIN)
            .and_utc();
        let left = end.timestamp() - now.unix_seconds();
        u64::try_from(left).unwrap_or(0).max(1)
    }

    /// A stable key for counters of this window: its first day, and its last when longer.
    pub fn key(&self) -> String {
        if self.first == self.last {
            day_key(self.first)
        } else {
            format!("{}..{}", day_key(self.first), day_key(self.last))
        }
    }
}

/// A day as stored: `YYYY-MM-DD`.
pub fn day_key(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

/// A Stripe subscription's status, as far as plans care.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubscriptionStatus {
    /// `active` or `trialing`: paid for.
    Active,
    /// `past_due`: a payment failed; Stripe retries it.
    PastDue,
    /// `canceled`, `unpaid`, `incomplete_expired`: over.
    Ended,
    /// `incomplete`, `paused` and anything newer: not paid for (yet).
    Other(String),
}

impl SubscriptionStatus {
    /// Reads Stripe's status string.
    pub fn parse(s: &str) -> Self {
        match s {
            "active" | "trialing" => Self::Active,
            "past_due" => Self::PastDue,
            "canceled" | "unpaid" | "incomplete_expired" => Self::Ended,
            other => Self::Other(other.to_owned()),
        }
    }
}

/// The plan a subscription gives at `now`: active → pro; past due → pro until `grace_secs`
/// after it fell due (`past_due_since`); anything else → free.
pub fn plan_for(
    status: &SubscriptionStatus,
    past_due_since: Option<Timestamp>,
    grace_secs: i64,
    now: Timestamp,
) -> Plan {
    match status {
        SubscriptionStatus::Active => Plan::Pro,
        SubscriptionStatus::PastDue
            if past_due_since.is_none_or(|since| now < since.plus_seconds(grace_secs)) =>
        {
            Plan::Pro
        }
        _ => Plan::Free,
    }
}

/// What the server keeps of a tenant's subscription.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BillingState {
    /// The plan it gave when last changed (`free` or `pro`).
    pub plan: String,
    /// The tenant's Stripe customer.
    pub customer: Option<String>,
    /// Its current subscription.
    pub subscription: Option<String>,
    /// That subscription's Stripe status.
    pub status: Option<String>,
    /// When it became past due.
    pub past_due_since: Option<Timestamp>,
    /// `created` (Unix seconds) of the last subscription event applied.
    pub event_at: i64,
}

/// What a Stripe event says of a tenant's subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionEvent {
    /// The event's `created` (Unix seconds).
    pub created: i64,
    /// The customer it names.
    pub customer: Option<String>,
    /// The subscription it is about.
    pub subscription: Option<String>,
    /// The subscription's status it reports (`canceled` for a deletion).
    pub status: String,
}

/// The state after `event`, or `None` when it must not change anything: it is older than
/// the last event applied, it would revive a subscription Stripe ended (Stripe never
/// reactivates a canceled subscription, so a late `updated` after `deleted` is stale), or it
/// is about another subscription while the tenant's current one is live.
pub fn apply(
    state: &BillingState,
    event: &SubscriptionEvent,
    grace_secs: i64,
    now: Timestamp,
) -> Option<BillingState> {
    if event.created < state.event_at {
        return None;
    }
    let same = event.subscription.is_some() && event.subscription == state.subscription;
    let current_ended = state
        .status
        .as_deref()
        .is_none_or(|s| SubscriptionStatus::parse(s) == SubscriptionStatus::Ended);
    let new = SubscriptionStatus::parse(&event.status);
    if same && current_ended && state.status.is_some() && new != SubscriptionStatus::Ended {
        return None;
    }
    if !same && state.subscription.is_some() && !current_ended {
        return None;
    }
    let past_due_since = match (&new, state.past_due_since) {
        (SubscriptionStatus::PastDue, Some(since)) if same => Some(since),
        (SubscriptionStatus::PastDue, _) => Some(Timestamp::from_micros(
            event.created.saturating_mul(1_000_000),
        )),
        _ => None,
    };
    let plan = plan_for(&new, past_due_since, grace_secs, now);
    Some(BillingState {
        plan: plan.as_str().to_owned(),
        customer: event.customer.clone().or_else(|| state.customer.clone()),
        subscription: event
            .subscription
            .clone()
            .or_else(|| state.subscription.clone()),
        status: Some(event.status.clone()),
        past_due_since,
        event_at: event.created,
    })
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used, reason = "tests fail loudly")]
    use super::*;

    fn at(rfc3339: &str) -> Timestamp {
        Timestamp::parse_rfc3339(rfc3339).unwrap()
    }

    #[test]
    fn daily_limits_reset_at_the_next_utc_midnight_and_monthly_ones_at_the_next_month() {
        let now = at("2026-02-28T23:59:30Z");
        assert_eq!(Metric::ApiCalls.window(now).seconds_left(now), 30);
        assert_eq!(Metric::ApiCalls.window(now).key(), "2026-02-28");
        let month = Metric::TokensIssued.window(now);
        assert_eq!(month.key(), "2026-02-01..2026-02-28");
        assert_eq!(month.seconds_left(now), 30);
        let early = at("2026-12-01T00:00:00Z");
        assert_eq!(
            Metric::TokensIssued.window(early).seconds_left(early),
            31 * 86_400
        );
    }

    #[test]
    fn a_subscription_gives_pro_while_paid_and_through_the_grace_period() {
        let now = at("2026-03-10T00:00:00Z");
        let week = 7 * 86_400;
        let status = SubscriptionStatus::parse;
        assert_eq!(plan_for(&status("active"), None, week, now), Plan::Pro);
        assert_eq!(plan_for(&status("trialing"), None, week, now), Plan::Pro);
        let recent = Some(at("2026-03-05T00:00:00Z"));
        let old = Some(at("2026-03-01T00:00:00Z"));
        assert_eq!(plan_for(&status("past_due"), recent, week, now), Plan::Pro);
        assert_eq!(plan_for(&status("past_due"), old, week, now), Plan::Free);
        for ended in [
            "canceled",
            "unpaid",
            "incomplete_expired",
            "incomplete",
            "paused",
        ] {
            assert_eq!(
                plan_for(&status(ended), None, week, now),
                Plan::Free,
                "{ended}"
            );
        }
    }

    fn event(created: i64, sub: &str, status: &str) -> SubscriptionEvent {
        SubscriptionEvent {
            created,
            customer: Some("cus_1".into()),
            subscription: Some(sub.into()),
            status: status.into(),
        }
    }

    #[test]
    fn events_apply_in_created_order_and_a_deleted_subscription_stays_deleted() {
        let now = at("2026-03-10T00:00:00Z");
        let start = BillingState::default();
        let active = apply(&start, &event(100, "sub_1", "active"), 0, now).unwrap();
        assert_eq!(active.plan, "pro");
        let deleted = apply(&active, &event(200, "sub_1", "canceled"), 0, now).unwrap();
        assert_eq!(deleted.plan, "free");
        assert_eq!(
            apply(&deleted, &event(150, "sub_1", "active"), 0, now),
            None,
            "older"
        );
        assert_eq!(
            apply(&deleted, &event(200, "sub_1", "active"), 0, now),
            None,
            "revived"
        );
        let again = apply(&deleted, &event(300, "sub_2", "active"), 0, now).unwrap();
        assert_eq!(
            (again.plan.as_str(), again.subscription.as_deref()),
            ("pro", Some("sub_2"))
        );
        assert_eq!(
            apply(&again, &event(400, "sub_3", "canceled"), 0, now),
            None,
            "not current"
        );
    }

    #[test]
    fn past_due_keeps_the_date_it_fell_due() {
        let now = at("2026-03-10T00:00:00Z");
        let active = apply(&BillingState::default(), &event(100, "s", "active"), 0, now).unwrap();
        let due = apply(&active, &event(200, "s", "past_due"), 86_400, now).unwrap();
        let still = apply(&due, &event(300, "s", "past_due"), 86_400, now).unwrap();
        assert_eq!(
            still.past_due_since,
            Some(Timestamp::from_micros(200_000_000))
        );
        assert_eq!(still.plan, "free", "grace of a day, long past");
        let paid = apply(&still, &event(400, "s", "active"), 86_400, now).unwrap();
        assert_eq!((paid.plan.as_str(), paid.past_due_since), ("pro", None));
    }

    #[test]
    fn zero_configured_means_no_limit() {
        let limits = Limits::from_config(10, 0, 5);
        assert_eq!(limits.of(Metric::ActiveAgents), Some(10));
        assert_eq!(limits.of(Metric::ApiCalls), None);
        assert_eq!(limits.of(Metric::TokensIssued), Some(5));
    }
}
