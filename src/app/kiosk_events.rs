//! A kiosk's screen asks what happened at the kiosk unasked — an ID card
//! read at its reader took a ticket, or took none and why — with the
//! kiosk's own device password (HTTP Basic, the same credentials and
//! lockout as its tickets). The rule for what a page gets is
//! `tingwu_core::kiosk_feed`; the events live in the kiosk actor
//! (`tingwu_actors::kiosk_events`). Events carry masked personal data only.

use tingwu_actors::core::kiosk_feed::FeedPage;
use tingwu_actors::kiosk_events::GetEvents;

use super::sources::{KioskAuthError, KioskCredentials};
use super::App;

/// Why a kiosk's events are not given.
#[derive(Debug, thiserror::Error)]
pub enum KioskEventsError {
    /// No such kiosk in the hall (404 `not_found`).
    #[error("no kiosk {0:?} (取号机不存在)")]
    UnknownKiosk(String),
    /// Missing or wrong device password, or locked out.
    #[error(transparent)]
    Auth(#[from] KioskAuthError),
    /// The kiosk actor is gone (shutting down).
    #[error("the hall is shutting down (服务正在停止)")]
    Unavailable,
}

impl App {
    /// The events of kiosk `kiosk` after `since` in `epoch` (both from the
    /// previous answer; none: start now). `given` must be this kiosk's
    /// credentials.
    pub async fn kiosk_events(
        &self,
        kiosk: &str,
        given: Option<&KioskCredentials>,
        since: Option<u64>,
        epoch: Option<u64>,
    ) -> Result<FeedPage, KioskEventsError> {
        let addr = self
            .dir
            .kiosks
            .get(kiosk)
            .ok_or_else(|| KioskEventsError::UnknownKiosk(kiosk.to_string()))?;
        self.authenticate_kiosk(Some(kiosk), given)?;
        addr.send(GetEvents { since, epoch })
            .await
            .map_err(|_| KioskEventsError::Unavailable)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::testing::demo_app;
    use tingwu_actors::core::kiosk_feed::KioskEvent;
    use tingwu_actors::kiosk_events::RecordEvent;

    fn creds(kiosk: &str, password: &str) -> KioskCredentials {
        KioskCredentials {
            kiosk: kiosk.into(),
            password: password.into(),
        }
    }

    #[actix::test]
    async fn only_the_kiosk_itself_reads_its_events() {
        let (app, _keys) = demo_app();
        let own = creds("K1", "demo-pass-K1");
        let start = app
            .kiosk_events("K1", Some(&own), None, None)
            .await
            .unwrap();
        let event = KioskEvent::CardRefused {
            code: "limit_reached".into(),
            message: "limit".into(),
            id_masked: "110***********002X".into(),
            name_masked: "张*丰".into(),
        };
        let Some(kiosk) = app.dir.kiosks.get("K1") else {
            panic!("demo kiosk K1");
        };
        kiosk.send(RecordEvent(event.clone())).await.unwrap();
        let page = app
            .kiosk_events("K1", Some(&own), Some(start.seq), Some(start.epoch))
            .await
            .unwrap();
        assert_eq!(page.events.len(), 1);
        assert_eq!(page.events[0].event, event);
        assert!(matches!(
            app.kiosk_events("K1", None, None, None).await,
            Err(KioskEventsError::Auth(KioskAuthError::Unauthorized(_)))
        ));
        assert!(matches!(
            app.kiosk_events("K1", Some(&creds("K1", "wrong")), None, None)
                .await,
            Err(KioskEventsError::Auth(KioskAuthError::WrongPassword(_)))
        ));
        assert!(matches!(
            app.kiosk_events("K1", Some(&creds("K2", "demo-pass-K2")), None, None)
                .await,
            Err(KioskEventsError::Auth(KioskAuthError::Mismatch { .. }))
        ));
        assert!(matches!(
            app.kiosk_events("K9", Some(&own), None, None).await,
            Err(KioskEventsError::UnknownKiosk(_))
        ));
    }
}
