//! Billing settings: plans and their limits, and the Stripe account that takes payments.

use clap::Args;
use secrecy::SecretString;

/// Plans, limits and Stripe.
#[derive(Debug, Clone, Args)]
pub struct BillingConfig {
    /// Enforce each tenant's plan (free or pro) and offer Stripe checkout. Off, every tenant
    /// has the `MAX_AGENTS_PER_TENANT` and `MAX_TOKENS_PER_MONTH` limits and usage is still
    /// metered.
    #[arg(long, env = "BILLING_ENABLED", default_value_t = false, action = clap::ArgAction::Set, global = true)]
    pub billing_enabled: bool,
    /// Free plan: live agents per tenant (0 = no limit).
    #[arg(long, env = "FREE_MAX_AGENTS", default_value_t = 10, global = true)]
    pub free_max_agents: u64,
    /// Free plan: authenticated API calls per tenant per UTC day (0 = no limit).
    #[arg(
        long,
        env = "FREE_MAX_API_CALLS_PER_DAY",
        default_value_t = 1_000,
        global = true
    )]
    pub free_max_api_calls_per_day: u64,
    /// Free plan: access tokens per tenant per UTC calendar month (0 = no limit).
    #[arg(
        long,
        env = "FREE_MAX_TOKENS_PER_MONTH",
        default_value_t = 10_000,
        global = true
    )]
    pub free_max_tokens_per_month: u64,
    /// Pro plan: live agents per tenant (0 = no limit).
    #[arg(long, env = "PRO_MAX_AGENTS", default_value_t = 0, global = true)]
    pub pro_max_agents: u64,
    /// Pro plan: API calls per tenant per UTC day (0 = no limit).
    #[arg(
        long,
        env = "PRO_MAX_API_CALLS_PER_DAY",
        default_value_t = 0,
        global = true
    )]
    pub pro_max_api_calls_per_day: u64,
    /// Pro plan: access tokens per tenant per UTC calendar month (0 = no limit).
    #[arg(
        long,
        env = "PRO_MAX_TOKENS_PER_MONTH",
        default_value_t = 0,
        global = true
    )]
    pub pro_max_tokens_per_month: u64,
    /// Days a past-due subscription keeps the pro plan while Stripe retries the payment.
    #[arg(long, env = "BILLING_PAST_DUE_GRACE_DAYS", default_value_t = 7,
          value_parser = clap::value_parser!(u32).range(0..=90), global = true)]
    pub billing_past_due_grace_days: u32,
    /// Stripe secret API key (`sk_live_…`, `sk_test_…`) for creating checkout sessions.
    #[arg(long, env = "STRIPE_SECRET_KEY", hide_env_values = true, global = true)]
    pub stripe_secret_key: Option<SecretString>,
    /// The signing secret of the Stripe webhook endpoint (`whsec_…`) that posts to
    /// `/v1/billing/webhook`.
    #[arg(
        long,
        env = "STRIPE_WEBHOOK_SECRET",
        hide_env_values = true,
        global = true
    )]
    pub stripe_webhook_secret: Option<SecretString>,
    /// The Stripe price (`price_…`) of the pro plan's subscription.
    #[arg(long, env = "STRIPE_PRICE_ID", global = true)]
    pub stripe_price_id: Option<String>,
    /// Stripe's API base URL (tests point it at stripe-mock or a local server).
    #[arg(
        long,
        env = "STRIPE_API_BASE",
        default_value = "https://api.stripe.com",
        global = true
    )]
    pub stripe_api_base: String,
    /// Where Stripe Checkout sends the customer after paying (default: the dashboard).
    #[arg(long, env = "BILLING_SUCCESS_URL", global = true)]
    pub billing_success_url: Option<String>,
    /// Where Stripe Checkout sends a customer who cancels (default: the pricing page).
    #[arg(long, env = "BILLING_CANCEL_URL", global = true)]
    pub billing_cancel_url: Option<String>,
}
