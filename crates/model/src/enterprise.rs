//! Enterprises, plans, modules and domain verification.

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Plan {
    #[default]
    Free,
    Premium,
}
wire_enum!(Plan { Free => "free", Premium => "premium" });

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum BillingCycle {
    #[default]
    Monthly,
    Annual,
}
wire_enum!(BillingCycle { Monthly => "monthly", Annual => "annual" });

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Primary Master Admin: the one owner of the domain.
    Pma,
    Admin,
}
wire_enum!(Role { Pma => "pma", Admin => "admin" });

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EnterpriseKind {
    /// Signed up online; the domain must be verified.
    Online,
    /// Created by an operator for a sales contract; domain assigned, seats capped.
    Contract,
}
wire_enum!(EnterpriseKind { Online => "online", Contract => "contract" });

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DomainStatus {
    Unverified,
    Verified,
    /// Was verified, the daily re-check no longer finds the token; grace period runs.
    AtRisk,
}
wire_enum!(DomainStatus { Unverified => "unverified", Verified => "verified", AtRisk => "at_risk" });

impl DomainStatus {
    /// `at_risk` keeps the console open during the grace period.
    pub fn opens_console(self) -> bool {
        !matches!(self, Self::Unverified)
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Module {
    Dashboard,
    Invite,
    BulkInvite,
    Import,
    DirectorySync,
    Users,
    DomainManagement,
    Billing,
    AuditLog,
    Analytics,
    Integrations,
}
wire_enum!(Module {
    Dashboard => "dashboard",
    Invite => "invite",
    BulkInvite => "bulk_invite",
    Import => "import",
    DirectorySync => "directory_sync",
    Users => "users",
    DomainManagement => "domain_management",
    Billing => "billing",
    AuditLog => "audit_log",
    Analytics => "analytics",
    Integrations => "integrations",
});

impl Module {
    pub fn title(self) -> &'static str {
        match self {
            Self::Dashboard => "Dashboard",
            Self::Invite => "Invite",
            Self::BulkInvite => "Bulk Invite",
            Self::Import => "Import",
            Self::DirectorySync => "Directory Sync",
            Self::Users => "Users",
            Self::DomainManagement => "Domain Management",
            Self::Billing => "Billing",
            Self::AuditLog => "Audit log",
            Self::Analytics => "Analytics",
            Self::Integrations => "Integrations",
        }
    }

    pub fn requires_premium(self) -> bool {
        matches!(self, Self::Analytics)
    }

    /// Why the module is closed for an enterprise, or `None` when it is open.
    /// Domain Management stays open so the admin can verify the domain.
    pub fn lock_reason(self, plan: Plan, domain: DomainStatus) -> Option<LockReason> {
        if self != Self::DomainManagement && !domain.opens_console() {
            return Some(LockReason::DomainUnverified);
        }
        if self.requires_premium() && plan != Plan::Premium {
            return Some(LockReason::PlanRequired);
        }
        None
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LockReason {
    DomainUnverified,
    PlanRequired,
}
wire_enum!(LockReason { DomainUnverified => "domain_unverified", PlanRequired => "plan_required" });

impl LockReason {
    pub fn explain(self) -> &'static str {
        match self {
            Self::DomainUnverified => "Verify your domain in Domain Management to open this module.",
            Self::PlanRequired => "This module is part of the Premium plan.",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ModuleAccess {
    pub module: Module,
    pub title: String,
    pub enabled: bool,
    pub locked_reason: Option<LockReason>,
}

pub fn module_access(plan: Plan, domain: DomainStatus) -> Vec<ModuleAccess> {
    Module::ALL
        .iter()
        .map(|&module| {
            let locked_reason = module.lock_reason(plan, domain);
            ModuleAccess { module, title: module.title().to_string(), enabled: locked_reason.is_none(), locked_reason }
        })
        .collect()
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ClaimRequest {
    #[serde(default)]
    pub plan: Option<Plan>,
    #[serde(default)]
    pub billing_cycle: Option<BillingCycle>,
}

/// Answer to a claim for a domain that already has a Primary Master Admin.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ClaimForwarded {
    pub status: String,
    pub domain: String,
    pub detail: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct UpdateEnterpriseRequest {
    #[serde(default)]
    pub plan: Option<Plan>,
    #[serde(default)]
    pub billing_cycle: Option<BillingCycle>,
    /// Every admin must use two-step verification to open the console (PMA
    /// only; turning it on needs the PMA's own two-step verification on).
    #[serde(default)]
    pub require_admin_mfa: Option<bool>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum VerificationMethod {
    DnsTxt,
    MetaTag,
}
wire_enum!(VerificationMethod { DnsTxt => "dns_txt", MetaTag => "meta_tag" });

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct VerifyRequest {
    /// Check only this method; both are tried when absent.
    #[serde(default)]
    pub method: Option<VerificationMethod>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CheckOutcome {
    pub method: VerificationMethod,
    pub verified: bool,
    /// Exactly what the check saw, in words.
    pub detail: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct VerificationResult {
    pub verified: bool,
    pub domain_status: DomainStatus,
    pub checked_at: String,
    pub checks: Vec<CheckOutcome>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct VerificationInstructions {
    pub token: String,
    /// Preferred record name: `_muster-challenge.<domain>`.
    pub txt_record_name: String,
    /// The apex also works.
    pub txt_record_alt_name: String,
    pub txt_record_value: String,
    pub meta_tag: String,
    pub meta_url: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Enterprise {
    pub id: String,
    pub domain: String,
    pub kind: EnterpriseKind,
    pub plan: Plan,
    pub billing_cycle: BillingCycle,
    /// Managed-seat cap of a contract enterprise.
    pub seat_cap: Option<i64>,
    pub domain_status: DomainStatus,
    pub verified_at: Option<String>,
    /// Set while `at_risk`: when the domain becomes unverified unless the token is back.
    pub grace_ends_at: Option<String>,
    pub created_at: String,
    /// The caller's role in this enterprise.
    pub role: Role,
    pub modules: Vec<ModuleAccess>,
    /// Present for online enterprises.
    pub verification: Option<VerificationInstructions>,
    pub last_check: Option<VerificationResult>,
    /// While unverified: open claims of this domain, this one included. The first to verify becomes its PMA.
    #[serde(default)]
    pub open_claims: u64,
    /// Admins need two-step verification to open the console (DESIGN §2a).
    #[serde(default)]
    pub require_admin_mfa: bool,
}

/// An administrator of an enterprise.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct TransferOwnershipRequest {
    /// The admin who becomes the Primary Master Admin.
    pub account_id: String,
    /// The current PMA's password.
    pub password: String,
    /// The TOTP code, when the PMA has a second factor on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AdminEntry {
    pub account_id: String,
    pub email: String,
    pub role: Role,
}
