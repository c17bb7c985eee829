//! Who may do what in an enterprise's console: admin of this enterprise →
//! elevated session → domain verified → plan enables the module. The order
//! matters: a stranger gets 404 before anything else is revealed. Background
//! runs meet the same module gate (`module_open`).

use muster_model::{Module, Role};

use crate::{
    services::error::{DomainError, DomainResult},
    services::{enterprises, sessions, sessions::Caller},
    state::AppState,
    store::{enterprises::EnterpriseRow, now_ms},
};

/// What a console route needs to know about where it is.
pub struct Console {
    pub enterprise: EnterpriseRow,
    pub role: Role,
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
    let (enterprise, role) = enterprises::administered(state, caller, enterprise_id).await?;
    if !caller.is_elevated(now_ms()) {
        return Err(DomainError::ElevationRequired);
    }
    let c = Console { enterprise, role };
    if let Some(module) = module {
        c.require(module)?;
    }
    sessions::slide_elevation(state, caller).await?;
    Ok(c)
}
