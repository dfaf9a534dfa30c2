//! Tenant use cases: first-start bootstrap, operator bootstrap, self-service sign-up.

use super::agent::{Agent, AgentStatus, DeploymentEnv};
use super::audit::{Action, NewEvent, RequestMeta};
use super::credential::Credential;
use super::ids::{AgentId, TenantId};
use super::scope::ScopeSet;
use super::tenant::{Tenant, TenantAdmin, parse_tenant_name};
use super::time::Timestamp;
use super::{DomainError, DomainResult, Idp};
use crate::store::StoreError;

/// The e-mail of every tenant's bootstrap administrator agent.
pub const ADMIN_EMAIL: &str = "admin@agentidp.local";

/// The outcome of `agentidp bootstrap`.
#[derive(Debug)]
pub enum Bootstrap {
    /// A new tenant with its admin.
    Created(TenantAdmin),
    /// The tenant existed: its admin agent got an additional credential.
    NewCredential(TenantAdmin),
}

impl Idp {
    /// Creates a tenant with an admin agent holding every management scope; `actor` names
    /// who asked (`system`, `operator` or `signup`) in the audit log.
    pub async fn create_tenant(
        &self,
        name: &str,
        actor: &str,
        meta: &RequestMeta,
    ) -> DomainResult<TenantAdmin> {
        let name = parse_tenant_name(name)?;
        let now = Timestamp::now();
        let tenant = Tenant {
            id: TenantId::new(),
            name,
            plan: "free".into(),
            created_at: now,
        };
        let admin = Agent {
            id: AgentId::new(),
            tenant_id: tenant.id,
            email: ADMIN_EMAIL.into(),
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
            created_at: now,
            updated_at: now,
            last_auth_at: None,
        };
        let (credential, secret) = Credential::issue(&self.hasher(), admin.id, None, now)?;
        let events = [
            NewEvent::new(tenant.id, actor, Action::TenantCreated, meta)
                .with("name", tenant.name.as_str()),
            NewEvent::new(tenant.id, actor, Action::AgentCreated, meta)
                .subject(admin.id)
                .with("email", ADMIN_EMAIL)
                .with("allowedScopes", admin.allowed_scopes.to_string()),
            NewEvent::new(tenant.id, actor, Action::CredentialCreated, meta)
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
            Err(StoreError::UniqueViolation(_)) => Err(DomainError::TenantExists),
            Err(e) => Err(e.into()),
        }
    }

    /// Creates the first tenant when the database has none; `None` when one exists.
    pub async fn bootstrap_if_empty(&self, name: &str) -> DomainResult<Option<TenantAdmin>> {
        if self.db.count_tenants().await? > 0 {
            return Ok(None);
        }
        self.create_tenant(name, "system", &RequestMeta::default())
            .await
            .map(Some)
    }

    /// Operator bootstrap: creates the tenant, or gives its admin agent a new credential
    /// when the tenant exists (a lost admin secret).
    pub async fn bootstrap(&self, name: &str) -> DomainResult<Bootstrap> {
        let Some(tenant) = self.db.tenant_by_name(name).await? else {
            return self
                .create_tenant(name, "operator", &RequestMeta::default())
                .await
                .map(Bootstrap::Created);
        };
        let admin = self
            .db
            .agent_by_email(tenant.id, ADMIN_EMAIL)
            .await?
            .ok_or(DomainError::AgentNotFound)?;
        if admin.status != AgentStatus::Active {
            return Err(DomainError::AgentNotActive(admin.status.as_str()));
        }
        let (credential, secret) =
            Credential::issue(&self.hasher(), admin.id, None, Timestamp::now())?;
        let event = NewEvent::new(
            tenant.id,
            "operator",
            Action::TenantBootstrapped,
            &RequestMeta::default(),
        )
        .subject(admin.id)
        .with("credentialId", credential.id.to_string());
        // Break-glass recovery of a lost admin secret is not held to the credential limit; it
        // is refused only if the admin stopped being active since it was read.
        self.db
            .insert_credential(tenant.id, &credential, None, &[event])
            .await?
            .map_err(|_| DomainError::ConcurrentUpdate)?;
        Ok(Bootstrap::NewCredential(TenantAdmin {
            tenant,
            admin,
            credential_id: credential.id,
            secret,
        }))
    }

    /// Self-service sign-up (`POST /v1/tenants`), refused unless enabled.
    pub async fn sign_up(&self, name: &str, meta: &RequestMeta) -> DomainResult<TenantAdmin> {
        if !self.settings.signup_enabled {
            return Err(DomainError::SignupDisabled);
        }
        self.create_tenant(name, "signup", meta).await
    }
}
