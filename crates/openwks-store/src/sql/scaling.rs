//! The scaling controller's store side: the inputs of a decision (a group's servers with
//! their sessions), the race-free scale-in, and the log of scaling activities.

use std::sync::Arc;

use openwks_core::time::Timestamp;
use openwks_core::Result;

use super::engine::SqlStore;
use super::{servers, sessions};

#[async_trait::async_trait]
impl crate::Scaling for SqlStore {
    async fn scaling_groups(&self) -> Result<Vec<(String, String)>> {
        self.read(sessions::scaling_groups).await
    }

    async fn scaling_inputs(
        &self,
        project_id: String,
        server_group_id: String,
        catalogue: Arc<openwks_core::catalogue::Catalogue>,
    ) -> Result<Option<crate::ScalingInputs>> {
        self.read(move |c| {
            Ok(
                sessions::group_state(c, &project_id, &server_group_id, &catalogue)?.map(|gs| {
                    crate::ScalingInputs {
                        group: gs.group,
                        policy: gs.policy,
                        servers: gs.loads,
                    }
                }),
            )
        })
        .await
    }

    async fn scale_in(
        &self,
        project_id: String,
        server_group_id: String,
        ids: Vec<String>,
        job_id: String,
        now: Timestamp,
    ) -> Result<Option<(openwks_core::compute::Job, Vec<String>)>> {
        self.write(move |c| {
            let idle = sessions::release_idle(c, &project_id, &server_group_id, &ids)?;
            if idle.is_empty() {
                return Ok(None);
            }
            let job = servers::delete(c, &project_id, &idle, &job_id, now)?;
            Ok(Some((job, idle)))
        })
        .await
    }

    async fn record_scaling_activity(&self, activity: crate::ScalingActivity) -> Result<()> {
        self.write(move |c| sessions::record_activity(c.db(), &activity))
            .await
    }

    async fn scaling_activities(
        &self,
        project_id: String,
        server_group_id: String,
        limit: i64,
    ) -> Result<Vec<crate::ScalingActivity>> {
        self.read(move |c| sessions::activities(c, &project_id, &server_group_id, limit))
            .await
    }
}
