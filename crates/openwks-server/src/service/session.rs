//! Sessions: the launch (route a user's app to a server of the app group's server group or a
//! standby) and its dry run.

use std::collections::BTreeMap;

use openwks_core::policy::{self, Source, Subject};
use openwks_core::session::{LaunchSpec, LaunchTarget};
use openwks_core::Result;
use openwks_store::{GroupDecision, LaunchArgs, LaunchOutcome};
use serde_json::Value;

use crate::AppState;

/// A session's effective policy (`openwks_core::policy::effective`, `docs/policies.md`) and who
/// set each field.
pub struct Effective {
    /// The policy.
    pub policies: Value,
    /// Per field (`session.sbc.…`), the group that set it, or the default.
    pub sources: BTreeMap<String, Source>,
}

/// The effective policy of `spec`'s user opening its app group: the project's policy groups
/// that apply (to the user, a user group of the user, the app group, the OU of the app group's
/// server group, or all) over the initial policy. Without policy groups, the initial policy
/// (nothing else is read).
pub async fn effective_policy(
    st: &AppState,
    project_id: &str,
    spec: &LaunchSpec,
) -> Result<Effective> {
    let groups = st.store.policy_groups_of(project_id.to_string()).await?;
    let mut subject = Subject {
        user_name: spec.user_name.clone(),
        app_group_id: spec.app_group_id.clone(),
        ..Subject::default()
    };
    if !groups.is_empty() {
        subject.user_groups = st
            .store
            .access_facts(
                project_id.to_string(),
                spec.app_group_id.clone(),
                spec.user_name.clone(),
            )
            .await?
            .1;
        let primary = target(st, project_id, spec).await?.primary_server_group_id;
        subject.ou_name = st
            .store
            .server_group(project_id.to_string(), primary)
            .await?
            .map(|v| v.group.ou_name)
            .unwrap_or_default();
    }
    let (policies, sources) = policy::effective(&groups, &subject);
    Ok(Effective { policies, sources })
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
