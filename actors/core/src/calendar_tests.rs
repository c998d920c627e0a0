//! The calendar against the State Council notices, date by date, and the
//! counting rule at work across their holidays.

use super::*;
use proptest::prelude::*;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// Each notice transcribed again by hand from its text (independently of
/// the JSON files): the days off as ranges, the make-up workdays.
fn transcribed(year: i32) -> (Vec<(&'static str, &'static str)>, Vec<&'static str>) {
    match year {
        // 国务院办公厅关于2024年部分节假日安排的通知, 2023-10-25.
        2024 => (
            vec![
                ("2024-01-01", "2024-01-01"), // 元旦：1月1日放假，与周末连休
                ("2024-02-10", "2024-02-17"), // 春节：2月10日至17日；2月4日、2月18日上班
                ("2024-04-04", "2024-04-06"), // 清明节：4月4日至6日；4月7日上班
                ("2024-05-01", "2024-05-05"), // 劳动节：5月1日至5日；4月28日、5月11日上班
                ("2024-06-10", "2024-06-10"), // 端午节：6月10日，与周末连休
                ("2024-09-15", "2024-09-17"), // 中秋节：9月15日至17日；9月14日上班
                ("2024-10-01", "2024-10-07"), // 国庆节：10月1日至7日；9月29日、10月12日上班
            ],
            vec![
                "2024-02-04",
                "2024-02-18",
                "2024-04-07",
                "2024-04-28",
                "2024-05-11",
                "2024-09-14",
                "2024-09-29",
                "2024-10-12",
            ],
        ),
        // 国务院办公厅关于2025年部分节假日安排的通知, 2024-11-12.
        2025 => (
            vec![
                ("2025-01-01", "2025-01-01"), // 元旦：1月1日放假1天，不调休
                ("2025-01-28", "2025-02-04"), // 春节：1月28日至2月4日；1月26日、2月8日上班
                ("2025-04-04", "2025-04-06"), // 清明节：4月4日至6日
                ("2025-05-01", "2025-05-05"), // 劳动节：5月1日至5日；4月27日上班
                ("2025-05-31", "2025-06-02"), // 端午节：5月31日至6月2日
                ("2025-10-01", "2025-10-08"), // 国庆节、中秋节：10月1日至8日；9月28日、10月11日上班
            ],
            vec![
                "2025-01-26",
                "2025-02-08",
                "2025-04-27",
                "2025-09-28",
                "2025-10-11",
            ],
        ),
        // 国务院办公厅关于2026年部分节假日安排的通知, 2025-11-04.
        2026 => (
            vec![
                ("2026-01-01", "2026-01-03"), // 元旦：1月1日至3日；1月4日上班
                ("2026-02-15", "2026-02-23"), // 春节：2月15日至23日；2月14日、2月28日上班
                ("2026-04-04", "2026-04-06"), // 清明节：4月4日至6日
                ("2026-05-01", "2026-05-05"), // 劳动节：5月1日至5日；5月9日上班
                ("2026-06-19", "2026-06-21"), // 端午节：6月19日至21日
                ("2026-09-25", "2026-09-27"), // 中秋节：9月25日至27日
                ("2026-10-01", "2026-10-07"), // 国庆节：10月1日至7日；9月20日、10月10日上班
            ],
            vec![
                "2026-01-04",
                "2026-02-14",
                "2026-02-28",
                "2026-05-09",
                "2026-09-20",
                "2026-10-10",
            ],
        ),
        _ => unreachable!(),
    }
}

#[test]
fn every_date_of_2024_to_2026_matches_the_notices() {
    let cal = Calendar::official();
    assert_eq!(cal.years().collect::<Vec<_>>(), vec![2024, 2025, 2026]);
    for year in 2024..=2026 {
        let (off, on) = transcribed(year);
        let is_off = |x: NaiveDate| off.iter().any(|(a, b)| d(a) <= x && x <= d(b));
        let is_on = |x: NaiveDate| on.iter().any(|w| d(w) == x);
        let days = cal.list_year(year).unwrap();
        assert_eq!(days.len(), if year == 2024 { 366 } else { 365 });
        for (date, kind) in days {
            let expected = if is_off(date) {
                false
            } else if is_on(date) {
                true
            } else {
                !is_weekend(date)
            };
            assert_eq!(kind.is_workday(), expected, "{date} is {kind:?}");
        }
    }
}

#[test]
fn spring_festival_2026_and_its_make_up_workdays() {
    let cal = Calendar::official();
    // 2月14日（周六）上班, 2月15日（周日）至23日（周一）放假, 2月28日（周六）上班.
    assert_eq!(
        cal.day_kind(d("2026-02-14")).unwrap(),
        DayKind::MakeUpWorkday
    );
    for day in 15..=23 {
        let date = NaiveDate::from_ymd_opt(2026, 2, day).unwrap();
        assert_eq!(cal.day_kind(date).unwrap(), DayKind::Holiday, "{date}");
        assert_eq!(cal.holiday_name(date), Some("春节"));
    }
    assert_eq!(cal.day_kind(d("2026-02-24")).unwrap(), DayKind::Workday);
    assert_eq!(
        cal.day_kind(d("2026-02-28")).unwrap(),
        DayKind::MakeUpWorkday
    );
    assert_eq!(cal.day_kind(d("2026-03-01")).unwrap(), DayKind::Weekend);
}

#[test]
fn a_deadline_spanning_the_2026_spring_festival() {
    let cal = Calendar::official();
    // Taken in on Thursday 2026-02-12: day 1 is Friday the 13th, day 2 the
    // make-up Saturday the 14th, then nine days off; day 3 is Tuesday the 24th.
    assert_eq!(
        cal.add_working_days(d("2026-02-12"), 1).unwrap(),
        d("2026-02-13")
    );
    assert_eq!(
        cal.add_working_days(d("2026-02-12"), 2).unwrap(),
        d("2026-02-14")
    );
    assert_eq!(
        cal.add_working_days(d("2026-02-12"), 3).unwrap(),
        d("2026-02-24")
    );
    // 20 working days (行政许可法 art. 42) from 2026-02-12: 13, 14, 24, 25, 26,
    // 27, 28 (make-up), Mar 2–6 (12), Mar 9–13 (17), Mar 16, 17, 18 (20).
    assert_eq!(
        cal.add_working_days(d("2026-02-12"), 20).unwrap(),
        d("2026-03-18")
    );
    assert_eq!(
        cal.working_days_between(d("2026-02-12"), d("2026-03-18"))
            .unwrap(),
        20
    );
    // Nothing counts inside the holiday.
    assert_eq!(
        cal.working_days_between(d("2026-02-14"), d("2026-02-23"))
            .unwrap(),
        0
    );
}

#[test]
fn a_deadline_spanning_national_day_2025_and_the_year_end() {
    let cal = Calendar::official();
    // 2025-09-26 (Fri): 28 Sep is a make-up Sunday, 29, 30, then Oct 1–8 off,
    // 9, 10 (Thu, Fri), 11 make-up Saturday.
    assert_eq!(
        cal.add_working_days(d("2025-09-26"), 1).unwrap(),
        d("2025-09-28")
    );
    assert_eq!(
        cal.add_working_days(d("2025-09-26"), 4).unwrap(),
        d("2025-10-09")
    );
    assert_eq!(
        cal.add_working_days(d("2025-09-26"), 6).unwrap(),
        d("2025-10-11")
    );
    // Across the turn of 2025→2026: 元旦 2026 is Jan 1–3, Jan 4 (Sun) is worked.
    assert_eq!(
        cal.add_working_days(d("2025-12-31"), 1).unwrap(),
        d("2026-01-04")
    );
}

#[test]
fn a_year_without_a_notice_is_a_clear_error() {
    let cal = Calendar::official();
    let err = cal.is_workday(d("2027-03-01")).unwrap_err();
    assert_eq!(err, CalendarError::MissingYear(2027));
    assert!(err.to_string().contains("2027.json"));
    assert!(err.to_string().contains("holidays_dir"));
    assert_eq!(
        cal.add_working_days(d("2026-12-20"), 30),
        Err(CalendarError::MissingYear(2027))
    );
    assert_eq!(cal.list_year(2023), Err(CalendarError::MissingYear(2023)));
}

#[test]
fn an_operators_file_replaces_a_year() {
    let json = r#"{"year": 2026, "source": "test", "holidays": [], "workdays": []}"#;
    let cal = Calendar::official()
        .with_notice(YearNotice::parse(json).unwrap())
        .unwrap();
    assert!(cal.is_workday(d("2026-02-16")).unwrap());
    assert_eq!(cal.source(2026), Some("test"));
}

#[test]
fn contradicting_notices_are_refused_with_the_reason() {
    let bad = [
        (
            r#"{"year":2026,"source":"x","holidays":[{"name":"a","from":"2026-02-15","to":"2026-02-10"}]}"#,
            "ends before",
        ),
        (
            r#"{"year":2026,"source":"x","holidays":[{"name":"a","from":"2025-12-31","to":"2026-01-02"}]}"#,
            "not inside",
        ),
        (
            r#"{"year":2026,"source":"x","holidays":[],"workdays":["2026-02-16"]}"#,
            "not a weekend",
        ),
        (
            r#"{"year":2026,"source":"x","holidays":[{"name":"a","from":"2026-02-14","to":"2026-02-15"}],"workdays":["2026-02-14"]}"#,
            "both",
        ),
        (
            r#"{"year":2026,"source":"x","holidays":[{"name":"a","from":"2026-02-14","to":"2026-02-15"},{"name":"b","from":"2026-02-15","to":"2026-02-16"}]}"#,
            "two holiday",
        ),
    ];
    for (json, why) in bad {
        let err = Calendar::default()
            .with_notice(YearNotice::parse(json).unwrap())
            .unwrap_err();
        assert!(err.to_string().contains(why), "{json}: {err}");
    }
    assert!(matches!(
        YearNotice::parse(r#"{"year":2026}"#),
        Err(CalendarError::Json(_))
    ));
    assert!(matches!(
        YearNotice::parse(r#"{"year":2026,"source":"x","holidays":[],"extra":1}"#),
        Err(CalendarError::Json(_))
    ));
}

#[test]
fn instants_count_in_the_halls_time_zone() {
    let cal = Calendar::official();
    let tz: Tz = "Asia/Shanghai".parse().unwrap();
    // 2026-02-12 23:30 in Shanghai is 15:30 UTC; 2026-02-13 00:30 local is 16:30 UTC.
    let from = DateTime::parse_from_rfc3339("2026-02-12T15:30:00Z")
        .unwrap()
        .with_timezone(&Utc);
    let to = DateTime::parse_from_rfc3339("2026-02-12T16:30:00Z")
        .unwrap()
        .with_timezone(&Utc);
    assert_eq!(cal.working_days_between_instants(from, to, tz).unwrap(), 1);
    assert_eq!(
        cal.working_days_between_instants(from, from, tz).unwrap(),
        0
    );
}

fn any_date() -> impl Strategy<Value = NaiveDate> {
    (0i64..900).prop_map(|n| d("2024-01-01") + Duration::days(n))
}

proptest! {
    /// Adding N working days and counting back agree, and the result is a
    /// working day whenever N > 0.
    #[test]
    fn add_and_between_agree(start in any_date(), n in 0u32..60) {
        let cal = Calendar::official();
        let end = cal.add_working_days(start, n).unwrap();
        prop_assert_eq!(cal.working_days_between(start, end).unwrap(), n);
        if n > 0 {
            prop_assert!(cal.is_workday(end).unwrap());
            prop_assert!(end > start);
        }
    }

    /// Working days are additive over consecutive periods.
    #[test]
    fn between_is_additive(a in any_date(), x in 0i64..80, y in 0i64..80) {
        let cal = Calendar::official();
        let b = a + Duration::days(x);
        let c = b + Duration::days(y);
        prop_assert_eq!(
            cal.working_days_between(a, c).unwrap(),
            cal.working_days_between(a, b).unwrap() + cal.working_days_between(b, c).unwrap()
        );
    }
}
