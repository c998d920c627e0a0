//! The transitions of `POST /api/v1/cases/{number}/{action}`: each action's
//! JSON body, parsed into the rules' [`Input`] (`core::case::transition`).

use serde::Deserialize;
use tingwu_actors::core::case::state::DeliveryMethod;
use tingwu_actors::core::case::transition::suspend::{SuspendInput, SuspensionReason};
use tingwu_actors::core::case::Input;

use super::ApiError;

/// The body of a transition; which fields count depends on the action.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct ActionBody {
    #[serde(default)]
    materials: Vec<String>,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    opinion: Option<String>,
    #[serde(default)]
    days: Option<u32>,
    /// Suspension: the special procedure (`hearing`, `inspection`, …).
    #[serde(default)]
    procedure: Option<SuspensionReason>,
    #[serde(default)]
    detail: Option<String>,
    /// Suspension: the written notice's reference (告知书编号).
    #[serde(default)]
    notice: Option<String>,
    /// Delivery: `pick_up` or `post`.
    #[serde(default)]
    method: Option<String>,
    #[serde(default)]
    carrier: Option<String>,
    #[serde(default)]
    tracking: Option<String>,
}

pub(super) fn bad(message: impl Into<String>) -> ApiError {
    ApiError::bad_request("bad_request", message)
}

/// The rules' input for `action` from its body.
pub(super) fn input_of(action: &str, b: ActionBody) -> Result<Input, ApiError> {
    let text = |v: Option<String>| v.unwrap_or_default();
    Ok(match action {
        "accept" => Input::Accept,
        "correction" => Input::RequestCorrection { owed: b.materials },
        "answer" => Input::AnswerCorrection {
            provided: b.materials,
        },
        "supply" => Input::Supply {
            provided: b.materials,
        },
        "suspend" => Input::Suspend(SuspendInput {
            reason: b
                .procedure
                .ok_or_else(|| bad("挂起须说明特别程序 / suspend needs \"procedure\" (hearing, inspection, testing, …)"))?,
            detail: text(b.detail),
            written_notice: text(b.notice),
        }),
        "resume" => Input::Resume,
        "approve" => Input::ApproveStep { opinion: b.opinion },
        "reject" => Input::Reject {
            reason: text(b.reason),
        },
        "extend" => Input::Extend {
            days: b
                .days
                .ok_or_else(|| bad("延期须说明天数 / extend needs \"days\" (working days)"))?,
            reason: text(b.reason),
        },
        "terminate" => Input::Terminate {
            reason: text(b.reason),
        },
        "deliver" => Input::Deliver {
            method: match b.method.as_deref() {
                Some("post") => DeliveryMethod::Post {
                    carrier: text(b.carrier),
                    tracking: text(b.tracking),
                },
                Some("pick_up") | None => DeliveryMethod::PickUp {
                    notice: text(b.notice),
                },
                Some(other) => {
                    return Err(bad(format!(
                        "送达方式应为 pick_up 或 post / method {other:?} is not pick_up or post"
                    )))
                }
            },
        },
        other => {
            return Err(ApiError::not_found(format!(
                "没有这个办件操作 / no case action {other:?}"
            )))
        }
    })
}
