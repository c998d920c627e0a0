//! Authentication and roles: supervisor sessions (`POST /api/v1/login`,
//! bearer tokens for the dashboard, strategies, window admin and
//! green-channel tickets) and caller sessions (the software caller at one
//! window, for one staff member, with a PIN lockout) and MQTT device
//! credentials (checked for the ACL gate, `mqtt::gate`, before a packet
//! reaches the broker).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rand::RngCore;
use tingwu_protocols::terminal::Topics;
use tingwu_protocols::typed;

use super::lockout::{Attempt, Credential};
use super::App;
use tingwu_actors::core::config::StaffConfig;

/// How long a supervisor token lasts.
pub const SUPERVISOR_SESSION: Duration = Duration::from_secs(8 * 3600);
/// How long a caller token lasts (a working day).
pub const CALLER_SESSION: Duration = Duration::from_secs(8 * 3600);
/// Sessions open at once, per kind.
const MAX_SESSIONS: usize = 10_000;

/// Why a credential is refused. The messages are the ones clients see.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// No supervisor token in the request (HTTP 401 `unauthorized`).
    #[error("a supervisor token is needed: POST /api/v1/login (需要管理员登录)")]
    NoSupervisorToken,
    /// A supervisor token that is unknown or expired (401).
    #[error("the token is unknown or expired (登录已过期)")]
    UnknownSupervisorToken,
    /// Supervisor login with a wrong user or password (401).
    #[error("wrong user or password (用户名或密码错误)")]
    WrongPassword,
    /// Every supervisor session slot is taken (503 `busy`).
    #[error("too many supervisor sessions are open; try again later (登录会话已满，请稍后再试)")]
    SupervisorSessionsFull,
    /// The caller page names a window the hall does not have (404).
    #[error("no window {0:?} (窗口不存在)")]
    UnknownWindow(String),
    /// No caller token in the request (401).
    #[error("a caller token is needed: POST /api/v1/windows/{{w}}/session (需要工作人员登录)")]
    NoCallerToken,
    /// A caller token that is unknown or expired (401).
    #[error("the caller token is unknown or expired (登录已过期，请重新登录)")]
    UnknownCallerToken,
    /// A caller token used for another window (403 `forbidden`).
    #[error("this token belongs to window {own}, not window {asked} (无权操作其他窗口)")]
    OtherWindow { own: String, asked: String },
    /// Too many wrong secrets for this credential (staff id, supervisor,
    /// kiosk's priority password); `left_s` seconds to wait (429
    /// `too_many_attempts`, `Retry-After`).
    #[error("too many wrong attempts; try again in {left_s} s (密码错误次数过多，请稍后再试)")]
    LockedOut { left_s: u64 },
    /// Unknown staff id or wrong PIN (401).
    #[error("unknown staff id or wrong PIN (工号或密码错误)")]
    WrongPin,
    /// The staff member may not work at this window (403 `forbidden`).
    #[error("staff {staff} may not work at window {window} (无权在此窗口登录)")]
    NotStaffWindow { staff: String, window: String },
    /// Every caller session slot is taken (503 `busy`).
    #[error("too many caller sessions are open; try again later (登录会话已满，请稍后再试)")]
    CallerSessionsFull,
    /// A valid window staff (caller) token where a supervisor's is needed
    /// (403 `supervisor_required`): the token is right, the role is not.
    #[error("this needs a supervisor; the token is a window staff session (需要管理员权限，当前为窗口工作人员登录)")]
    NotSupervisor,
    /// A valid supervisor token where a window's caller session is needed
    /// (403 `caller_required`): supervisors act through their own API.
    #[error("this needs the window's staff session (POST /api/v1/windows/{{w}}/session); the token is a supervisor's (需要窗口工作人员登录，当前为管理员登录)")]
    NotCaller,
}

/// Why an MQTT device's CONNECT is refused; the gate answers each with a
/// CONNACK code and logs [`DeviceAuthError::reason`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DeviceAuthError {
    /// No username (CONNACK not authorized).
    #[error("no username")]
    NoUsername,
    /// The username is not a configured device (bad credentials).
    #[error("unknown device")]
    UnknownDevice,
    /// The password is not the device's (bad credentials).
    #[error("wrong password")]
    WrongPassword,
    /// Too many wrong passwords for this device id (not authorized, until
    /// the lockout ends; `tingwu_core::lockout`).
    #[error("locked out after wrong passwords")]
    LockedOut,
    /// The client id is not the username (identifier rejected).
    #[error("client id differs from username")]
    ClientIdMismatch,
    /// A will on another topic than the device's status (not authorized).
    #[error("will topic is not the device's status topic")]
    BadWill,
}

impl DeviceAuthError {
    /// The refusal's reason, for logs and the gate's error.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::NoUsername => "no username",
            Self::UnknownDevice => "unknown device",
            Self::WrongPassword => "wrong password",
            Self::LockedOut => "locked out after wrong passwords",
            Self::ClientIdMismatch => "client id differs from username",
            Self::BadWill => "will topic is not the device's status topic",
        }
    }
}

/// What an MQTT CONNECT presents.
#[derive(Debug, Clone, Copy)]
pub struct DeviceCredentials<'a> {
    pub username: Option<&'a str>,
    pub password: Option<&'a [u8]>,
    pub client_id: &'a str,
    /// The will's topic, if the CONNECT has a will.
    pub will_topic: Option<&'a str>,
}

/// A supervisor credential as a request presents it, for actions where a
/// supervisor is optional (a green-channel ticket).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Claim {
    /// The request names no supervisor.
    #[default]
    Absent,
    /// The request carries an `Authorization` header; its bearer token if
    /// it is one (None: the header is there but holds no bearer token).
    Bearer(Option<String>),
}

pub use tingwu_actors::core::secret::{same_secret, same_secret_bytes};

impl From<Attempt> for AuthError {
    /// A supervisor password attempt's refusal.
    fn from(e: Attempt) -> Self {
        match e {
            Attempt::Locked(l) => Self::LockedOut { left_s: l.left_s },
            Attempt::Wrong => Self::WrongPassword,
        }
    }
}

fn new_token() -> String {
    let mut raw = [0u8; 24];
    rand::thread_rng().fill_bytes(&mut raw);
    raw.iter().map(|b| format!("{b:02x}")).collect()
}

/// Supervisor sessions: token → (user, expiry).
pub struct Sessions {
    tokens: Mutex<HashMap<String, (String, Instant)>>,
    max: usize,
}

impl Default for Sessions {
    fn default() -> Self {
        Self::with_capacity(MAX_SESSIONS)
    }
}

impl Sessions {
    /// At most `max` sessions are open at once.
    pub fn with_capacity(max: usize) -> Self {
        Self {
            tokens: Mutex::new(HashMap::new()),
            max,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (String, Instant)>> {
        // Nothing here can leave the map half-changed; a poisoned lock is
        // still a usable map.
        self.tokens.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A new session token for `user`, or None when every session slot is
    /// taken (expired sessions are dropped first).
    pub fn open(&self, user: &str) -> Option<String> {
        let mut map = self.lock();
        let now = Instant::now();
        map.retain(|_, (_, exp)| *exp > now);
        if map.len() >= self.max {
            return None;
        }
        let token = new_token();
        map.insert(token.clone(), (user.to_string(), now + SUPERVISOR_SESSION));
        Some(token)
    }

    /// The supervisor a token belongs to, if it is valid.
    pub fn user(&self, token: &str) -> Option<String> {
        self.lock()
            .get(token)
            .filter(|(_, exp)| *exp > Instant::now())
            .map(|(u, _)| u.clone())
    }
}

/// Who a caller token speaks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallerSession {
    pub window: String,
    pub staff: String,
}

#[derive(Default)]
struct CallerInner {
    tokens: HashMap<String, (CallerSession, Instant)>,
}

/// The caller sessions of the hall; separate from the supervisors'.
pub struct CallerSessions {
    inner: Mutex<CallerInner>,
    max: usize,
}

impl Default for CallerSessions {
    fn default() -> Self {
        Self::with_capacity(MAX_SESSIONS)
    }
}

impl CallerSessions {
    /// At most `max` caller sessions are open at once.
    pub fn with_capacity(max: usize) -> Self {
        Self {
            inner: Mutex::new(CallerInner::default()),
            max,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, CallerInner> {
        // Nothing here can leave the maps half-changed; a poisoned lock is
        // still usable.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A new token for `session`, or None when every slot is taken
    /// (expired sessions are dropped first).
    pub fn open(&self, session: CallerSession) -> Option<String> {
        let mut inner = self.lock();
        let now = Instant::now();
        inner.tokens.retain(|_, (_, exp)| *exp > now);
        if inner.tokens.len() >= self.max {
            return None;
        }
        let token = new_token();
        inner
            .tokens
            .insert(token.clone(), (session, now + CALLER_SESSION));
        Some(token)
    }

    /// The session a token belongs to, if it is valid.
    pub fn get(&self, token: &str) -> Option<CallerSession> {
        self.lock()
            .tokens
            .get(token)
            .filter(|(_, exp)| *exp > Instant::now())
            .map(|(s, _)| s.clone())
    }

    /// Forgets a token; true if it was open.
    pub fn close(&self, token: &str) -> bool {
        self.lock().tokens.remove(token).is_some()
    }
}

/// A caller login: the token and who it speaks for.
#[derive(Debug, Clone)]
pub struct CallerLogin {
    pub token: String,
    pub window: String,
    pub staff_id: String,
    pub staff_name: String,
    /// Seconds until the token expires.
    pub expires_in: u64,
}

impl App {
    /// Supervisor login: a bearer token for `user`, valid for
    /// [`SUPERVISOR_SESSION`].
    pub fn login(&self, user: &str, password: &str) -> Result<String, AuthError> {
        let sup = self
            .dir
            .config
            .supervisors
            .iter()
            .find(|sup| sup.user == user);
        let Some(sup) = sup else {
            // An unknown user has no secret to guess and no lockout record
            // (the table holds configured keys only).
            tracing::warn!(user = %user, "supervisor login refused: unknown user");
            return Err(AuthError::WrongPassword);
        };
        self.lockouts
            .attempt(
                Credential::SupervisorPassword,
                &sup.user,
                self.dir.clock.now(),
                || super::passwords::verify(password, &sup.password),
            )
            .map_err(AuthError::from)?;
        let Some(token) = self.sessions.open(user) else {
            tracing::warn!(user = %user, "supervisor login refused: every session slot is taken");
            return Err(AuthError::SupervisorSessionsFull);
        };
        tracing::info!(user = %user, "supervisor logged in");
        Ok(token)
    }

    /// The supervisor behind a bearer token (surrounding blanks ignored).
    pub fn supervisor(&self, token: Option<&str>) -> Result<String, AuthError> {
        let token = token.ok_or(AuthError::NoSupervisorToken)?.trim();
        if let Some(user) = self.sessions.user(token) {
            return Ok(user);
        }
        if self.callers.get(token).is_some() {
            return Err(AuthError::NotSupervisor);
        }
        Err(AuthError::UnknownSupervisorToken)
    }

    /// The supervisor a request claims to be, if it claims one: `Ok(None)`
    /// without a claim, an error if the claim is not a valid token.
    pub fn supervisor_if_any(&self, claim: &Claim) -> Result<Option<String>, AuthError> {
        match claim {
            Claim::Absent => Ok(None),
            Claim::Bearer(token) => self.supervisor(token.as_deref()).map(Some),
        }
    }

    /// An MQTT device's CONNECT: the device id when the username is a
    /// configured device, the password its own, the client id the username
    /// and any will on the device's own status topic.
    pub fn device_login(&self, c: &DeviceCredentials<'_>) -> Result<String, DeviceAuthError> {
        let user = c.username.ok_or(DeviceAuthError::NoUsername)?;
        let device = self
            .dir
            .config
            .devices
            .iter()
            .find(|d| d.id == user)
            .ok_or(DeviceAuthError::UnknownDevice)?;
        self.lockouts
            .attempt(
                Credential::DevicePassword,
                &device.id,
                self.dir.clock.now(),
                || {
                    c.password
                        .is_some_and(|p| same_secret_bytes(p, device.password.as_bytes()))
                },
            )
            .map_err(|e| match e {
                Attempt::Locked(_) => DeviceAuthError::LockedOut,
                Attempt::Wrong => DeviceAuthError::WrongPassword,
            })?;
        if c.client_id != user {
            return Err(DeviceAuthError::ClientIdMismatch);
        }
        if let Some(topic) = c.will_topic {
            let own = Topics::new(self.dir.config.hall.id.clone()).device_status(user);
            if topic != own {
                return Err(DeviceAuthError::BadWill);
            }
        }
        Ok(user.to_string())
    }

    /// Checks a staff member's PIN through the lockout rule (every PIN path:
    /// the caller page, the window terminal's `login` over MQTT or RS-485).
    /// An unknown staff id is refused like a wrong PIN, without a record.
    pub fn check_pin(&self, staff: &str, pin: &str) -> Result<&StaffConfig, AuthError> {
        // As typed: a full-width staff id or PIN is the same one.
        let (staff, pin) = (typed::text(staff), typed::text(pin));
        let (staff, pin) = (staff.as_str(), pin.as_str());
        let Some(person) = self.dir.config.staff.iter().find(|p| p.id == staff) else {
            tracing::warn!(staff = %staff, "PIN refused: unknown staff id");
            return Err(AuthError::WrongPin);
        };
        self.lockouts
            .attempt(
                Credential::StaffPin,
                &person.id,
                self.dir.clock.now(),
                || same_secret(pin, &person.pin),
            )
            .map_err(|e| match e {
                Attempt::Locked(l) => AuthError::LockedOut { left_s: l.left_s },
                Attempt::Wrong => AuthError::WrongPin,
            })?;
        Ok(person)
    }

    /// Checks that the caller page names a window of the hall.
    pub fn caller_window(&self, window: &str) -> Result<(), AuthError> {
        if self.dir.windows.contains_key(window) {
            Ok(())
        } else {
            Err(AuthError::UnknownWindow(window.to_string()))
        }
    }

    /// A caller token for staff member `staff` at `window`, after checking
    /// the PIN, the lockout and that they may work there. It does not log
    /// the window in (the page sends the `login` command for that).
    pub fn open_caller(
        &self,
        window: &str,
        staff: &str,
        pin: &str,
    ) -> Result<CallerLogin, AuthError> {
        self.caller_window(window)?;
        let person = self.check_pin(staff, pin).inspect_err(|e| {
            tracing::warn!(window = %window, staff = %staff, error = %e, "caller login refused");
        })?;
        if !person.windows.is_empty() && !person.windows.iter().any(|w| w == window) {
            tracing::warn!(window = %window, staff = %person.id, "caller login refused: not this staff member's window");
            return Err(AuthError::NotStaffWindow {
                staff: person.id.clone(),
                window: window.to_string(),
            });
        }
        let session = CallerSession {
            window: window.to_string(),
            staff: person.id.clone(),
        };
        let Some(token) = self.callers.open(session) else {
            tracing::warn!(window = %window, "caller login refused: every session slot is taken");
            return Err(AuthError::CallerSessionsFull);
        };
        tracing::info!(window = %window, staff = %person.id, "caller session opened");
        Ok(CallerLogin {
            token,
            window: window.to_string(),
            staff_id: person.id.clone(),
            staff_name: person.name.clone(),
            expires_in: CALLER_SESSION.as_secs(),
        })
    }

    /// The caller session behind `token`, which must be `window`'s.
    pub fn caller(&self, window: &str, token: Option<&str>) -> Result<CallerSession, AuthError> {
        self.caller_window(window)?;
        let token = token.ok_or(AuthError::NoCallerToken)?;
        let Some(session) = self.callers.get(token) else {
            if self.sessions.user(token.trim()).is_some() {
                return Err(AuthError::NotCaller);
            }
            return Err(AuthError::UnknownCallerToken);
        };
        if session.window != window {
            return Err(AuthError::OtherWindow {
                own: session.window,
                asked: window.to_string(),
            });
        }
        Ok(session)
    }

    /// Forgets `window`'s caller token.
    pub fn close_caller(&self, window: &str, token: Option<&str>) -> Result<(), AuthError> {
        self.caller(window, token)?;
        if let Some(t) = token {
            self.callers.close(t);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_supervisor_table_gives_no_token() {
        let sessions = Sessions::with_capacity(2);
        let a = sessions.open("admin").unwrap();
        let b = sessions.open("admin").unwrap();
        assert_ne!(a, b);
        assert_eq!(
            sessions.open("admin"),
            None,
            "no token that is never stored"
        );
        assert_eq!(sessions.user(&a).as_deref(), Some("admin"));
        assert_eq!(sessions.user(&b).as_deref(), Some("admin"));
        assert_eq!(sessions.user("forged"), None);
    }

    #[test]
    fn a_full_caller_table_gives_no_token() {
        let sessions = CallerSessions::with_capacity(1);
        let who = CallerSession {
            window: "1".into(),
            staff: "S01".into(),
        };
        let t = sessions.open(who.clone()).unwrap();
        assert_eq!(sessions.open(who.clone()), None);
        assert!(sessions.close(&t));
        assert!(sessions.open(who).is_some());
    }

    #[actix::test]
    async fn device_credentials_are_checked_whole() {
        let (app, _keys) = crate::app::testing::demo_app();
        let status = Topics::new(app.directory().config.hall.id.clone()).device_status("T01");
        let creds = |user: Option<&'static str>, pw: &'static [u8], client: &'static str| {
            DeviceCredentials {
                username: user,
                password: Some(pw),
                client_id: client,
                will_topic: None,
            }
        };
        let ok = creds(Some("T01"), b"demo-pass-T01", "T01");
        assert_eq!(app.device_login(&ok).as_deref(), Ok("T01"));
        let with_will = DeviceCredentials {
            will_topic: Some(&status),
            ..ok
        };
        assert!(app.device_login(&with_will).is_ok());
        let bad_will = DeviceCredentials {
            will_topic: Some("tingwu/v1/x/device/T02/status"),
            ..ok
        };
        assert_eq!(app.device_login(&bad_will), Err(DeviceAuthError::BadWill));
        let cases = [
            (
                creds(None, b"demo-pass-T01", "T01"),
                DeviceAuthError::NoUsername,
            ),
            (
                creds(Some("T99"), b"demo-pass-T01", "T99"),
                DeviceAuthError::UnknownDevice,
            ),
            (
                creds(Some("T01"), b"demo-pass-T0", "T01"),
                DeviceAuthError::WrongPassword,
            ),
            (
                creds(Some("T01"), b"demo-pass-T01", "T02"),
                DeviceAuthError::ClientIdMismatch,
            ),
        ];
        for (c, want) in cases {
            assert_eq!(app.device_login(&c), Err(want));
        }
        let no_password = DeviceCredentials {
            password: None,
            ..ok
        };
        assert_eq!(
            app.device_login(&no_password),
            Err(DeviceAuthError::WrongPassword)
        );
    }

    #[test]
    fn the_caller_token_hint_names_the_route_literally() {
        assert_eq!(
            AuthError::NoCallerToken.to_string(),
            "a caller token is needed: POST /api/v1/windows/{w}/session (需要工作人员登录)"
        );
    }
}
