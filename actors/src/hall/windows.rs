//! A supervisor opens or closes (停用) a window; the hall mirrors the flag
//! for admission.

use actix::prelude::*;

use super::HallActor;
use crate::views::WindowView;
use crate::window::SetEnabled;

#[derive(Debug, thiserror::Error)]
pub enum WindowAdminError {
    #[error("unknown window {0:?}")]
    UnknownWindow(String),
    #[error("{0}")]
    Failed(String),
}

/// A supervisor opens or closes (停用) a window.
#[derive(Message)]
#[rtype(result = "Result<WindowView, WindowAdminError>")]
pub struct SetWindowEnabled {
    pub window: String,
    pub enabled: bool,
    pub reason: Option<String>,
    pub by: String,
}

impl Handler<SetWindowEnabled> for HallActor {
    // Not atomic: the hall keeps issuing tickets while the window commits.
    type Result = ResponseActFuture<Self, Result<WindowView, WindowAdminError>>;

    fn handle(&mut self, msg: SetWindowEnabled, _: &mut Self::Context) -> Self::Result {
        let Some(addr) = self.windows.get(&msg.window).cloned() else {
            return Box::pin(fut::ready(Err(WindowAdminError::UnknownWindow(msg.window))));
        };
        let window = msg.window.clone();
        let send = addr.send(SetEnabled {
            enabled: msg.enabled,
            reason: msg.reason,
            by: msg.by,
        });
        Box::pin(send.into_actor(self).map(move |res, act, _| match res {
            Ok(Ok(view)) => {
                act.enabled.insert(window, view.enabled);
                Ok(view)
            }
            Ok(Err(e)) => Err(WindowAdminError::Failed(e)),
            Err(e) => Err(WindowAdminError::Failed(e.to_string())),
        }))
    }
}
