//! A raw HTTP/1.1 server on 127.0.0.1 that answers each connection with whatever a test or the
//! soak asks for: good feeds, errors, garbage, half answers, or nothing at all.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// What to do with one request.
#[derive(Clone, Debug)]
pub enum Reply {
    /// A complete response: status line (e.g. "200 OK"), body.
    Full(&'static str, Vec<u8>),
    /// Headers promising `promised` bytes, then only the body given, then close.
    Cut(usize, Vec<u8>),
    /// Read the request and never answer (the connection is held open).
    Stall,
    /// Close the connection without a word.
    Close,
    /// A body sent chunked (no content-length), in pieces.
    Chunked(Vec<u8>),
    /// These bytes exactly, status line and headers included, then close: for answers no
    /// well-behaved server gives (lying lengths, odd headers, redirects to anywhere).
    Raw(Vec<u8>),
    /// A 200 whose chunked body never ends: `piece` again and again, every `every`.
    Endless(Vec<u8>, Duration),
    /// Reset the connection (RST, not FIN) after reading the request.
    Reset,
}

impl Reply {
    pub fn ok(body: impl Into<Vec<u8>>) -> Reply {
        Reply::Full("200 OK", body.into())
    }
}

pub struct RawServer {
    pub url: String,
    pub hits: Arc<AtomicUsize>,
    task: JoinHandle<()>,
}

impl RawServer {
    /// Serves `path` on a free port; `reply(n)` decides the answer to the n-th request (from 0).
    pub async fn start<F>(path: &str, reply: F) -> RawServer
    where
        F: Fn(usize) -> Reply + Send + Sync + 'static,
    {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}{path}", listener.local_addr().unwrap());
        let hits = Arc::new(AtomicUsize::new(0));
        let counter = hits.clone();
        let reply = Arc::new(reply);
        let task = tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let n = counter.fetch_add(1, Ordering::SeqCst);
                let reply = reply.clone();
                tokio::spawn(async move {
                    let mut request = Vec::new();
                    let mut buf = [0u8; 4096];
                    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                        match socket.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(read) => request.extend_from_slice(&buf[..read]),
                        }
                        // Not HTTP (a TLS ClientHello, say): answer as plain HTTP servers do.
                        if !request[0].is_ascii_uppercase() {
                            let _ = socket
                                .write_all(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                                .await;
                            return;
                        }
                    }
                    match reply(n) {
                        Reply::Full(status, body) => {
                            let head = format!(
                                "HTTP/1.1 {status}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                                body.len()
                            );
                            let _ = socket.write_all(head.as_bytes()).await;
                            let _ = socket.write_all(&body).await;
                        }
                        Reply::Cut(promised, body) => {
                            let head = format!(
                                "HTTP/1.1 200 OK\r\ncontent-length: {promised}\r\nconnection: close\r\n\r\n"
                            );
                            let _ = socket.write_all(head.as_bytes()).await;
                            let _ = socket.write_all(&body).await;
                        }
                        Reply::Stall => {
                            tokio::time::sleep(Duration::from_secs(3600)).await;
                        }
                        Reply::Close => {}
                        Reply::Raw(bytes) => {
                            let _ = socket.write_all(&bytes).await;
                        }
                        Reply::Endless(piece, every) => {
                            let head = "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n";
                            let _ = socket.write_all(head.as_bytes()).await;
                            let chunk = [
                                format!("{:x}\r\n", piece.len()).into_bytes(),
                                piece,
                                b"\r\n".to_vec(),
                            ]
                            .concat();
                            while socket.write_all(&chunk).await.is_ok() {
                                tokio::time::sleep(every).await;
                            }
                            return;
                        }
                        Reply::Reset => {
                            // A zero linger makes the close an RST and never blocks.
                            #[allow(deprecated)]
                            let _ = socket.set_linger(Some(Duration::ZERO));
                            return;
                        }
                        Reply::Chunked(body) => {
                            let head = "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n";
                            let _ = socket.write_all(head.as_bytes()).await;
                            for piece in body.chunks(64 * 1024) {
                                let size = format!("{:x}\r\n", piece.len());
                                let _ = socket.write_all(size.as_bytes()).await;
                                let _ = socket.write_all(piece).await;
                                let _ = socket.write_all(b"\r\n").await;
                            }
                            let _ = socket.write_all(b"0\r\n\r\n").await;
                        }
                    }
                    let _ = socket.shutdown().await;
                });
            }
        });
        RawServer { url, hits, task }
    }

    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

impl Drop for RawServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}
