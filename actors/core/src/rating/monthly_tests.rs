use super::*;
use crate::calendar::Calendar;
use crate::config::supervision::RatingConfig;
use crate::rating::follow_up::{self, decide_appeal, file_appeal, Person};
use crate::rating::grade::{Indicators, RatingGrade};
use crate::rating::record::{Channel, Outcome, ServiceRef};
use chrono::TimeZone;
use proptest::prelude::*;

const TZ: Tz = chrono_tz::Asia::Shanghai;

fn at(m: u32, d: u32, h: u32) -> DateTime<Utc> {
    TZ.with_ymd_and_hms(2026, m, d, h, 0, 0)
        .unwrap()
        .with_timezone(&Utc)
}

fn service(n: usize, window: &str, staff: &str) -> ServiceRef {
    ServiceRef {
        ticket: format!("T{n}"),
        number: format!("A{n:03}"),
        window: window.into(),
        staff: Some(staff.into()),
        case: None,
    }
}

fn rating(
    n: usize,
    window: &str,
    staff: &str,
    stars: Option<i64>,
    when: DateTime<Utc>,
) -> RatingRecord {
    RatingRecord {
        service: service(n, window, staff),
        prompted_at: when,
        outcome: match stars {
            Some(s) => Outcome::Rated {
                grade: RatingGrade::from_stars(s).unwrap(),
                indicators: Indicators::default(),
                reasons: Vec::new(),
                channel: Channel::Tablet,
                device: "tablet-3".into(),
                at: when,
            },
            None => Outcome::NotRated { at: when },
        },
    }
}

fn follow(r: &RatingRecord) -> FollowUp {
    follow_up::open(r, &RatingConfig::default(), &Calendar::official(), TZ).unwrap()
}

fn upheld(f: &FollowUp, when: DateTime<Utc>) -> FollowUp {
    let f = file_appeal(f, &Person::Staff("S01".into()), "误评", when).unwrap();
    decide_appeal(&f, &Person::Supervisor("admin".into()), true, "属实", when).unwrap()
}

#[test]
fn a_month_by_window_and_staff_with_the_ranking() {
    let r = vec![
        rating(1, "1", "S01", Some(5), at(3, 2, 10)),
        rating(2, "1", "S01", Some(4), at(3, 3, 10)),
        rating(3, "1", "S01", None, at(3, 4, 10)),
        rating(4, "2", "S02", Some(3), at(3, 5, 10)),
        rating(5, "2", "S02", Some(1), at(3, 6, 10)),
        rating(6, "2", "S02", Some(2), at(3, 9, 10)),
        // April: another month.
        rating(7, "1", "S01", Some(1), at(4, 1, 10)),
        // 2026-03-31 23:30 hall time is still March (UTC is earlier).
        rating(8, "3", "S03", Some(5), at(3, 31, 23)),
    ];
    let f5 = follow(&r[4]);
    let f6 = upheld(&follow(&r[5]), at(3, 10, 10));
    // Nothing done on 5's follow-up by late March: red.
    let m = monthly(&r, &[f5, f6], 2026, 3, TZ, at(3, 30, 10));
    assert_eq!(m.hall.rated, 5);
    assert_eq!(m.hall.not_rated, 1);
    assert_eq!(m.hall.excluded, 1);
    assert_eq!(m.hall.by_stars, [1, 0, 1, 1, 2]);
    let w1 = m.by_window["1"];
    assert_eq!((w1.rated, w1.not_rated, w1.satisfied), (2, 1, 2));
    assert_eq!(w1.satisfaction_permille(), Some(1000));
    let w2 = m.by_window["2"];
    assert_eq!((w2.rated, w2.bad, w2.excluded), (2, 1, 1));
    assert_eq!((w2.follow_ups, w2.follow_ups_overdue), (1, 1));
    assert_eq!(w2.satisfaction_permille(), Some(500));
    assert_eq!(m.by_staff["S02"], w2);
    let order: Vec<String> = ranking(&m.by_window).into_iter().map(|x| x.id).collect();
    assert_eq!(order, ["1", "3", "2"], "more ratings first at equal rates");
    // A window with only "not rated" has no rate and ranks last.
    let quiet = monthly(
        &[rating(9, "9", "S09", None, at(3, 2, 10))],
        &[],
        2026,
        3,
        TZ,
        at(3, 30, 10),
    );
    assert_eq!(quiet.by_window["9"].satisfaction_permille(), None);
}

#[test]
fn a_range_of_days_counts_what_was_given_on_them() {
    let r = vec![
        rating(1, "1", "S01", Some(5), at(3, 2, 10)),
        rating(2, "1", "S01", None, at(3, 3, 10)),
        rating(3, "2", "S02", Some(1), at(3, 3, 11)),
        rating(4, "2", "S02", Some(4), at(3, 5, 10)),
        // 2026-03-03 23:30 hall time: the 3rd, though UTC says the 3rd too
        // and the 4th begins half an hour later.
        rating(5, "3", "S03", Some(2), at(3, 3, 23)),
    ];
    let f = vec![follow(&r[2]), upheld(&follow(&r[4]), at(3, 4, 10))];
    let day = |t: DateTime<Utc>| local_date(t, TZ);
    let d = |n| NaiveDate::from_ymd_opt(2026, 3, n).unwrap();
    let t = over_days(&r, &f, (d(3), d(4)), day, TZ, at(3, 4, 12));
    assert_eq!((t.rated, t.not_rated, t.excluded), (1, 1, 1));
    assert_eq!(t.by_stars, [1, 0, 0, 0, 0]);
    assert_eq!((t.bad, t.follow_ups, t.follow_ups_overdue), (1, 1, 0));
    assert_eq!(t.satisfaction_permille(), Some(0));
    let all = over_days(&r, &f, (d(1), d(31)), day, TZ, at(3, 4, 12));
    assert_eq!((all.rated, all.satisfied), (3, 2));
    assert_eq!(all.satisfaction_permille(), Some(666));
    assert_eq!(
        over_days(&r, &f, (d(6), d(9)), day, TZ, at(3, 4, 12)),
        Tally::default()
    );
}

fn arb_rating() -> impl Strategy<Value = (usize, Option<i64>, bool)> {
    (0usize..4, prop::option::of(1i64..=5), any::<bool>())
}

proptest! {
    /// An upheld appeal never counts, and "not rated" never counts as
    /// satisfied: the month with them equals the month without them but
    /// for the `excluded` and `not_rated` counters.
    #[test]
    fn upheld_appeals_and_silence_never_count(list in prop::collection::vec(arb_rating(), 0..30)) {
        let mut ratings = Vec::new();
        let mut follow_ups = Vec::new();
        let mut kept = Vec::new();
        let mut kept_follow_ups = Vec::new();
        let (mut excluded, mut not_rated) = (0, 0);
        for (n, (w, stars, appeal)) in list.into_iter().enumerate() {
            let r = rating(n, &w.to_string(), "S01", stars, at(3, 2 + (n as u32 % 20), 10));
            if r.is_bad() {
                let f = follow(&r);
                if appeal {
                    follow_ups.push(upheld(&f, r.at()));
                    excluded += 1;
                    ratings.push(r);
                    continue;
                }
                follow_ups.push(f.clone());
                kept_follow_ups.push(f);
            }
            if stars.is_none() {
                not_rated += 1;
                ratings.push(r);
                continue;
            }
            ratings.push(r.clone());
            kept.push(r);
        }
        let now = at(3, 25, 10);
        let all = monthly(&ratings, &follow_ups, 2026, 3, TZ, now);
        let clean = monthly(&kept, &kept_follow_ups, 2026, 3, TZ, now);
        prop_assert_eq!(all.hall.excluded, excluded);
        prop_assert_eq!(all.hall.not_rated, not_rated);
        let mut a = all.hall;
        a.excluded = 0;
        a.not_rated = 0;
        prop_assert_eq!(a, clean.hall);
        prop_assert_eq!(all.hall.rated, all.hall.by_stars.iter().sum::<u32>());
        prop_assert_eq!(all.hall.satisfied + all.hall.bad, all.hall.rated);
    }
}
