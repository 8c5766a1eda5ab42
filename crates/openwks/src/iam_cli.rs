//! `openwks iam ...`: manage IAM users, keys, groups and policies of a running openwks through
//! its administration routes (`docs/authorization.md`), signed with the administrator's key
//! from `<data-dir>/credentials.json` (or `--access-key`/`--secret-key`).

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};
use serde_json::{json, Value};

use crate::client::{self, Target};

/// `openwks iam` flags.
#[derive(Args, Debug)]
pub struct IamArgs {
    #[command(flatten)]
    target: Target,
    #[command(subcommand)]
    command: IamCommand,
}

#[derive(Subcommand, Debug)]
enum IamCommand {
    /// List users.
    Users,
    /// Create a user (prints it).
    CreateUser {
        /// Name.
        name: String,
        /// Password (for tokens); without one the user signs with keys only.
        #[arg(long)]
        password: Option<String>,
    },
    /// Enable or disable a user.
    SetUser {
        /// User id.
        user_id: String,
        /// `true` or `false`.
        #[arg(long, action = clap::ArgAction::Set)]
        enabled: bool,
    },
    /// Delete a user.
    DeleteUser {
        /// User id.
        user_id: String,
    },
    /// Create an access key for a user (prints the secret once).
    CreateKey {
        /// User id.
        user_id: String,
    },
    /// List a user's keys.
    Keys {
        /// User id.
        user_id: String,
    },
    /// Activate or deactivate a key.
    SetKey {
        /// User id.
        user_id: String,
        /// AK.
        access_key: String,
        /// `active` or `inactive`.
        #[arg(long)]
        status: String,
    },
    /// Delete a key.
    DeleteKey {
        /// User id.
        user_id: String,
        /// AK.
        access_key: String,
    },
    /// List policies.
    Policies,
    /// Create a policy from a JSON file (the identity-policy document).
    CreatePolicy {
        /// Name.
        name: String,
        /// File holding the document.
        file: PathBuf,
    },
    /// Delete a policy.
    DeletePolicy {
        /// Policy id.
        policy_id: String,
    },
    /// Attach a policy to a user.
    Attach {
        /// User id.
        user_id: String,
        /// Policy id.
        policy_id: String,
    },
    /// Detach a policy from a user.
    Detach {
        /// User id.
        user_id: String,
        /// Policy id.
        policy_id: String,
    },
    /// The audit trail (newest first).
    Audit {
        /// Only this user (id or name).
        #[arg(long)]
        user: Option<String>,
        /// Only `allowed` or `denied`.
        #[arg(long)]
        result: Option<String>,
    },
}

/// Run `openwks iam ...`.
pub fn run(args: IamArgs) -> std::process::ExitCode {
    client::run("iam", exec(&args))
}

async fn exec(args: &IamArgs) -> anyhow::Result<Value> {
    let a = &args.target;
    const U: &str = "/openwks/v1/iam/users";
    match &args.command {
        IamCommand::Users => a.call("GET", U, None).await,
        IamCommand::CreateUser { name, password } => {
            let mut body = json!({"name": name});
            if let Some(p) = password {
                body["password"] = json!(p);
            }
            a.call("POST", U, Some(body)).await
        }
        IamCommand::SetUser { user_id, enabled } => {
            a.call(
                "PATCH",
                &format!("{U}/{user_id}"),
                Some(json!({"enabled": enabled})),
            )
            .await
        }
        IamCommand::DeleteUser { user_id } => {
            a.call("DELETE", &format!("{U}/{user_id}"), None).await
        }
        IamCommand::CreateKey { user_id } => {
            a.call(
                "POST",
                &format!("{U}/{user_id}/access-keys"),
                Some(json!({})),
            )
            .await
        }
        IamCommand::Keys { user_id } => {
            a.call("GET", &format!("{U}/{user_id}/access-keys"), None)
                .await
        }
        IamCommand::SetKey {
            user_id,
            access_key,
            status,
        } => {
            a.call(
                "PATCH",
                &format!("{U}/{user_id}/access-keys/{access_key}"),
                Some(json!({"status": status})),
            )
            .await
        }
        IamCommand::DeleteKey {
            user_id,
            access_key,
        } => {
            a.call(
                "DELETE",
                &format!("{U}/{user_id}/access-keys/{access_key}"),
                None,
            )
            .await
        }
        IamCommand::Policies => a.call("GET", "/openwks/v1/iam/policies", None).await,
        IamCommand::CreatePolicy { name, file } => {
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("reading {}", file.display()))?;
            let doc: Value = serde_json::from_str(&text)
                .with_context(|| format!("{} is not JSON", file.display()))?;
            a.call(
                "POST",
                "/openwks/v1/iam/policies",
                Some(json!({"name": name, "document": doc})),
            )
            .await
        }
        IamCommand::DeletePolicy { policy_id } => {
            a.call(
                "DELETE",
                &format!("/openwks/v1/iam/policies/{policy_id}"),
                None,
            )
            .await
        }
        IamCommand::Attach { user_id, policy_id } => {
            a.call(
                "PUT",
                &format!("{U}/{user_id}/policies/{policy_id}"),
                Some(json!({})),
            )
            .await
        }
        IamCommand::Detach { user_id, policy_id } => {
            a.call(
                "DELETE",
                &format!("{U}/{user_id}/policies/{policy_id}"),
                None,
            )
            .await
        }
        IamCommand::Audit { user, result } => {
            let mut q = vec!["limit=100".to_string()];
            if let Some(u) = user {
                q.push(format!("user={u}"));
            }
            if let Some(r) = result {
                q.push(format!("result={r}"));
            }
            a.call(
                "GET",
                &format!("/openwks/v1/audit-events?{}", q.join("&")),
                None,
            )
            .await
        }
    }
}
