//! Cases closed long ago (issue 10: "Case records are government records:
//! never lost"). The case actor holds open cases and those closed in the
//! last 90 days; older ones stay in storage (`cs/{number}`) and are read
//! from there when the actor does not know a number, with the same access
//! rules (`App::case`, `App::public_case`).

use tingwu_actors::core::case::CaseRecord;

use super::case_types::CaseAppError;
use super::App;
use crate::storage::StoreReader;

impl App {
    /// This app with `reader` for cases the case actor no longer holds.
    pub fn with_case_archive(mut self, reader: StoreReader) -> Self {
        self.archive = Some(reader);
        self
    }

    /// A case record from storage, if the app has it and it is there.
    /// Errors: [`CaseAppError::Unavailable`] when storage cannot be read.
    pub(super) fn archived_case(&self, number: &str) -> Result<Option<CaseRecord>, CaseAppError> {
        let Some(reader) = &self.archive else {
            return Ok(None);
        };
        reader.case(number).map_err(|e| {
            tracing::error!(case = %number, error = %e, "archived case could not be read");
            CaseAppError::Unavailable(e.to_string())
        })
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;
    use tingwu_actors::core::case::transition::{apply, intake, Input, Intake};
    use tingwu_actors::core::case::{Actor, Applicant, CaseNumber, CaseRecord, Now};

    use super::super::case_types::{CaseAppError, CaseCaller};
    use super::super::sources::Source;
    use super::super::testing::demo_app;
    use crate::storage::Storage;

    /// A food-licence case taken in 400 days ago and terminated then,
    /// written straight into storage: the case actor never holds it.
    fn old_terminated_case(app: &super::App) -> CaseRecord {
        let cfg = &app.dir.config;
        let cal = &cfg.calendar.days;
        let long_ago =
            tingwu_actors::core::calendar::local_date(app.dir.clock.now(), app.dir.clock.tz)
                - Duration::days(400);
        let at = Now {
            at: app.dir.clock.now() - Duration::days(400),
            date: long_ago,
        };
        let case = intake(
            cfg.item("food-license").expect("item"),
            &Intake {
                number: CaseNumber::new("demo", long_ago, 9).expect("number"),
                applicant: Applicant::person("11010519491231002X", "张三", Some("13812345678"))
                    .expect("applicant"),
                provided: vec![
                    "食品经营许可申请书".into(),
                    "营业执照".into(),
                    "经营场所平面图".into(),
                    "食品安全管理制度".into(),
                ],
                green: false,
                on_the_spot: true,
                window: None,
                ticket: None,
            },
            &Actor::staff("S01"),
            at,
            cal,
        )
        .expect("intake")
        .0;
        let (case, _) = apply(
            &case,
            &Input::Terminate {
                reason: "撤回".into(),
            },
            &Actor::staff("S01"),
            at,
            cal,
        )
        .expect("terminate");
        CaseRecord {
            case,
            sealed: Default::default(),
            history: vec![],
            keys: vec![],
            ticket: None,
            request_print: None,
        }
    }

    #[actix::test]
    async fn a_case_closed_long_ago_is_read_from_storage_under_the_same_rules() {
        let (app, _key) = demo_app();
        let storage = Storage::temporary().expect("storage");
        let record = old_terminated_case(&app);
        let number = record.case.number.to_string();
        let mut commit = tingwu_actors::store::Commit::default();
        commit.put_json(tingwu_actors::keys::case(&number), &record);
        storage.write_now(commit).expect("write");

        // Without the archive the actor alone answers: not found.
        let lead = CaseCaller::Supervisor("lead".into());
        assert!(matches!(
            app.case(&lead, &number).await,
            Err(CaseAppError::NotFound)
        ));

        let app = app.with_case_archive(storage.reader());
        let (got, sup) = app.case(&lead, &number).await.expect("archived case");
        assert_eq!(got.case.number.to_string(), number);
        assert!(sup.is_none(), "a closed case has no supervision");

        // Staff of another department still may not read it.
        let other = app
            .dir
            .config
            .windows
            .iter()
            .find(|w| !app.window_departments(&w.id).contains(&got.case.department))
            .expect("a window of another department");
        let staff = CaseCaller::Staff {
            window: other.id.clone(),
            staff: "S99".into(),
        };
        assert!(matches!(
            app.case(&staff, &number).await,
            Err(CaseAppError::OtherDepartment)
        ));

        // The citizen finds it with the right check only.
        let src = || Source::Addr("198.51.100.7".parse().expect("ip"));
        assert!(app.public_case(src(), &number, "5678").await.is_ok());
        assert!(matches!(
            app.public_case(src(), &number, "0000").await,
            Err(CaseAppError::NotFound)
        ));
        assert!(matches!(
            app.case(&lead, "demo-20200101-000001").await,
            Err(CaseAppError::NotFound)
        ));
    }
}
