//! The hall's directory: the address of every actor, and the start-up that
//! creates them from the configuration and what storage recovered. The
//! transports reach the hall through it.

use std::collections::HashMap;
use std::sync::Arc;

use actix::prelude::*;
use tingwu_protocols::terminal::Reply;
use tracing::{info, warn};

use crate::alarm::AlarmActor;
use crate::appointment::AppointmentActor;
use crate::card_reader::CardReaderActor;
use crate::case::CaseActor;
use crate::clock::HallClock;
use crate::config::HallConfig;
use crate::consultation::ConsultationActor;
use crate::core::issuing::{fingerprint_of, Holdings};
use crate::core::ticket::TicketStatus;
use crate::core::window_state::WindowState;
use crate::hall::{HallActor, HALL_STRATEGY};
use crate::kiosk::KioskActor;
use crate::notice::NoticeActor;
use crate::printer::PrinterActor;
use crate::queue::{GetQueue, QueueActor};
use crate::rating::RatingActor;
use crate::records::{Recovered, WindowRecord};
use crate::screen::{ScreenActor, ScreenScope, Sources};
use crate::store::Store;
use crate::supervision::SupervisionActor;
use crate::views::{QueueView, WindowView};
use crate::window::{seed_log, GetWindow, WindowActor, WindowContext};

/// Addresses of every actor of the hall, for the transports.
#[derive(Clone)]
pub struct Directory {
    pub config: Arc<HallConfig>,
    pub clock: HallClock,
    pub store: Store,
    pub hall: Addr<HallActor>,
    pub queues: HashMap<String, Addr<QueueActor>>,
    pub windows: HashMap<String, Addr<WindowActor>>,
    pub screens: HashMap<String, Addr<ScreenActor>>,
    pub kiosks: HashMap<String, Addr<KioskActor>>,
    pub dashboard: Addr<ScreenActor>,
    pub alarms: Addr<AlarmActor>,
    /// Threshold alarms and attendance (考勤异常), checked every few seconds.
    pub supervision: Addr<SupervisionActor>,
    /// Ticket printers by id; the binary attaches their links.
    pub printers: HashMap<String, Addr<PrinterActor>>,
    /// ID-card readers by id; the binary starts their links.
    pub card_readers: HashMap<String, Addr<CardReaderActor>>,
    /// Bookings (预约): slots, booking, cancelling, check-in.
    pub appointments: Addr<AppointmentActor>,
    /// Cases (办件): intake, transitions, queries.
    pub cases: Addr<CaseActor>,
    /// 好差评: rating prompts, ratings and their follow-ups.
    pub ratings: Addr<RatingActor>,
    /// Consultations (咨询) recorded at the windows.
    pub consultations: Addr<ConsultationActor>,
    /// 大厅公告: the hall notices in force.
    pub notices: Addr<NoticeActor>,
}

impl Directory {
    /// Starts every actor of the hall from what storage recovered. Must run
    /// inside an actix system.
    pub fn start(config: Arc<HallConfig>, store: Store, recovered: Recovered) -> Self {
        let clock = HallClock::of(&config);
        Self::start_with_clock(config, store, recovered, clock)
    }

    /// [`Directory::start`] with every actor reading the time from `clock`
    /// (tests drive a manual one: `tingwu_actors::testing::start_at`).
    pub fn start_with_clock(
        config: Arc<HallConfig>,
        store: Store,
        recovered: Recovered,
        clock: HallClock,
    ) -> Self {
        let day = recovered.day.clone();
        let staff = Arc::new(config.staff.clone());
        let mut idem_by_queue: HashMap<String, Vec<_>> = HashMap::new();
        let tickets_by_id: HashMap<&str, _> = recovered
            .tickets
            .iter()
            .map(|t| (t.id.as_str(), t))
            .collect();
        for (key, ticket_id) in &recovered.idempotency {
            if let Some(t) = tickets_by_id.get(ticket_id.as_str()) {
                idem_by_queue
                    .entry(t.queue.clone())
                    .or_default()
                    .push((key.clone(), (*t).clone()));
            }
        }
        let day_end = close_earlier_days(&config, &store, &clock, &recovered);
        let mut queues = HashMap::new();
        let mut queue_views = Vec::new();
        for q in &config.queues {
            let serving = config.windows_serving(&q.id).count();
            let actor = QueueActor::new(
                q.clone(),
                clock,
                store.clone(),
                day.clone(),
                &recovered.tickets,
                idem_by_queue.remove(&q.id).unwrap_or_default(),
                config.estimate.default_service_s,
                serving,
            )
            .with_day_end(config.calling.day_end, &day_end.carried);
            queue_views.push(actor.view_now());
            queues.insert(q.id.clone(), actor.start());
        }
        let mut windows = HashMap::new();
        let mut window_views = Vec::new();
        let ctx = WindowContext {
            clock,
            store: store.clone(),
            staff: staff.clone(),
            queues: Arc::new(queues.clone()),
            calling: config.calling.clone(),
        };
        let hall_strategy = recovered
            .strategies
            .get(HALL_STRATEGY)
            .cloned()
            .unwrap_or_default();
        for w in &config.windows {
            let mut record = recovered
                .windows
                .get(&w.id)
                .cloned()
                .unwrap_or_else(WindowRecord::fresh);
            let ticket = record
                .ticket
                .as_deref()
                .and_then(|id| tickets_by_id.get(id))
                .map(|t| (*t).clone())
                .filter(|t| matches!(t.status, TicketStatus::Called | TicketStatus::Serving));
            if ticket.is_none()
                && matches!(record.state, WindowState::Called | WindowState::Serving)
            {
                // Its ticket cannot be found: rather than a window stuck
                // with nothing to finish, it starts idle (or logged out).
                warn!(window = %w.id, ticket = ?record.ticket, "window's ticket not found at start-up; window reset");
                record.state = if record.staff.is_some() {
                    WindowState::Idle
                } else {
                    WindowState::LoggedOut
                };
                record.ticket = None;
            }
            let replies: Vec<(String, Reply)> = recovered
                .commands
                .get(&w.id)
                .map(|list| {
                    list.iter()
                        .filter_map(|(id, bytes)| {
                            serde_json::from_slice(bytes).ok().map(|r| (id.clone(), r))
                        })
                        .collect()
                })
                .unwrap_or_default();
            let parked = recovered
                .tickets
                .iter()
                .filter(|t| t.status == TicketStatus::Parked && t.window.as_deref() == Some(&w.id))
                .cloned()
                .collect();
            let strategy = recovered
                .strategies
                .get(&w.id)
                .cloned()
                .unwrap_or_else(|| hall_strategy.clone());
            let log = seed_log(
                &w.id,
                record.state,
                record.staff.as_ref().map(|s| s.id.as_str()),
                &clock,
                &recovered.recent_events,
            );
            let actor = WindowActor::new(
                w.clone(),
                ctx.clone(),
                strategy,
                record,
                ticket,
                parked,
                day.clone(),
                replies,
            )
            .with_day_log(log);
            window_views.push(actor.view_now());
            windows.insert(w.id.clone(), actor.start());
        }
        // Queues predict waits from the windows that serve them: the state at
        // start here, then every committed change.
        {
            let views = window_views.clone();
            let qs: Vec<_> = queues.values().cloned().collect();
            actix::spawn(async move {
                for v in views {
                    for q in &qs {
                        let _ = q
                            .send(crate::queue::WindowChanged(Box::new(v.clone())))
                            .await;
                    }
                }
            });
        }
        let last_seq = recovered.last_seq;
        let recent = &recovered.recent_events;
        let alarms = AlarmActor::recovered(store.clone(), recovered.alarms.clone())
            .with_clock(clock)
            .start();
        let supervision = SupervisionActor::new(
            config.clone(),
            clock,
            config
                .queues
                .iter()
                .filter_map(|q| queues.get(&q.id).cloned())
                .collect(),
            config
                .windows
                .iter()
                .filter_map(|w| windows.get(&w.id).cloned())
                .collect(),
            alarms.clone(),
        )
        .start();
        let notices = NoticeActor::new(
            config.clone(),
            clock,
            store.clone(),
            recovered.notices.clone(),
        )
        .start();
        let sources = Sources {
            windows: windows.values().cloned().collect(),
            queues: queues.values().cloned().collect(),
            alarms: Some(alarms.clone()),
            notices: Some(notices.clone()),
        };
        let mut screens = HashMap::new();
        for s in &config.screens {
            let scope = ScreenScope::of(s, &config);
            let actor = ScreenActor::new(
                scope,
                clock,
                sources.clone(),
                window_views.clone(),
                queue_views.clone(),
                last_seq,
                recent,
                store.subscribe(),
            )
            .with_notices(recovered.notices.clone());
            screens.insert(s.id.clone(), actor.start());
        }
        let dashboard = ScreenActor::new(
            ScreenScope::everything(
                "dashboard",
                "dashboard",
                "值班看板 / Supervisor dashboard",
                &config,
            ),
            clock,
            sources,
            window_views.clone(),
            queue_views,
            last_seq,
            recent,
            store.subscribe(),
        )
        .with_notices(recovered.notices.clone())
        .start();
        let enabled = window_views
            .iter()
            .map(|w| (w.id.clone(), w.enabled))
            .collect();
        let idempotency = recovered
            .idempotency
            .iter()
            .filter_map(|(key, id)| {
                let t = tickets_by_id.get(id.as_str())?;
                Some((key.clone(), (fingerprint_of(t), t.queue.clone())))
            })
            .collect();
        let hall = HallActor::new(
            config.clone(),
            clock,
            store.clone(),
            recovered.strategies.clone(),
            queues.clone(),
            windows.clone(),
            enabled,
            idempotency,
            Holdings::of_day(&day, &recovered.tickets),
        )
        .start();
        let printers: HashMap<String, Addr<PrinterActor>> = config
            .printers
            .iter()
            .map(|p| {
                (
                    p.id.clone(),
                    PrinterActor::new(p.clone(), config.clone(), clock, alarms.clone()).start(),
                )
            })
            .collect();
        let kiosks: HashMap<String, Addr<KioskActor>> = config
            .kiosks
            .iter()
            .map(|k| {
                let mut kiosk = KioskActor::new(k.clone(), clock, hall.clone()).recovered(
                    store.clone(),
                    &recovered.day,
                    recovered.kiosks.get(&k.id).cloned().unwrap_or_default(),
                );
                if let Some(p) = config.printers.iter().find(|p| p.kiosk == k.id) {
                    if let Some(addr) = printers.get(&p.id) {
                        kiosk = kiosk.with_printer(addr.clone());
                    }
                }
                (k.id.clone(), kiosk.start())
            })
            .collect();
        let card_readers = config
            .card_readers
            .iter()
            .map(|r| {
                let kiosk = r.kiosk.as_ref().and_then(|k| kiosks.get(k)).cloned();
                let actor = CardReaderActor::new(r.clone(), alarms.clone(), kiosk);
                (r.id.clone(), actor.start())
            })
            .collect();
        let appointments = AppointmentActor::new(
            config.clone(),
            store.clone(),
            hall.clone(),
            kiosks.clone(),
            recovered.bookings,
        )
        .start();
        let mut ticket_cases = crate::core::case::TicketCases::default();
        for r in &recovered.cases {
            if let Some(t) = &r.ticket {
                ticket_cases.record(t, &r.case.item, &r.case.number);
            }
        }
        let cases = CaseActor::new(config.clone(), store.clone(), recovered.cases)
            .with_packages(recovered.packages)
            .on_hall_clock(clock)
            .with_alarms(alarms.clone())
            .start();
        let ratings = RatingActor::new(
            config.clone(),
            clock,
            store.clone(),
            alarms.clone(),
            recovered.ratings.clone(),
            window_views
                .iter()
                .filter_map(|w| Some((w.id.clone(), w.staff.as_ref()?.id.clone())))
                .collect(),
        )
        .with_ticket_cases(ticket_cases)
        .start();
        let consultations = ConsultationActor::new(
            config.clone(),
            clock,
            store.clone(),
            recovered.consultations,
        )
        .start();
        info!(
            hall = %config.hall.id,
            day = %day,
            queues = queues.len(),
            windows = windows.len(),
            screens = screens.len(),
            tickets_recovered = recovered.tickets.len(),
            last_seq,
            "hall started"
        );
        Self {
            config,
            clock,
            store,
            hall,
            queues,
            windows,
            screens,
            kiosks,
            dashboard,
            alarms,
            supervision,
            printers,
            card_readers,
            appointments,
            cases,
            ratings,
            consultations,
            notices,
        }
    }
}

/// Snapshot helpers for the API.
pub async fn all_windows(dir: &Directory) -> Vec<WindowView> {
    let mut out = Vec::new();
    for w in &dir.config.windows {
        if let Some(addr) = dir.windows.get(&w.id) {
            if let Ok(v) = addr.send(GetWindow).await {
                out.push(v);
            }
        }
    }
    out
}

pub async fn all_queues(dir: &Directory) -> Vec<QueueView> {
    let mut out = Vec::new();
    for q in &dir.config.queues {
        if let Some(addr) = dir.queues.get(&q.id) {
            if let Ok(v) = addr.send(GetQueue).await {
                out.push(v);
            }
        }
    }
    out
}

/// The end-of-day rule (`core::day_end`) for tickets of earlier days still
/// waiting at start-up (the day turned while the server was down): with
/// `close` they are committed `expired` in one commit that also moves
/// `keys::DAY_END_DONE` to yesterday; with `carry_over` the outcome's
/// `carried` tickets go back into their queues' lines.
fn close_earlier_days(
    config: &HallConfig,
    store: &Store,
    clock: &HallClock,
    recovered: &Recovered,
) -> crate::core::day_end::DayEndOutcome {
    let now = clock.now();
    let outcome = crate::core::day_end::end_day(
        config.calling.day_end,
        &recovered.day,
        &recovered.unfinished,
        now,
    );
    // Nothing left waiting (or carried over): nothing to commit; the next
    // start-up reads the same bounded run of days again.
    if config.calling.day_end != crate::core::day_end::DayEnd::Close || outcome.expired.is_empty() {
        return outcome;
    }
    let mut commit = crate::store::Commit::default();
    for t in &outcome.expired {
        commit
            .put_json(crate::keys::ticket(&t.day, &t.queue, t.seq), t)
            .event(crate::events::EventBody::Ticket(
                crate::views::TicketView::of(t, 0, 0),
            ));
    }
    if let Some(yesterday) = crate::core::day_end::day_before(&recovered.day) {
        commit.put(crate::keys::DAY_END_DONE.to_vec(), yesterday.into_bytes());
    }
    let count = outcome.expired.len();
    match store.enqueue(commit) {
        Ok(durable) => {
            actix::spawn(async move {
                match durable.await {
                    Ok(_) => {
                        info!(
                            tickets = count,
                            "tickets of earlier days closed as expired at start-up"
                        );
                        metrics::counter!("tingwu_tickets_expired_total", "queue" => "*")
                            .increment(count as u64);
                    }
                    Err(e) => {
                        warn!(tickets = count, error = %e, "tickets of earlier days not closed at start-up; the next start-up tries again")
                    }
                }
            });
        }
        Err(e) => {
            warn!(tickets = count, error = %e, "tickets of earlier days not closed at start-up; the next start-up tries again")
        }
    }
    outcome
}
