//! The embedded broker (rumqttd), listening on a loopback port that only the
//! gate and the server use. Devices reach it through the gate.
//!
//! rumqttd has no shutdown API: it runs on its own thread until the process
//! exits. It keeps retained messages in memory only, so the edge publishes
//! every window's state again after each (re)connect. Its own `[prometheus]`
//! section stays unset (it would pull an older metrics crate).

use std::collections::HashMap;
use std::net::{SocketAddr, TcpListener};

use tingwu_actors::config::HallConfig;
use tracing::{error, info};

#[derive(Debug, thiserror::Error)]
pub enum BrokerError {
    #[error("cannot find a free loopback port for the embedded broker: {0}")]
    Port(std::io::Error),
    #[error("embedded broker configuration rejected: {0}")]
    Config(String),
    #[error("cannot start the embedded broker thread: {0}")]
    Thread(std::io::Error),
}

/// Credentials of the server's own client on the internal broker.
pub struct Internal {
    pub addr: SocketAddr,
    pub user: String,
    pub password: String,
}

pub fn start(cfg: &HallConfig) -> Result<Internal, BrokerError> {
    let addr = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(BrokerError::Port)?;
    let user = "tingwu-server".to_string();
    let password: String = {
        use rand::RngCore;
        let mut raw = [0u8; 16];
        rand::thread_rng().fill_bytes(&mut raw);
        raw.iter().map(|b| format!("{b:02x}")).collect()
    };
    let mut auth: HashMap<String, String> = cfg
        .devices
        .iter()
        .map(|d| (d.id.clone(), d.password.clone()))
        .collect();
    auth.insert(user.clone(), password.clone());
    let text = format!(
        r#"
id = 0
[router]
id = 0
max_connections = 10010
max_outgoing_packet_count = 200
max_segment_size = 104857600
max_segment_count = 10

[v4.1]
name = "internal"
listen = "{addr}"
next_connection_delay_ms = 1
    [v4.1.connections]
    connection_timeout_ms = 60000
    max_payload_size = 65536
    max_inflight_count = 200
    dynamic_filters = true
"#
    );
    let mut config: rumqttd::Config =
        toml::from_str(&text).map_err(|e| BrokerError::Config(e.to_string()))?;
    if let Some(server) = config.v4.as_mut().and_then(|v4| v4.get_mut("1")) {
        server.connections.auth = Some(auth);
    }
    std::thread::Builder::new()
        .name("mqtt-broker".into())
        .spawn(move || {
            let mut broker = rumqttd::Broker::new(config);
            if let Err(e) = broker.start() {
                error!(error = %e, "embedded MQTT broker stopped");
            }
        })
        .map_err(BrokerError::Thread)?;
    // rumqttd binds on its own thread; wait until it accepts connections.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while std::net::TcpStream::connect(addr).is_err() {
        if std::time::Instant::now() > deadline {
            return Err(BrokerError::Config(format!(
                "embedded broker did not listen on {addr}"
            )));
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    info!(%addr, "embedded MQTT broker started (internal)");
    Ok(Internal {
        addr,
        user,
        password,
    })
}
