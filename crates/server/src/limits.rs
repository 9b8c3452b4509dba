//! Limits on a request's head, the URI and the header section, answered like every other
//! error: as `application/problem+json`.
//!
//! Two places enforce them. [`check_head`], a layer, refuses a URI longer than
//! [`MAX_URI_BYTES`] (414) or headers larger than [`MAX_HEADER_BYTES`] (431). Heads beyond
//! what hyper reads at all (a URI over 65,534 bytes, more than 100 headers, a head larger
//! than its buffer) never reach the router: hyper answers them itself, with an empty body,
//! and its limits cannot be raised past those. [`ProblemIo`] wraps each connection and
//! replaces those automatic answers with the same problem documents, so a client sees one
//! kind of answer whichever limit it met. [`Listener`] hands out such connections, with
//! the client's address as [`Peer`] for `ConnectInfo`.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use axum::extract::Request;
use axum::extract::connect_info::Connected;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::serve::IncomingStream;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpListener;

use crate::problem::{Kind, Problem};

/// The longest URI (path and query) served.
pub const MAX_URI_BYTES: usize = 8 * 1024;
/// The largest header section served: names and values, 4 bytes more per header for
/// `: ` and the line end.
pub const MAX_HEADER_BYTES: usize = 32 * 1024;

fn uri_too_long() -> Problem {
    Problem::new(
        Kind::UriTooLong,
        format!(
            "the request's URI is longer than {MAX_URI_BYTES} bytes, the most this server \
             reads; send large inputs in a request body"
        ),
    )
}

fn headers_too_large() -> Problem {
    Problem::new(
        Kind::HeadersTooLarge,
        format!(
            "the request's headers are larger than {MAX_HEADER_BYTES} bytes (or more than \
             100), the most this server reads"
        ),
    )
}

/// Refuses a request whose URI or headers are over the limits.
pub async fn check_head(request: Request, next: Next) -> Response {
    let uri = request.uri();
    let uri_bytes = uri.path_and_query().map_or(0, |p| p.as_str().len())
        + uri.authority().map_or(0, |a| a.as_str().len());
    if uri_bytes > MAX_URI_BYTES {
        return uri_too_long().into_response();
    }
    let header_bytes: usize = request
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum();
    if header_bytes > MAX_HEADER_BYTES {
        return headers_too_large().into_response();
    }
    next.run(request).await
}

/// A connection whose automatic 414 and 431 answers from hyper become problem documents.
///
/// Hyper writes such an answer as one head, `HTTP/1.1 414 …` with `content-length: 0`, and
/// then closes the connection. Answers of the API itself never look like that: its 414s and
/// 431s come from [`check_head`] and have a body. So the first write that starts so is
/// replaced, and since nothing follows on that connection, anything hyper writes after it
/// is dropped.
#[derive(Debug)]
pub struct ProblemIo<T> {
    inner: T,
    replacing: Option<Replacement>,
    replaced: bool,
}

#[derive(Debug)]
struct Replacement {
    bytes: Vec<u8>,
    written: usize,
    /// How much of hyper's write the replacement stands for.
    claimed: usize,
}

impl<T> ProblemIo<T> {
    pub fn new(inner: T) -> ProblemIo<T> {
        ProblemIo {
            inner,
            replacing: None,
            replaced: false,
        }
    }
}

/// The problem document standing for hyper's automatic answer in `head`, if it is one.
fn replacement(head: &[u8]) -> Option<Replacement> {
    let problem = if head.starts_with(b"HTTP/1.1 414 ") {
        uri_too_long()
    } else if head.starts_with(b"HTTP/1.1 431 ") {
        headers_too_large()
    } else {
        return None;
    };
    const EMPTY: &[u8] = b"\r\ncontent-length: 0\r\n";
    let end = head.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let empty = head[..end]
        .windows(EMPTY.len())
        .any(|w| w.eq_ignore_ascii_case(EMPTY));
    if !empty {
        return None;
    }
    let body = serde_json::to_vec(&problem).ok()?;
    let status_line = &head[..head.windows(2).position(|w| w == b"\r\n")?];
    let mut bytes = Vec::with_capacity(status_line.len() + body.len() + 128);
    bytes.extend_from_slice(status_line);
    bytes.extend_from_slice(
        format!(
            "\r\ncontent-type: application/problem+json\r\ncontent-length: {}\r\n\
             connection: close\r\n\r\n",
            body.len()
        )
        .as_bytes(),
    );
    bytes.extend_from_slice(&body);
    Some(Replacement {
        bytes,
        written: 0,
        claimed: end,
    })
}

impl<T: AsyncWrite + Unpin> ProblemIo<T> {
    /// Writes the replacement started for `buf` (or starts one if `buf` is hyper's
    /// answer); `None` when `buf` is an ordinary write.
    fn poll_replace(
        &mut self,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Option<Poll<io::Result<usize>>> {
        if self.replaced {
            // The connection is closing: whatever hyper still writes is not sent.
            return Some(Poll::Ready(Ok(buf.len())));
        }
        if self.replacing.is_none() {
            self.replacing = Some(replacement(buf)?);
        }
        let replacing = self.replacing.as_mut()?;
        while replacing.written < replacing.bytes.len() {
            let rest = &replacing.bytes[replacing.written..];
            match Pin::new(&mut self.inner).poll_write(cx, rest) {
                Poll::Ready(Ok(0)) => {
                    return Some(Poll::Ready(Err(io::ErrorKind::WriteZero.into())));
                }
                Poll::Ready(Ok(n)) => replacing.written += n,
                Poll::Ready(Err(e)) => return Some(Poll::Ready(Err(e))),
                Poll::Pending => return Some(Poll::Pending),
            }
        }
        let claimed = replacing.claimed;
        self.replacing = None;
        self.replaced = true;
        Some(Poll::Ready(Ok(claimed)))
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for ProblemIo<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for ProblemIo<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if let Some(poll) = this.poll_replace(cx, buf) {
            return poll;
        }
        Pin::new(&mut this.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.replaced {
            return Poll::Ready(Ok(bufs.iter().map(|b| b.len()).sum()));
        }
        // A head is the first buffer hyper hands over.
        if let Some(first) = bufs.iter().find(|b| !b.is_empty())
            && let Some(poll) = this.poll_replace(cx, first)
        {
            return poll;
        }
        Pin::new(&mut this.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.replacing.is_some() {
            // Only reached if hyper flushes between a pending write and its retry.
            ready!(this.poll_replace(cx, &[]).unwrap_or(Poll::Ready(Ok(0))))?;
        }
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

/// A listener whose connections are [`ProblemIo`]s.
#[derive(Debug)]
pub struct Listener<L>(pub L);

impl<L: axum::serve::Listener> axum::serve::Listener for Listener<L>
where
    L::Io: Unpin,
{
    type Io = ProblemIo<L::Io>;
    type Addr = L::Addr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let (io, address) = self.0.accept().await;
        (ProblemIo::new(io), address)
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.0.local_addr()
    }
}

/// The client's address, as `ConnectInfo<Peer>` in a request's extensions when the server
/// runs on a socket (router tests have none).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Peer(pub SocketAddr);

impl Connected<IncomingStream<'_, Listener<TcpListener>>> for Peer {
    fn connect_info(stream: IncomingStream<'_, Listener<TcpListener>>) -> Peer {
        Peer(*stream.remote_addr())
    }
}
