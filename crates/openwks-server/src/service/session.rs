//! Sessions: the launch (route a user's app to a server of the app group's server group or a
//! standby) and its dry run.

use openwks_core::policy::Effective;
use openwks_core::session::{LaunchSpec, LaunchTarget};
use openwks_core::Result;
use openwks_store::{GroupDecision, LaunchArgs, LaunchOutcome};

use crate::AppState;

/// The effective policy of `spec`'s user opening its app group (`docs/policies.md`): the
/// project's policy groups that apply over the initial policy, with who set each field, read
/// by the store with the code the launch's write uses.
pub async fn effective_policy(
    st: &AppState,
    project_id: &str,
    spec: &LaunchSpec,
) -> Result<Effective> {
    st.store
        .effective_policy(project_id.to_string(), spec.clone())
        .await
}

/// Launch: the store reads the app group, the app, the user's authorizations and the binding
/// and checks them (`openwks_core::session::check_launch`) in the same write that routes and
/// records the session (which keeps its effective policy's disconnect timeout, resolved in
/// that write).
pub async fn launch(st: &AppState, project_id: &str, spec: LaunchSpec) -> Result<LaunchOutcome> {
    st.store
        .launch(LaunchArgs {
            project_id: project_id.to_string(),
            session_id: st.new_simple_id(),
            connection_id: st.new_simple_id(),
            now: st.timestamp(),
            catalogue: st.catalogue.clone(),
            spec,
        })
        .await
}

/// The preconditions of a launch on a read snapshot (a dry run writes nothing, so nothing can
/// change between its check and its answer that it would act on); the store checks the same
/// (`openwks_core::session::check_launch`) inside a launch's write.
pub async fn target(st: &AppState, project_id: &str, spec: &LaunchSpec) -> Result<LaunchTarget> {
    st.store
        .launch_target(project_id.to_string(), spec.clone())
        .await
}

/// How routing decides for `primary` and its standbys now, group by group.
pub async fn explain(st: &AppState, project_id: &str, primary: &str) -> Result<Vec<GroupDecision>> {
    st.store
        .explain_routing(
            project_id.to_string(),
            primary.to_string(),
            st.catalogue.clone(),
        )
        .await
}
