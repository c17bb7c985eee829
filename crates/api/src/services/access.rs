//! Who may do what in an enterprise's console: admin of this enterprise →
//! elevated session → domain verified → plan enables the module. The order
//! matters: a stranger gets 404 before anything else is revealed. An API
//! token stands in for the elevated session within its scopes (`for_token`).
//! Background runs meet the same module gate (`module_open`).

use std::ops::Deref;

use muster_model::{ApiScope, Module, Role, TokenActor};

use crate::{
    services::error::{DomainError, DomainResult},
    services::{api_tokens::TokenCaller, enterprises, sessions, sessions::Caller},
    state::AppState,
    store::{accounts::AccountRow, enterprises::EnterpriseRow, now_ms},
};

/// What a console route needs to know about where it is and who acts.
pub struct Console {
    pub enterprise: EnterpriseRow,
    /// The acting admin's role (a token never counts as the PMA: `Admin`).
    pub role: Role,
    pub actor: Actor,
}

/// Who acts: an admin in person, or an API token an admin created (then
/// `account` is that admin and `token` names the token in the audit log).
#[derive(Debug, Clone)]
pub struct Actor {
    pub account: AccountRow,
    pub token: Option<TokenGrant>,
}

/// The token a request came with, and what it may do.
#[derive(Debug, Clone)]
pub struct TokenGrant {
    pub id: String,
    pub name: String,
    pub scopes: Vec<ApiScope>,
    /// The token's creator is the PMA (a token still never counts as one; SCIM may
    /// change admins' states with it, DESIGN §4 Admins).
    pub by_pma: bool,
}

impl Actor {
    pub fn person(account: AccountRow) -> Self {
        Self { account, token: None }
    }

    /// `Ok` for a person; for a token, when it holds `scope`.
    pub fn require_scope(&self, scope: ApiScope) -> DomainResult<()> {
        match &self.token {
            Some(t) if !t.scopes.contains(&scope) => Err(insufficient_scope(&[scope])),
            _ => Ok(()),
        }
    }

    pub fn token_actor(&self) -> Option<TokenActor> {
        self.token.as_ref().map(|t| TokenActor { id: t.id.clone(), name: t.name.clone() })
    }
}

impl Deref for Actor {
    type Target = AccountRow;
    fn deref(&self) -> &AccountRow {
        &self.account
    }
}

pub fn insufficient_scope(any_of: &[ApiScope]) -> DomainError {
    let names = any_of.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" or ");
    DomainError::denied("insufficient_scope", format!("This API token lacks the scope {names} this route needs."))
}

/// What a route lets a token do: the scopes of which one is needed, or nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenAccess {
    AnyOf(Vec<ApiScope>),
    NotAllowed,
}

impl Console {
    /// The module must be open for this enterprise (domain verified, plan enables it).
    pub fn require(&self, module: Module) -> DomainResult<()> {
        module_open(&self.enterprise, module)
    }
}

/// The module gate, for requests and background runs alike.
pub fn module_open(e: &EnterpriseRow, module: Module) -> DomainResult<()> {
    let plan = e.plan;
    let status = e.domain_status;
    match module.lock_reason(plan, status) {
        Some(reason) => Err(DomainError::Locked(reason)),
        None => Ok(()),
    }
}

/// `module` None: the enterprise shell and Domain Management, open before verification.
pub async fn console(
    state: &AppState,
    caller: &Caller,
    enterprise_id: &str,
    module: Option<Module>,
) -> DomainResult<Console> {
    let (enterprise, role) = enterprises::administered(state, &caller.account, enterprise_id).await?;
    if !caller.is_elevated(now_ms()) {
        return Err(DomainError::ElevationRequired);
    }
    require_mfa_if_asked(&enterprise, &caller.account)?;
    let c = Console { enterprise, role, actor: Actor::person(caller.account.clone()) };
    if let Some(module) = module {
        c.require(module)?;
    }
    sessions::slide_elevation(state, caller).await?;
    Ok(c)
}

/// The console for an API token: its own enterprise only (404 elsewhere, as
/// for a stranger), its creator still an admin there, the route open to
/// tokens and one of its scopes held, then the module gate as for a person.
pub async fn for_token(
    state: &AppState,
    token: TokenCaller,
    enterprise_id: &str,
    module: Option<Module>,
    access: &TokenAccess,
) -> DomainResult<Console> {
    if token.row.enterprise_id != enterprise_id {
        return Err(DomainError::NotFound("enterprise"));
    }
    let (enterprise, creator_role) =
        enterprises::administered(state, &token.creator, enterprise_id).await.map_err(|e| match e {
            DomainError::Internal(e) => DomainError::Internal(e),
            _ => token_orphaned(),
        })?;
    // A token is its creator's hands: under the policy it works while they have MFA on.
    require_mfa_if_asked(&enterprise, &token.creator)?;
    let grant = TokenGrant {
        id: token.row.id.clone(),
        name: token.row.name.clone(),
        scopes: token.scopes,
        by_pma: creator_role == Role::Pma,
    };
    match access {
        TokenAccess::NotAllowed => {
            return Err(DomainError::denied(
                "token_not_allowed",
                "API tokens cannot manage tokens, admins, the plan or the Primary Master Admin; sign in as an admin.",
            ))
        }
        TokenAccess::AnyOf(needed) if !needed.iter().any(|s| grant.scopes.contains(s)) => {
            return Err(insufficient_scope(needed))
        }
        TokenAccess::AnyOf(_) => {}
    }
    let c = Console { enterprise, role: Role::Admin, actor: Actor { account: token.creator, token: Some(grant) } };
    if let Some(module) = module {
        c.require(module)?;
    }
    Ok(c)
}

/// The enterprise's `require_admin_mfa`: an admin without two-step verification stays out.
fn require_mfa_if_asked(e: &EnterpriseRow, admin: &AccountRow) -> DomainResult<()> {
    if e.require_admin_mfa != 0 && admin.mfa_enabled == 0 {
        return Err(sessions::mfa_enrollment_required());
    }
    Ok(())
}

/// The admin who created the token is no longer one: the token dies with the role.
fn token_orphaned() -> DomainError {
    DomainError::unauthorized(
        "token_invalid",
        "This API token's creator is no longer an admin here; create a new token.",
    )
}
