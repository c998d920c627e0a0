//! Who may take a ticket, on which channel (issue 8, item 12).
//!
//! Three kinds of requester reach `POST /api/v1/tickets`:
//! - a **kiosk** (取号机) that proved it is one with its device password —
//!   tickets taken in the hall, with or without a phone or ID number;
//! - **hall staff** with a supervisor's token (导办台) — the same;
//! - anyone else: the **citizen's own channel** (a phone page, an online
//!   service). A citizen names themselves with a phone or ID number, so the
//!   limit per person (`[limits] per_person_per_item_per_day`) applies to
//!   every such ticket, and their tickets are online tickets (网上取号); the
//!   transport also holds each source to a rate limit.

use serde::Serialize;

use crate::config::{DeviceKind, HallConfig};
use crate::ticket::Channel;

/// Who asks for a ticket, as the application layer established it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Requester {
    /// A kiosk that authenticated with its device password.
    Kiosk,
    /// Hall staff with a supervisor's token.
    Staff,
    /// Anyone else: a phone page, an online service, a script.
    Citizen,
}

/// Why a requester may not take the ticket asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SourceRefused {
    /// A citizen's own channel must name the person (400
    /// `phone_or_id_required`).
    #[error(
        "a phone number or ID number is required to take a ticket online \
         (网上取号须填写手机号码或身份证号码); kiosks authenticate as devices"
    )]
    PersonRequired,
    /// A citizen asked for a channel only kiosks and staff use (403
    /// `channel_not_allowed`).
    #[error(
        "only a kiosk or hall staff may take {} tickets; tickets taken online are \"online\" \
         (现场取号和预约签到须在取号机办理)", channel_name(*.0)
    )]
    ChannelNotAllowed(Channel),
    /// The special-group password (特殊人群密码) is for kiosk staff: it is
    /// honoured only at a kiosk (403 `password_at_kiosk_only`). Elsewhere a
    /// guess would lock the password out for every kiosk's citizens.
    #[error(
        "the special-group password is accepted only at a kiosk \
         (特殊人群密码仅限取号机工作人员使用)"
    )]
    PasswordAtKioskOnly,
    /// An appointment is checked in at a kiosk or by hall staff (403
    /// `kiosk_required`): a check-in from anywhere else could be made by
    /// anyone who knows the booking's phone or ID number.
    #[error("appointments are checked in at a kiosk in the hall (预约签到须在大厅取号机办理)")]
    CheckInAtKioskOnly,
}

/// A channel's wire name (`onsite`, `appointment`, `online`).
pub fn channel_name(c: Channel) -> &'static str {
    match c {
        Channel::Onsite => "onsite",
        Channel::Appointment => "appointment",
        Channel::Online => "online",
    }
}

/// Whether a requester may use the special-group password.
pub fn password_allowed(requester: Requester) -> Result<(), SourceRefused> {
    match requester {
        Requester::Kiosk => Ok(()),
        Requester::Staff | Requester::Citizen => Err(SourceRefused::PasswordAtKioskOnly),
    }
}

/// Whether a requester may check in an appointment.
pub fn check_in_allowed(requester: Requester) -> Result<(), SourceRefused> {
    match requester {
        Requester::Kiosk | Requester::Staff => Ok(()),
        Requester::Citizen => Err(SourceRefused::CheckInAtKioskOnly),
    }
}

impl SourceRefused {
    /// The error code on every channel.
    pub fn code(self) -> &'static str {
        match self {
            Self::PersonRequired => "phone_or_id_required",
            Self::ChannelNotAllowed(_) => "channel_not_allowed",
            Self::PasswordAtKioskOnly => "password_at_kiosk_only",
            Self::CheckInAtKioskOnly => "kiosk_required",
        }
    }
}

/// The channel a ticket is taken on, or why not. `requested` is the
/// channel the request named (None: it named none); `names_person` whether
/// it carries a valid phone or ID number.
///
/// Kiosks and staff keep the channel asked for (on-site by default); a
/// citizen must name a person and gets an online ticket.
pub fn admit(
    requester: Requester,
    requested: Option<Channel>,
    names_person: bool,
) -> Result<Channel, SourceRefused> {
    match requester {
        Requester::Kiosk | Requester::Staff => Ok(requested.unwrap_or_default()),
        Requester::Citizen => {
            match requested {
                None | Some(Channel::Online) => {}
                Some(other) => return Err(SourceRefused::ChannelNotAllowed(other)),
            }
            if names_person {
                Ok(Channel::Online)
            } else {
                Err(SourceRefused::PersonRequired)
            }
        }
    }
}

/// Kiosks that cannot take tickets over HTTP: no `[[devices]]` entry of
/// kind `kiosk` with the kiosk's id gives them a password. (A card reader
/// at such a kiosk still takes tickets.) `check-config` and start-up warn.
pub fn kiosks_without_credentials(cfg: &HallConfig) -> Vec<&str> {
    cfg.kiosks
        .iter()
        .filter(|k| {
            !cfg.devices
                .iter()
                .any(|d| d.id == k.id && d.kind == DeviceKind::Kiosk)
        })
        .map(|k| k.id.as_str())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kiosks_without_a_device_entry_are_named() {
        let mut cfg = HallConfig::demo().unwrap();
        assert!(kiosks_without_credentials(&cfg).is_empty());
        cfg.devices.retain(|d| d.id != "K2");
        assert_eq!(kiosks_without_credentials(&cfg), vec!["K2"]);
    }
    use proptest::prelude::*;

    #[test]
    fn kiosks_and_staff_keep_the_channel_asked_for() {
        for who in [Requester::Kiosk, Requester::Staff] {
            assert_eq!(admit(who, None, false), Ok(Channel::Onsite));
            assert_eq!(
                admit(who, Some(Channel::Appointment), false),
                Ok(Channel::Appointment)
            );
            assert_eq!(admit(who, Some(Channel::Online), true), Ok(Channel::Online));
        }
    }

    #[test]
    fn a_citizen_names_a_person_and_gets_an_online_ticket() {
        assert_eq!(admit(Requester::Citizen, None, true), Ok(Channel::Online));
        assert_eq!(
            admit(Requester::Citizen, Some(Channel::Online), true),
            Ok(Channel::Online)
        );
        assert_eq!(
            admit(Requester::Citizen, None, false),
            Err(SourceRefused::PersonRequired)
        );
        assert_eq!(
            admit(Requester::Citizen, Some(Channel::Onsite), true),
            Err(SourceRefused::ChannelNotAllowed(Channel::Onsite))
        );
        assert_eq!(SourceRefused::PersonRequired.code(), "phone_or_id_required");
        let e = admit(Requester::Citizen, Some(Channel::Appointment), true).unwrap_err();
        assert!(e.to_string().contains("appointment tickets"), "{e}");
    }

    #[test]
    fn the_password_is_for_kiosks_and_check_in_for_the_hall() {
        assert_eq!(password_allowed(Requester::Kiosk), Ok(()));
        assert_eq!(
            password_allowed(Requester::Citizen),
            Err(SourceRefused::PasswordAtKioskOnly)
        );
        assert_eq!(
            password_allowed(Requester::Staff),
            Err(SourceRefused::PasswordAtKioskOnly)
        );
        assert_eq!(check_in_allowed(Requester::Staff), Ok(()));
        assert_eq!(
            check_in_allowed(Requester::Citizen),
            Err(SourceRefused::CheckInAtKioskOnly)
        );
    }

    fn channel() -> impl Strategy<Value = Option<Channel>> {
        prop_oneof![
            Just(None),
            Just(Some(Channel::Onsite)),
            Just(Some(Channel::Appointment)),
            Just(Some(Channel::Online)),
        ]
    }

    proptest! {
        /// Every ticket a citizen gets names a person and is online.
        #[test]
        fn citizens_never_get_anonymous_or_onsite_tickets(asked in channel(), person: bool) {
            if let Ok(c) = admit(Requester::Citizen, asked, person) {
                prop_assert!(person);
                prop_assert_eq!(c, Channel::Online);
            }
        }
    }
}
