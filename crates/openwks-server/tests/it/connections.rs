//! Slow and silent clients: a connection that does not send its headers in time is closed, a
//! body that does not arrive in time is answered 408, and however many stalled connections
//! there are, a signed request still gets through.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::harness::TestApp;

async fn app(max_connections: usize) -> TestApp {
    TestApp::with(
        Arc::new(tempfile::tempdir().expect("tempdir")),
        openwks_server::Settings {
            header_timeout: Duration::from_millis(300),
            body_timeout: Duration::from_millis(300),
            max_connections,
            ..TestApp::settings()
        },
    )
    .await
}

/// Read until the server closes the connection (or `within` passes: then `None`).
async fn until_closed(s: &mut TcpStream, within: Duration) -> Option<Vec<u8>> {
    let mut got = Vec::new();
    let deadline = Instant::now() + within;
    loop {
        let left = deadline.checked_duration_since(Instant::now())?;
        let mut buf = [0u8; 4096];
        match tokio::time::timeout(left, s.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return Some(got),
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
            Err(_) => return None,
        }
    }
}

#[tokio::test]
async fn stalled_connections_are_closed_and_signed_requests_still_get_through() {
    let app = app(8).await;
    // Twice as many silent or half-sent connections as the server serves at once.
    let mut stalled = Vec::new();
    for i in 0..16 {
        let mut s = TcpStream::connect(&app.host).await.expect("connect");
        if i % 2 == 0 {
            s.write_all(b"GET /v1/x/app-server-groups HTTP/1.1\r\nHost: x\r\nX-Slow: ")
                .await
                .expect("write");
        }
        stalled.push(s);
    }
    // A signed request gets its answer: the stalled ones are closed after the header timeout.
    let r = tokio::time::timeout(
        Duration::from_secs(10),
        app.get("/v1/{p}/app-server-groups"),
    )
    .await
    .expect("the signed request was answered while stalled connections were open");
    assert_eq!(r.status, 200, "{}", r.text);
    for (i, s) in stalled.iter_mut().enumerate() {
        let got = until_closed(s, Duration::from_secs(10)).await;
        assert!(got.is_some(), "stalled connection {i} was not closed");
    }
}

#[tokio::test]
async fn a_body_that_does_not_arrive_is_answered_408() {
    let app = app(64).await;
    let mut s = TcpStream::connect(&app.host).await.expect("connect");
    s.write_all(
        b"POST /v1/x/app-server-groups HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"name\":",
    )
    .await
    .expect("write");
    let got = until_closed(&mut s, Duration::from_secs(10))
        .await
        .expect("answered and closed");
    let text = String::from_utf8_lossy(&got);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("WKS.00000408"), "{text}");
    assert!(text.to_ascii_lowercase().contains("x-request-id"), "{text}");
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_after_the_header_timeout() {
    let app = app(64).await;
    let mut s = TcpStream::connect(&app.host).await.expect("connect");
    s.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .expect("write");
    let mut buf = [0u8; 1024];
    let n = s.read(&mut buf).await.expect("read");
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    // Then nothing: the connection does not stay open for ever.
    assert!(
        until_closed(&mut s, Duration::from_secs(10))
            .await
            .is_some(),
        "the idle connection stayed open"
    );
}
