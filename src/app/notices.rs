//! 大厅公告 (hall notices): supervisors send a notice to the hall's public
//! screens — the whole hall, some areas or some screens, for some minutes
//! or until cleared — list the notices in force and clear one. The rules
//! are `tingwu_core::hall_notice`; the notice actor (`tingwu_actors::notice`)
//! commits each change with its audit entry. Who may: supervisors only (the
//! transports check the token and pass the user name as `who`).

use tingwu_actors::core::hall_notice::{Draft, Notice};
use tingwu_actors::notice::{ClearNotice, GetNotices, NoticeChangeError, SendNotice, SentNotice};

use super::App;

/// Why a notice request is refused.
#[derive(Debug, thiserror::Error)]
pub enum NoticeError {
    /// Refused by the notice actor: a bad draft (`NoticeRefusal`), no such
    /// notice in force, or storage trouble.
    #[error(transparent)]
    Refused(#[from] NoticeChangeError),
    /// The hall's actors are stopping (503 `unavailable`).
    #[error("the hall is shutting down")]
    ShuttingDown,
}

impl App {
    /// The notices in force, oldest first.
    pub async fn notices(&self) -> Result<Vec<Notice>, NoticeError> {
        self.dir
            .notices
            .send(GetNotices)
            .await
            .map_err(|_| NoticeError::ShuttingDown)
    }

    /// Sends supervisor `who`'s notice; answers it once durable (or the
    /// same notice in force already, with `new: false`).
    pub async fn send_notice(&self, who: &str, draft: Draft) -> Result<SentNotice, NoticeError> {
        Ok(self
            .dir
            .notices
            .send(SendNotice {
                draft,
                by: who.to_string(),
            })
            .await
            .map_err(|_| NoticeError::ShuttingDown)??)
    }

    /// Clears notice `id` for supervisor `who`; answers the notice cleared.
    pub async fn clear_notice(&self, who: &str, id: &str) -> Result<Notice, NoticeError> {
        Ok(self
            .dir
            .notices
            .send(ClearNotice {
                id: id.to_string(),
                by: who.to_string(),
            })
            .await
            .map_err(|_| NoticeError::ShuttingDown)??)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::testing::demo_app;
    use tingwu_actors::core::hall_notice::NoticeRefusal;

    #[actix::test]
    async fn a_supervisor_sends_lists_and_clears_a_notice() {
        let (app, _keys) = demo_app();
        let draft = Draft {
            text_zh: "系统维护".into(),
            minutes: Some(10),
            ..Draft::default()
        };
        let sent = app.send_notice("admin", draft.clone()).await.unwrap();
        assert!(sent.new);
        let again = app.send_notice("admin", draft).await.unwrap();
        assert_eq!(
            (again.new, &again.notice),
            (false, &sent.notice),
            "sent once"
        );
        let sent = sent.notice;
        assert_eq!(sent.by, "admin");
        let listed = app.notices().await.unwrap();
        assert_eq!(listed, vec![sent.clone()]);
        let bad = app
            .send_notice("admin", Draft::default())
            .await
            .unwrap_err();
        assert!(matches!(
            bad,
            NoticeError::Refused(NoticeChangeError::Refused(NoticeRefusal::EmptyText))
        ));
        app.clear_notice("admin", &sent.id).await.unwrap();
        assert!(app.notices().await.unwrap().is_empty());
        let again = app.clear_notice("admin", &sent.id).await.unwrap_err();
        assert!(matches!(
            again,
            NoticeError::Refused(NoticeChangeError::NotFound(_))
        ));
    }
}
