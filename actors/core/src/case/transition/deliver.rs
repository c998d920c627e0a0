//! 送达: the certificate or written decision reaches the applicant — picked
//! up at the window after a pick-up notice, or posted with a tracking
//! number. 《行政许可法》第四十四条: within 10 working days of the decision
//! (the item's `delivery_days`); a later delivery is still recorded, marked
//! late, and e-supervision shows it red.

use super::super::events::{CaseEvent, CaseEventBody};
use super::super::refusal::{Action, Refusal};
use super::super::state::{Case, Delivery, DeliveryMethod, Status};
use super::super::{Actor, Now};
use super::{check, event};
use crate::calendar::Calendar;

/// Delivers the decision. Errors: [`Refusal::NotAllowed`],
/// [`Refusal::DeliveryDetail`] (an empty notice, carrier or a tracking
/// number that is not 6–40 letters, digits or dashes).
pub fn deliver(
    case: &Case,
    method: &DeliveryMethod,
    actor: &Actor,
    now: Now,
    _cal: &Calendar,
) -> Result<(Case, CaseEvent), Refusal> {
    check(case, Action::Deliver)?;
    let method = match method {
        DeliveryMethod::PickUp { notice } if !notice.trim().is_empty() => DeliveryMethod::PickUp {
            notice: notice.trim().to_string(),
        },
        DeliveryMethod::Post { carrier, tracking }
            if !carrier.trim().is_empty()
                && (6..=40).contains(&tracking.trim().len())
                && tracking
                    .trim()
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-') =>
        {
            DeliveryMethod::Post {
                carrier: carrier.trim().to_string(),
                tracking: tracking.trim().to_string(),
            }
        }
        _ => return Err(Refusal::DeliveryDetail),
    };
    let on_time = case.delivery_due.is_none_or(|d| now.date <= d);
    let mut next = case.clone();
    next.status = Status::Delivered;
    next.delivery = Some(Delivery {
        method: method.clone(),
        on: now.date,
        on_time,
    });
    let ev = event(
        &next,
        actor,
        now,
        CaseEventBody::Delivered { method, on_time },
    );
    Ok((next, ev))
}
