//! The kiosk's events for its screen (rule and shapes in
//! `core::kiosk_feed`): the card reader at the kiosk records what a read
//! did ([`RecordEvent`]), the kiosk page polls them ([`GetEvents`]) through
//! `App::kiosk_events`. [`card_event`] is what a card read at the kiosk's
//! reader becomes.

use actix::prelude::*;

use crate::core::card_reading::Applicant;
use crate::core::kiosk_feed::{FeedPage, KioskEvent};
use crate::core::printing::PrintStatus;
use crate::hall::IssueError;
use crate::kiosk::KioskActor;
use crate::queue::Issued;

/// Something the kiosk's screen should show (a card read's outcome).
#[derive(Debug, Clone, Message)]
#[rtype(result = "()")]
pub struct RecordEvent(pub KioskEvent);

impl Handler<RecordEvent> for KioskActor {
    type Result = ();

    fn handle(&mut self, msg: RecordEvent, _: &mut Self::Context) {
        let now = self.clock_now();
        let seq = self.feed.push(msg.0, now);
        tracing::debug!(kiosk = %self.id(), seq, "kiosk event recorded");
    }
}

/// What the kiosk's screen shows of a read at its reader: the ticket it
/// took (with how it printed), or why it took none; the holder masked only.
pub fn card_event(
    res: &Result<(Issued, Option<PrintStatus>), IssueError>,
    holder: Option<&Applicant>,
) -> KioskEvent {
    let (id_masked, name_masked) = holder.map_or_else(Default::default, |a| {
        (a.id_masked.clone(), a.name_masked.clone())
    });
    match res {
        Ok((issued, print)) => KioskEvent::CardTicket {
            ticket: issued.ticket.id.clone(),
            number: issued.ticket.number.clone(),
            item: issued.ticket.item.clone(),
            queue: issued.ticket.queue.clone(),
            priority: issued.ticket.priority,
            people_ahead: issued.ticket.people_ahead,
            expected_call_at: issued.ticket.expected_call_at,
            print: *print,
            id_masked,
            name_masked,
        },
        Err(e) => KioskEvent::CardRefused {
            code: e.code().to_string(),
            message: e.to_string(),
            id_masked,
            name_masked,
        },
    }
}

/// The events after `since` in `epoch` (see `KioskFeed::since`).
#[derive(Debug, Clone, Copy, Message)]
#[rtype(result = "FeedPage")]
pub struct GetEvents {
    pub since: Option<u64>,
    pub epoch: Option<u64>,
}

impl Handler<GetEvents> for KioskActor {
    type Result = MessageResult<GetEvents>;

    fn handle(&mut self, msg: GetEvents, _: &mut Self::Context) -> Self::Result {
        MessageResult(self.feed.since(msg.since, msg.epoch))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing;

    #[test]
    fn the_kiosk_screen_gets_the_refusal_with_the_holder_masked() {
        let holder = Applicant {
            name_masked: "张*丰".into(),
            id_masked: "110***********002X".into(),
            read_at: chrono::Utc::now(),
        };
        let res = Err(IssueError::NoOpenWindow { item: "tax".into() });
        match card_event(&res, Some(&holder)) {
            KioskEvent::CardRefused {
                code,
                id_masked,
                name_masked,
                ..
            } => {
                assert_eq!(code, "no_open_window");
                assert_eq!(id_masked, "110***********002X");
                assert_eq!(name_masked, "张*丰");
            }
            other => panic!("a refusal, not {other:?}"),
        }
    }

    #[actix::test]
    async fn a_recorded_event_reaches_a_polling_page_once() {
        let dir = testing::start(testing::demo_hall());
        let Some(kiosk) = dir.kiosks.get("K1").cloned() else {
            panic!("the demo hall has kiosk K1");
        };
        let start = kiosk
            .send(GetEvents {
                since: None,
                epoch: None,
            })
            .await
            .unwrap();
        let event = KioskEvent::CardRefused {
            code: "item_closed".into(),
            message: "closed".into(),
            id_masked: "110***********002X".into(),
            name_masked: "张*丰".into(),
        };
        kiosk.send(RecordEvent(event.clone())).await.unwrap();
        let page = kiosk
            .send(GetEvents {
                since: Some(start.seq),
                epoch: Some(start.epoch),
            })
            .await
            .unwrap();
        assert!(!page.reset);
        assert_eq!(page.events.len(), 1);
        assert_eq!(page.events[0].event, event);
        let again = kiosk
            .send(GetEvents {
                since: Some(page.seq),
                epoch: Some(page.epoch),
            })
            .await
            .unwrap();
        assert!(again.events.is_empty());
    }
}
