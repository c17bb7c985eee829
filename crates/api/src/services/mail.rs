//! The words of every mail Muster sends. Plain ASCII-friendly text, so links
//! survive any transfer encoding.

use crate::store::outbox::NewMail;

pub fn activation(to: &str, public_url: &str, token: &str, ttl_hours: u64) -> NewMail {
    NewMail {
        to: to.into(),
        subject: "Activate your Muster account".into(),
        body: format!(
            "Welcome to Muster.\n\nFollow this link to activate your account:\n\n{public_url}/activate?token={token}\n\n\
             The link works once and expires in {ttl_hours} hours. If you did not sign up, ignore this mail.\n"
        ),
        kind: "activation",
        ref_id: None,
    }
}

/// To the owner of an existing account when someone signs up with its address.
pub fn sign_up_attempt(to: &str, public_url: &str) -> NewMail {
    NewMail {
        to: to.into(),
        subject: "Someone tried to sign up with your address".into(),
        body: format!(
            "Someone tried to create a Muster account with this address, which already has one.\n\n\
             If it was you, sign in instead:\n\n{public_url}/sign-in\n\n\
             Forgot your password? Reset it here:\n\n{public_url}/forgot-password\n\n\
             If it was not you, you need not do anything: your account is unchanged.\n"
        ),
        kind: "sign_up_attempt",
        ref_id: None,
    }
}

pub fn password_reset(to: &str, public_url: &str, token: &str, ttl_minutes: u64) -> NewMail {
    NewMail {
        to: to.into(),
        subject: "Reset your Muster password".into(),
        body: format!(
            "Follow this link to choose a new Muster password:\n\n{public_url}/reset-password?token={token}\n\n\
             The link works once and expires in {ttl_minutes} minutes. Setting a new password signs you out everywhere.\n\
             If you did not ask for this, ignore this mail: your password is unchanged.\n"
        ),
        kind: "password_reset",
        ref_id: None,
    }
}

pub fn join_request(
    pma: &str,
    public_url: &str,
    enterprise_id: &str,
    domain: &str,
    requester_name: &str,
    requester_email: &str,
    at: &str,
) -> NewMail {
    let email_param = requester_email.replace('+', "%2B");
    NewMail {
        to: pma.into(),
        subject: format!("{requester_name} asked to administer {domain} in Muster"),
        body: format!(
            "Someone asked to set up {domain} in Muster, which you already administer.\n\n\
             Name:  {requester_name}\nEmail: {requester_email}\nTime:  {at}\n\n\
             To invite this person to your enterprise, open:\n\n\
             {public_url}/console/{enterprise_id}/invite?email={email_param}\n\n\
             If you don't know this person, you need not do anything.\n"
        ),
        kind: "join_request",
        ref_id: Some(enterprise_id.into()),
    }
}

pub fn invitation(
    to: &str,
    public_url: &str,
    domain: &str,
    token: &str,
    inviter: Option<&str>,
    expires: &str,
) -> NewMail {
    let who = inviter.map(|i| format!("{i} invited you")).unwrap_or_else(|| "You are invited".into());
    NewMail {
        to: to.into(),
        subject: format!("You are invited to join {domain} on Muster"),
        body: format!(
            "{who} to join {domain} on Muster.\n\nOpen this link to accept:\n\n\
             {public_url}/invitations/accept?token={token}\n\nThe invitation expires on {expires}.\n"
        ),
        kind: "invitation",
        ref_id: None,
    }
}

pub fn domain_event(to: &str, public_url: &str, enterprise_id: &str, subject: String, text: String) -> NewMail {
    NewMail {
        to: to.into(),
        subject,
        body: format!("{text}\n\nDomain Management: {public_url}/console/{enterprise_id}/domain\n"),
        kind: "domain",
        ref_id: Some(enterprise_id.into()),
    }
}

/// To the PMA: a sync saved by another admin would have suspended admins.
pub fn admins_spared_by_sync(
    pma: &str,
    public_url: &str,
    e: &crate::store::enterprises::EnterpriseRow,
    admins: &[String],
) -> NewMail {
    let list: String = admins.iter().map(|a| format!("  - {a}\n")).collect();
    NewMail {
        to: pma.into(),
        subject: format!("Directory Sync did not suspend {} admin(s) of {}", admins.len(), e.domain),
        body: format!(
            "Directory Sync would have changed the state of these admins of {domain} (the directory no longer lists \
             them, shows them disabled, or lists them again):\n\n{list}\n\
             It did not, because its configuration was last saved by an admin other than you. Only you change an \
             admin's state: in Users, or by saving the Directory Sync configuration yourself.\n\n\
             Users: {public_url}/console/{id}/users\n",
            domain = e.domain,
            id = e.id,
        ),
        kind: "sync_admins_spared",
        ref_id: Some(e.id.clone()),
    }
}

/// An admin's state a SCIM client asked to change, which its token may not.
pub fn admin_spared_by_scim(
    pma: &str,
    public_url: &str,
    e: &crate::store::enterprises::EnterpriseRow,
    admin: &str,
    token: &str,
) -> NewMail {
    NewMail {
        to: pma.into(),
        subject: format!("SCIM did not change the admin {admin} of {}", e.domain),
        body: format!(
            "A SCIM client using the API token \"{token}\" asked to suspend, restore or remove {admin}, an admin of \
             {domain}. Muster did not, because that token was not created by you: only you change an admin's state, \
             in Users, or through a SCIM token you create yourself.\n\n\
             Users: {public_url}/console/{id}/users\n",
            domain = e.domain,
            id = e.id,
        ),
        kind: "scim_admin_spared",
        ref_id: Some(e.id.clone()),
    }
}

pub fn ownership_transferred(to: &str, domain: &str, from: &str, new_pma: &str) -> NewMail {
    NewMail {
        to: to.into(),
        subject: format!("{new_pma} is now the Primary Master Admin of {domain}"),
        body: format!(
            "{from} handed the Primary Master Admin role of {domain} in Muster to {new_pma}.\n\n\
             {from} stays an admin. If this was not expected, contact {new_pma} at once.\n"
        ),
        kind: "ownership_transferred",
        ref_id: None,
    }
}

/// To a claimant whose claim closed because the domain now has an admin. Names no one.
pub fn claim_closed(to: &str, public_url: &str, domain: &str) -> NewMail {
    NewMail {
        to: to.into(),
        subject: format!("Your claim of {domain} in Muster was closed"),
        body: format!(
            "{domain} now has a verified administrator in Muster, so your pending claim of it was closed.\n\n\
             If you work there, ask the domain's administrator to invite you. If you believe the domain is yours,\n\
             check who controls its DNS and web site.\n\nMuster: {public_url}/\n"
        ),
        kind: "claim_closed",
        ref_id: None,
    }
}

pub fn claim_expired(to: &str, public_url: &str, days: u64) -> NewMail {
    NewMail {
        to: to.into(),
        subject: "Your unverified domain claim in Muster expired".into(),
        body: format!(
            "Your claim of a domain in Muster stayed unverified for {days} days, so it was closed.\n\n\
             You can claim it again at any time: {public_url}/claim\n"
        ),
        kind: "claim_expired",
        ref_id: None,
    }
}

/// To the account's owner whenever its sign-in protection changes, so a
/// change nobody asked for is noticed.
pub fn sign_in_security_changed(to: &str, public_url: &str, what: &str) -> NewMail {
    NewMail {
        to: to.into(),
        subject: format!("Muster sign-in: {what}"),
        body: format!(
            "The sign-in protection of your Muster account changed: {what}.\n\n\
             If this was you, you need not do anything. If it was not, reset your password now:\n\n\
             {public_url}/forgot-password\n\nand review where you are signed in:\n\n{public_url}/account/security\n"
        ),
        kind: "sign_in_security",
        ref_id: None,
    }
}
