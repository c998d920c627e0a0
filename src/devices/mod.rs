//! Links to the hall's devices: the I/O under the device actors.
//! Codecs live in `tingwu-protocols`; the rules in the actors.

pub mod bus_link;
pub mod card_reader_link;
pub mod printer_link;
pub mod serial_line;

use std::net::SocketAddr;

use tingwu_actors::directory::Directory;
use tingwu_actors::printer::{AttachLink, JOB_QUEUE};
use tokio::sync::mpsc;

use crate::app::App;

/// Starts a link task per configured printer and attaches it to its actor.
/// QR codes on tickets point at `[ticket] status_base_url`, else at the
/// server's own HTTP address.
pub async fn start_printers(dir: &Directory, http: SocketAddr) {
    let base = dir
        .config
        .ticket
        .status_base_url
        .clone()
        .unwrap_or_else(|| format!("http://{http}"));
    for cfg in &dir.config.printers {
        let Some(actor) = dir.printers.get(&cfg.id) else {
            continue;
        };
        let (tx, rx) = mpsc::channel(JOB_QUEUE);
        if actor
            .send(AttachLink {
                jobs: tx,
                status_base_url: base.clone(),
            })
            .await
            .is_err()
        {
            tracing::error!(printer = %cfg.id, "printer actor gone before its link started");
            continue;
        }
        printer_link::spawn(cfg.clone(), actor.clone(), rx);
    }
}

/// Starts a link task per configured ID-card reader; each seals and
/// admits through `app`.
pub fn start_card_readers(app: &App) {
    let ctx = card_reader_link::ReaderContext { app: app.clone() };
    let dir = app.directory();
    for cfg in &dir.config.card_readers {
        if let Some(actor) = dir.card_readers.get(&cfg.id) {
            card_reader_link::spawn(cfg.clone(), actor.clone(), ctx.clone());
        }
    }
}
