//! Tracing: every request runs in a `request` span that carries the id the client gets in
//! `X-Request-Id` (so every line logged while it runs names it), and every write batch of the
//! store in a `write_batch` span that says how many writes it carried and whether it committed.

use std::collections::HashMap;
use std::fmt::Debug;
use std::sync::{Mutex, OnceLock};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::Subscriber;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

use crate::harness::TestApp;

/// Every span seen: its name and its fields (as recorded so far), in order of creation.
type Seen = Mutex<Vec<(String, HashMap<String, String>)>>;

#[derive(Default)]
struct Fields(HashMap<String, String>);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        self.0
            .insert(field.name().to_string(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_string(), value.to_string());
    }
}

struct Capture(&'static Seen);

/// Where a span's entry in `Seen` is (kept in the span's extensions).
struct Slot(usize);

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Capture {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut f = Fields::default();
        attrs.record(&mut f);
        let Ok(mut seen) = self.0.lock() else { return };
        seen.push((attrs.metadata().name().to_string(), f.0));
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(Slot(seen.len() - 1));
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let ext = span.extensions();
        let Some(Slot(i)) = ext.get::<Slot>() else {
            return;
        };
        let mut f = Fields::default();
        values.record(&mut f);
        if let Ok(mut seen) = self.0.lock() {
            seen[*i].1.extend(f.0);
        }
    }
}

/// The spans of this test process (a global subscriber: the store's writer runs on a thread of
/// its own). Installed once; other tests only add to what it sees.
fn seen() -> &'static Seen {
    static SEEN: OnceLock<&'static Seen> = OnceLock::new();
    SEEN.get_or_init(|| {
        let seen: &'static Seen = Box::leak(Box::default());
        let subscriber = tracing_subscriber::registry().with(Capture(seen));
        tracing::subscriber::set_global_default(subscriber).expect("the only global subscriber");
        seen
    })
}

#[tokio::test]
async fn requests_and_write_batches_run_in_spans() {
    let seen = seen();
    let app = TestApp::new().await;
    let r = app
        .post("/v1/{p}/app-server-groups", app.group_body("traced"))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let rid = r
        .headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .expect("request id")
        .to_string();
    let spans = seen.lock().expect("lock").clone();
    let request = spans
        .iter()
        .find(|(name, f)| name == "request" && f.get("request_id") == Some(&rid))
        .unwrap_or_else(|| panic!("no request span with request_id {rid}"));
    assert_eq!(request.1.get("method").map(String::as_str), Some("POST"));
    assert!(
        request.1["path"].ends_with("/app-server-groups"),
        "{:?}",
        request.1
    );
    // The create was acknowledged, so a batch that carried it committed and touched nothing
    // else than views (a create touches no cached view of its own).
    let batches: Vec<_> = spans.iter().filter(|(n, _)| n == "write_batch").collect();
    assert!(
        batches.iter().any(
            |(_, f)| f.get("committed").map(String::as_str) == Some("true")
                && f.get("jobs")
                    .is_some_and(|j| j.parse::<usize>().is_ok_and(|j| j >= 1))
        ),
        "{batches:?}"
    );
}
