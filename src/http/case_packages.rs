//! The staff's views of what a case request made or changed: a case (its
//! record, supervision and history) or a package (套餐: what its parts
//! share, its own history and the progress of every part — status, step,
//! colour and deadline). `GET /api/v1/cases/{number}` answers either, by
//! the number.

use serde_json::{json, Value};
use tingwu_actors::case::{CaseOrPackage, PackageView};

use super::cases::staff_view;
use super::{ApiError, AppState};
use crate::app::cases::{CaseAppError, CaseCaller};

/// The staff's view of a package: `{"package": {…}, "progress": {…}}`.
fn package_json(view: &PackageView) -> Value {
    json!({
        "package": view.package,
        "progress": view.progress,
    })
}

/// The view of what a request made or changed, as the caller may see it.
pub(super) async fn view_of(
    s: &AppState,
    who: &CaseCaller,
    made: CaseOrPackage,
) -> Result<Value, ApiError> {
    view_by_number(s, who, &made.number()).await
}

/// The view of case or package `number`. Errors: 404 for neither, 403 for
/// another department's.
pub(super) async fn view_by_number(
    s: &AppState,
    who: &CaseCaller,
    number: &str,
) -> Result<Value, ApiError> {
    match s.app.case(who, number).await {
        Ok((record, sup)) => Ok(staff_view(&record, sup.as_ref())),
        Err(CaseAppError::NotFound) => {
            let view = s.app.package(who, number).await?;
            Ok(package_json(&view))
        }
        Err(e) => Err(e.into()),
    }
}
