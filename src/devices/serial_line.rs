//! One serial line shared by a protocol client (which owns a handle as its
//! transport, e.g. tokio-modbus's RTU client) and the link that drives it,
//! so that the link can bring the line back to a known state between
//! requests (issue 8, item 6).
//!
//! tokio-modbus clears its own frame buffer before each request, but bytes
//! already waiting in the serial driver (a reply that came after the
//! master's timeout, a repeated frame) are read as the answer to the next
//! request: the bus then reads every later reply one frame behind, for good
//! (tokio-modbus #113, pymodbus #2636). A link therefore
//! - takes whatever is waiting off the line before every request
//!   ([`SharedLine::drain_waiting`], no waiting), and
//! - after a timeout or a protocol error, waits until the line has been
//!   quiet for a while, discarding what arrives ([`SharedLine::resync`]), so
//!   that a reply still on its way is not taken for the next one.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, ReadBuf};
use tokio::time::Instant;

/// At most this many bytes are taken off the line by one drain: a line
/// that keeps talking is reported as not quiet rather than read forever.
pub const DRAIN_LIMIT: usize = 64 * 1024;

/// A serial line with two handles: clones share the same port.
#[derive(Debug)]
pub struct SharedLine<T>(Arc<Mutex<T>>);

impl<T> Clone for SharedLine<T> {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

/// What a drain took off the line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Drained {
    /// Bytes discarded.
    pub bytes: usize,
    /// The first byte discarded: on a Modbus RTU line, the unit address of
    /// the frame that was waiting.
    pub first: Option<u8>,
    /// False when the line did not fall quiet within the time allowed (or
    /// [`DRAIN_LIMIT`] was reached).
    pub quiet: bool,
}

impl Drained {
    fn take(&mut self, bytes: &[u8]) {
        if self.first.is_none() {
            self.first = bytes.first().copied();
        }
        self.bytes += bytes.len();
    }
}

impl<T> SharedLine<T> {
    /// Wraps a port.
    pub fn new(port: T) -> Self {
        Self(Arc::new(Mutex::new(port)))
    }

    fn lock(&self) -> io::Result<MutexGuard<'_, T>> {
        self.0
            .lock()
            .map_err(|_| io::Error::other("serial line lock poisoned"))
    }
}

impl<T: AsyncRead + Unpin> SharedLine<T> {
    /// Takes off the line whatever input is waiting now, without waiting
    /// for more. Errors are the port's.
    pub async fn drain_waiting(&self) -> io::Result<Drained> {
        let mut drained = Drained {
            quiet: true,
            ..Drained::default()
        };
        let mut buf = [0u8; 256];
        std::future::poll_fn(|cx| loop {
            if drained.bytes >= DRAIN_LIMIT {
                drained.quiet = false;
                return Poll::Ready(Ok(drained));
            }
            let mut guard = match self.lock() {
                Ok(g) => g,
                Err(e) => return Poll::Ready(Err(e)),
            };
            let mut rb = ReadBuf::new(&mut buf);
            match Pin::new(&mut *guard).poll_read(cx, &mut rb) {
                Poll::Ready(Ok(())) if rb.filled().is_empty() => return Poll::Ready(Ok(drained)),
                Poll::Ready(Ok(())) => drained.take(rb.filled()),
                Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::WouldBlock => {
                    return Poll::Ready(Ok(drained))
                }
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Ready(Ok(drained)),
            }
        })
        .await
    }

    /// Reads and discards input until the line has been quiet for `quiet`,
    /// giving up (`quiet: false`) after `max`. Errors are the port's.
    pub async fn resync(&self, quiet: Duration, max: Duration) -> io::Result<Drained> {
        let give_up = Instant::now() + max;
        let mut drained = Drained::default();
        let mut reader = self.clone();
        let mut buf = [0u8; 256];
        loop {
            let now = Instant::now();
            if now >= give_up || drained.bytes >= DRAIN_LIMIT {
                return Ok(drained);
            }
            let wait = quiet.min(give_up - now);
            match tokio::time::timeout(wait, reader.read(&mut buf)).await {
                Err(_) if wait == quiet => {
                    drained.quiet = true;
                    return Ok(drained);
                }
                Err(_) => return Ok(drained),
                // End of input: nothing more can arrive.
                Ok(Ok(0)) => {
                    drained.quiet = true;
                    return Ok(drained);
                }
                Ok(Ok(n)) => drained.take(&buf[..n]),
                Ok(Err(e)) => return Err(e),
            }
        }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for SharedLine<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.lock() {
            Ok(mut g) => Pin::new(&mut *g).poll_read(cx, buf),
            Err(e) => Poll::Ready(Err(e)),
        }
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for SharedLine<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.lock() {
            Ok(mut g) => Pin::new(&mut *g).poll_write(cx, buf),
            Err(e) => Poll::Ready(Err(e)),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.lock() {
            Ok(mut g) => Pin::new(&mut *g).poll_flush(cx),
            Err(e) => Poll::Ready(Err(e)),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.lock() {
            Ok(mut g) => Pin::new(&mut *g).poll_shutdown(cx),
            Err(e) => Poll::Ready(Err(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncWriteExt;

    #[tokio::test]
    async fn drain_waiting_takes_what_is_there_and_does_not_wait() {
        let (mut far, near) = tokio::io::duplex(1024);
        let line = SharedLine::new(near);
        assert_eq!(line.drain_waiting().await.unwrap().bytes, 0);
        far.write_all(&[2, 3, 8, 0, 1]).await.unwrap();
        let d = line.drain_waiting().await.unwrap();
        assert_eq!((d.bytes, d.first, d.quiet), (5, Some(2), true));
        assert_eq!(line.drain_waiting().await.unwrap().bytes, 0);
    }

    #[tokio::test]
    async fn resync_discards_a_reply_still_on_its_way() {
        let (mut far, near) = tokio::io::duplex(1024);
        let line = SharedLine::new(near);
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(150)).await;
            far.write_all(&[7, 3, 2, 0, 0]).await.unwrap();
            tokio::time::sleep(Duration::from_secs(10)).await;
        });
        let d = line
            .resync(Duration::from_millis(300), Duration::from_secs(1))
            .await
            .unwrap();
        assert_eq!((d.bytes, d.first, d.quiet), (5, Some(7), true));
    }

    // Paused time: a loaded machine must not stall the writer into a quiet gap.
    #[tokio::test(start_paused = true)]
    async fn resync_gives_up_on_a_line_that_never_falls_quiet() {
        let (mut far, near) = tokio::io::duplex(1 << 16);
        let line = SharedLine::new(near);
        tokio::spawn(async move {
            loop {
                if far.write_all(&[0x55]).await.is_err() {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        });
        let d = line
            .resync(Duration::from_millis(50), Duration::from_millis(500))
            .await
            .unwrap();
        assert!(!d.quiet && d.bytes > 0, "{d:?}");
    }
}
