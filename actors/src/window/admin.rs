//! What supervisors and screens ask of a window: its view, a new calling
//! strategy, enabled or disabled (停用).

use actix::prelude::*;
use tracing::info;

use super::WindowActor;
use crate::core::strategy::{BlendState, Strategy};
use crate::events::EventBody;
use crate::keys;
use crate::store::Commit;
use crate::views::WindowView;

/// The window as the API and screens show it.
#[derive(Message)]
#[rtype(result = "WindowView")]
pub struct GetWindow;

impl Handler<GetWindow> for WindowActor {
    type Result = MessageResult<GetWindow>;

    fn handle(&mut self, _: GetWindow, _: &mut Self::Context) -> Self::Result {
        MessageResult(self.view())
    }
}

/// A supervisor changed this window's calling strategy; it applies from
/// the next call.
#[derive(Message)]
#[rtype(result = "()")]
pub struct SetStrategy(pub Strategy);

impl Handler<SetStrategy> for WindowActor {
    type Result = ();

    fn handle(&mut self, msg: SetStrategy, _: &mut Self::Context) {
        info!(window = %self.cfg.id, strategy = ?msg.0, "calling strategy changed");
        self.strategy = msg.0;
        self.blend = BlendState::default();
    }
}

/// A supervisor enables or disables (停用) the window.
#[derive(Message)]
#[rtype(result = "Result<WindowView, String>")]
pub struct SetEnabled {
    pub enabled: bool,
    pub reason: Option<String>,
    pub by: String,
}

impl Handler<SetEnabled> for WindowActor {
    type Result = AtomicResponse<Self, Result<WindowView, String>>;

    fn handle(&mut self, msg: SetEnabled, _: &mut Self::Context) -> Self::Result {
        let mut record = self.record.clone();
        record.version = self.next_version();
        record.enabled = msg.enabled;
        record.disabled_reason = if msg.enabled {
            None
        } else {
            msg.reason.clone()
        };
        let view = self.view_of(&record, self.ticket.as_ref());
        let mut commit = Commit::default();
        commit
            .put_json(keys::window(&self.cfg.id), &record)
            .event(EventBody::Window(view.clone()))
            .event(crate::core::staff_audit::of_enabled(
                &self.cfg.id,
                msg.enabled,
                &msg.by,
                msg.reason.clone(),
            ));
        let durable = match self.store.enqueue(commit) {
            Ok(f) => f,
            Err(e) => return AtomicResponse::new(Box::pin(fut::ready(Err(e.to_string())))),
        };
        info!(window = %self.cfg.id, enabled = msg.enabled, by = %msg.by, reason = ?msg.reason, "window enabled changed");
        AtomicResponse::new(Box::pin(durable.into_actor(self).map(
            move |res, act, _| match res {
                Ok(_) => {
                    act.record = record;
                    Ok(view)
                }
                Err(e) => Err(e.to_string()),
            },
        )))
    }
}
