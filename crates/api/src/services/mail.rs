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
