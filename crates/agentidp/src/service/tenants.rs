//! Tenant use cases: first-start bootstrap, operator bootstrap, self-service sign-up.

use super::{Idp, ServiceError, ServiceResult};
use crate::domain::agent::{Agent, AgentStatus, DeploymentEnv};
use crate::domain::audit::{Action, NewEvent, RequestMeta};
use crate::domain::credential::Credential;
use crate::domain::ids::{AgentId, TenantId};
use crate::domain::scope::ScopeSet;
use crate::domain::tenant::{Tenant, TenantAdmin, parse_tenant_name};
use crate::domain::time::Timestamp;
use crate::store::StoreError;

/// The e-mail of every tenant's bootstrap administrator agent.
pub const ADMIN_EMAIL: &str = "admin@agentidp.local";

/// The e-mail of an admin agent that `agentidp bootstrap` added to recover a tenant whose
/// admin was no longer active: `admin+<agent id>@agentidp.local`.
const RECOVERED_ADMIN_EMAIL_LIKE: &str = "admin+%@agentidp.local";

/// A tenant's administrator agent, holding every management scope.
fn admin_agent(tenant: &Tenant, id: AgentId, email: String, now: Timestamp) -> Agent {
    Agent {
        id,
        tenant_id: tenant.id,
        email,
        name: format!("{} administrator", tenant.name),
        description: "Tenant administrator created at bootstrap".into(),
        agent_type: "admin".into(),
        version: "1.0.0".into(),
        capabilities: vec![],
        owner: tenant.name.clone(),
        deployment_env: DeploymentEnv::Production,
        status: AgentStatus::Active,
        is_public: false,
        metadata: serde_json::Map::new(),
        allowed_scopes: ScopeSet::all_management(),
        allowed_actors: Default::default(),
        created_at: now,
        updated_at: now,
        last_auth_at: None,
        card: Default::default(),
    }
}

/// The outcome of `agentidp bootstrap`.
#[derive(Debug)]
pub enum Bootstrap {
    /// A new tenant with its admin.
    Created(TenantAdmin),
    /// The tenant existed: its admin agent got an additional credential.
    NewCredential(TenantAdmin),
    /// The tenant existed but no admin agent of it was active: a new one was added.
    Recovered(TenantAdmin),
}

impl Idp {
    /// Creates a tenant with an admin agent holding every management scope; `actor` names
    /// who asked (`system`, `operator` or `signup`) in the audit log.
    pub async fn create_tenant(
        &self,
        name: &str,
        actor: &str,
        meta: &RequestMeta,
    ) -> ServiceResult<TenantAdmin> {
        let name = parse_tenant_name(name)?;
        let now = Timestamp::now();
        let tenant = Tenant {
            id: TenantId::new(),
            name,
            plan: "free".into(),
            created_at: now,
        };
        let admin = admin_agent(&tenant, AgentId::new(), ADMIN_EMAIL.into(), now);
        let (credential, secret) = Credential::issue_secret(&self.hasher(), admin.id, None, now)?;
        let events = [
            NewEvent::new(tenant.id, actor, Action::TenantCreated, meta, now)
                .with("name", tenant.name.as_str()),
            NewEvent::new(tenant.id, actor, Action::AgentCreated, meta, now)
                .subject(admin.id)
                .with("email", ADMIN_EMAIL)
                .with("allowedScopes", admin.allowed_scopes.to_string()),
            NewEvent::new(tenant.id, actor, Action::CredentialCreated, meta, now)
                .subject(admin.id)
                .with("credentialId", credential.id.to_string()),
        ];
        match self
            .db
            .create_tenant_with_admin(&tenant, &admin, &credential, &events)
            .await
        {
            Ok(()) => Ok(TenantAdmin {
                tenant,
                admin,
                credential_id: credential.id,
                secret,
            }),
            Err(StoreError::UniqueViolation(_)) => Err(ServiceError::TenantExists),
            Err(e) => Err(e.into()),
        }
    }

    /// Creates the first tenant when the database has none; `None` when one exists.
    pub async fn bootstrap_if_empty(&self, name: &str) -> ServiceResult<Option<TenantAdmin>> {
        if self.db.count_tenants().await? > 0 {
            return Ok(None);
        }
        match self
            .create_tenant(name, "system", &RequestMeta::default())
            .await
        {
            // Another node starting on the same empty database created it a moment before.
            Err(ServiceError::TenantExists) => Ok(None),
            created => created.map(Some),
        }
    }

    /// Operator bootstrap: creates the tenant; or gives its active bootstrap admin agent a new
    /// credential (a lost admin secret); or, when no bootstrap admin is active any more (one
    /// was suspended, revoked or decommissioned), adds a new one, so that an operator can
    /// always get a tenant back.
    pub async fn bootstrap(&self, name: &str) -> ServiceResult<Bootstrap> {
        let Some(tenant) = self.db.tenant_by_name(name).await? else {
            return self
                .create_tenant(name, "operator", &RequestMeta::default())
                .await
                .map(Bootstrap::Created);
        };
        let candidates = self
            .db
            .active_agents_by_email(tenant.id, ADMIN_EMAIL, RECOVERED_ADMIN_EMAIL_LIKE)
            .await?;
        let all = ScopeSet::all_management();
        let admin = candidates
            .into_iter()
            .find(|a| all.iter().all(|s| a.allowed_scopes.contains(s.as_str())));
        let Some(admin) = admin else {
            return self.recover_tenant(tenant).await.map(Bootstrap::Recovered);
        };
        let (credential, secret) =
            Credential::issue_secret(&self.hasher(), admin.id, None, Timestamp::now())?;
        let event = NewEvent::new(
            tenant.id,
            "operator",
            Action::TenantBootstrapped,
            &RequestMeta::default(),
            Timestamp::now(),
        )
        .subject(admin.id)
        .with("credentialId", credential.id.to_string());
        // Break-glass recovery of a lost admin secret is not held to the credential limit; it
        // is refused only if the admin stopped being active since it was read.
        self.db
            .insert_credential(tenant.id, &credential, None, &[event])
            .await?
            .map_err(|_| ServiceError::ConcurrentUpdate)?;
        Ok(Bootstrap::NewCredential(TenantAdmin {
            tenant,
            admin,
            credential_id: credential.id,
            secret,
        }))
    }

    /// Adds a new admin agent with a credential to a tenant that has no active one, outside
    /// its agent limit, and audits it.
    async fn recover_tenant(&self, tenant: Tenant) -> ServiceResult<TenantAdmin> {
        let now = Timestamp::now();
        let id = AgentId::new();
        let email = format!("admin+{}@agentidp.local", id.uuid().simple());
        let admin = admin_agent(&tenant, id, email, now);
        let (credential, secret) = Credential::issue_secret(&self.hasher(), admin.id, None, now)?;
        let meta = RequestMeta::default();
        let events = [
            NewEvent::new(tenant.id, "operator", Action::AgentCreated, &meta, now)
                .subject(admin.id)
                .with("email", admin.email.as_str())
                .with("allowedScopes", admin.allowed_scopes.to_string()),
            NewEvent::new(tenant.id, "operator", Action::CredentialCreated, &meta, now)
                .subject(admin.id)
                .with("credentialId", credential.id.to_string()),
            NewEvent::new(
                tenant.id,
                "operator",
                Action::TenantBootstrapped,
                &meta,
                now,
            )
            .subject(admin.id)
            .with("credentialId", credential.id.to_string())
            .with("recovered", true),
        ];
        self.db.add_admin(&admin, &credential, &events).await?;
        Ok(TenantAdmin {
            tenant,
            admin,
            credential_id: credential.id,
            secret,
        })
    }

    /// Self-service sign-up (`POST /v1/tenants`), refused unless enabled.
    pub async fn sign_up(&self, name: &str, meta: &RequestMeta) -> ServiceResult<TenantAdmin> {
        if !self.settings.signup_enabled {
            return Err(ServiceError::SignupDisabled);
        }
        self.create_tenant(name, "signup", meta).await
    }
}
