//! The axum router, built from the route table ([`crate::routes`]).

use axum::extract::Request;
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use axum::routing::on;
use axum::Router;
use tokio::net::TcpListener;

use crate::authz::Guarded;
use crate::error::not_implemented;
use crate::error::{ApiError, EcsApiError, Failure, Transport};
use crate::route::{Dialect, Route};
use crate::routes::{dialect_of_path, unimplemented_sdk_operations, ROUTES};
use crate::{middleware, AppState};

/// An error in the dialect of the collection `uri` is in ([`dialect_of_path`]).
fn in_dialect(uri: &Uri, f: Failure) -> Response {
    match dialect_of_path(uri.path()) {
        Dialect::Wks => ApiError(f).into_response(),
        Dialect::Ecs => EcsApiError(f).into_response(),
    }
}

async fn no_such_api(uri: Uri) -> Response {
    in_dialect(
        &uri,
        Failure::Transport(
            Transport::NoSuchApi,
            "The API does not exist or has not been published".into(),
        ),
    )
}

async fn method_not_allowed(uri: Uri) -> Response {
    in_dialect(
        &uri,
        Failure::Transport(
            Transport::MethodNotAllowed,
            "The method specified in the request is not allowed for this resource.".into(),
        ),
    )
}

/// The router: every row of [`ROUTES`] with its authorization carried on it, every SDK
/// operation openwks does not implement as a vendor-shaped 501, then the fallbacks. Nothing
/// here names a path: they all come from the table.
pub fn router(state: AppState) -> Router {
    let guard = |route: Option<&'static Route>| {
        axum::middleware::from_fn_with_state(
            Guarded {
                st: state.clone(),
                route,
            },
            crate::authz::authorize,
        )
    };
    let mut r = Router::new();
    for route in ROUTES {
        r = r.route(
            route.path,
            (route.handler)(route.method.filter()).route_layer(guard(Some(route))),
        );
    }
    for (_, method, path) in unimplemented_sdk_operations() {
        r = r.route(
            &path,
            on(method.filter(), not_implemented).route_layer(guard(None)),
        );
    }
    r.fallback(no_such_api)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn(middleware::keep_matched_path))
        .with_state(state)
}

/// The complete application: the router wrapped in the outer (pre-routing) middleware.
pub fn app(
    state: AppState,
) -> impl Clone
       + tower::Service<
    Request,
    Response = axum::response::Response,
    Error = std::convert::Infallible,
    Future: Send,
> + Send
       + 'static {
    let outer = axum::middleware::from_fn_with_state(state.clone(), middleware::outer);
    tower::Layer::layer(&outer, router(state))
}

/// Serve on an already bound listener until `shutdown` resolves, then let the connections
/// in flight finish. Each connection gets [`crate::Settings::header_timeout`] to send a
/// request's headers (and as much idle time between requests) and is closed after it: a
/// silent or slow client holds a connection no longer than that. At most
/// [`crate::Settings::max_connections`] are served at once; the next waits in the listen
/// backlog, so stalled clients cannot use up the process's file descriptors.
pub async fn serve_with_listener(
    listener: TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use std::sync::Arc;
    use tower::ServiceExt as _;

    let settings = state.settings.clone();
    let app = app(state);
    let slots = Arc::new(tokio::sync::Semaphore::new(settings.max_connections.max(1)));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(settings.header_timeout)
        .keep_alive(true);
    tokio::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            s = Arc::clone(&slots).acquire_owned() => match s {
                Ok(s) => s,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let (stream, _peer) = tokio::select! {
            a = listener.accept() => match a {
                Ok(a) => a,
                Err(e) => {
                    // Out of descriptors or a connection reset before accept: wait a little
                    // rather than spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let svc = app
            .clone()
            .map_request(|req: hyper::Request<hyper::body::Incoming>| {
                req.map(axum::body::Body::new)
            });
        let conn = http.serve_connection(
            TokioIo::new(stream),
            hyper_util::service::TowerToHyperService::new(svc),
        );
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            // Errors here are the client's (a reset, a header timeout): nothing to answer.
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, "connection closed");
            }
            drop(slot);
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}
