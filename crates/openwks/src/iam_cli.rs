//! `openwks iam ...`: manage IAM users, keys, groups and policies of a running openwks through
//! its administration routes (`docs/authorization.md`), signed with the administrator's key
//! from `<data-dir>/credentials.json` (or `--access-key`/`--secret-key`).

use std::path::PathBuf;

use anyhow::{bail, Context};
use clap::{Args, Subcommand};
use serde_json::{json, Value};

/// `openwks iam` flags.
#[derive(Args, Debug)]
pub struct IamArgs {
    /// The running openwks (`http://127.0.0.1:8080`).
    #[arg(
        long,
        env = "OPENWKS_ENDPOINT",
        default_value = "http://127.0.0.1:8080"
    )]
    endpoint: String,
    /// Data directory whose credentials.json holds the administrator's key.
    #[arg(long, env = "OPENWKS_DATA_DIR", default_value = "./openwks-data")]
    data_dir: PathBuf,
    /// AK to sign with instead of the administrator's.
    #[arg(long, env = "OPENWKS_ACCESS_KEY")]
    access_key: Option<String>,
    /// SK to sign with.
    #[arg(long, env = "OPENWKS_SECRET_KEY")]
    secret_key: Option<String>,
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

fn keys(args: &IamArgs) -> anyhow::Result<(String, String)> {
    if let (Some(a), Some(s)) = (&args.access_key, &args.secret_key) {
        return Ok((a.clone(), s.clone()));
    }
    let path = args.data_dir.join("credentials.json");
    let text = std::fs::read_to_string(&path).with_context(|| {
        format!(
            "reading {} (or pass --access-key/--secret-key)",
            path.display()
        )
    })?;
    let v: Value = serde_json::from_str(&text)?;
    match (v["access_key"].as_str(), v["secret_key"].as_str()) {
        (Some(a), Some(s)) => Ok((a.to_string(), s.to_string())),
        _ => bail!("{} has no access_key/secret_key", path.display()),
    }
}

async fn call(
    args: &IamArgs,
    method: &str,
    path_query: &str,
    body: Option<Value>,
) -> anyhow::Result<Value> {
    let (ak, sk) = keys(args)?;
    let base = args.endpoint.trim_end_matches('/');
    let host = base
        .split("://")
        .nth(1)
        .unwrap_or(base)
        .split('/')
        .next()
        .unwrap_or("");
    let bytes = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
    let (path, query) = path_query.split_once('?').unwrap_or((path_query, ""));
    let date = chrono::Utc::now().format("%Y%m%dT%H%M%SZ").to_string();
    let headers = openwks_api::signer::sign_request(
        openwks_api::signer::KeyPair {
            access_key: &ak,
            secret_key: &sk,
        },
        &date,
        openwks_api::signer::ClientRequest {
            method,
            raw_path: path,
            raw_query: query,
            headers: &[("Content-Type", "application/json"), ("Host", host)],
            body: &bytes,
        },
    );
    let client = reqwest::Client::new();
    let mut rb = client
        .request(
            reqwest::Method::from_bytes(method.as_bytes())?,
            format!("{base}{path_query}"),
        )
        .body(bytes);
    for (k, v) in headers {
        rb = rb.header(k, v);
    }
    let resp = rb.send().await.with_context(|| format!("calling {base}"))?;
    let status = resp.status();
    let text = resp.text().await?;
    if !status.is_success() {
        bail!("{status}: {text}");
    }
    Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Run `openwks iam ...`.
pub fn run(args: IamArgs) -> std::process::ExitCode {
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("openwks iam: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match rt.block_on(exec(&args)) {
        Ok(v) => {
            if !v.is_null() {
                println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
            }
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("openwks iam: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn exec(a: &IamArgs) -> anyhow::Result<Value> {
    const U: &str = "/openwks/v1/iam/users";
    match &a.command {
        IamCommand::Users => call(a, "GET", U, None).await,
        IamCommand::CreateUser { name, password } => {
            let mut body = json!({"name": name});
            if let Some(p) = password {
                body["password"] = json!(p);
            }
            call(a, "POST", U, Some(body)).await
        }
        IamCommand::SetUser { user_id, enabled } => {
            call(
                a,
                "PATCH",
                &format!("{U}/{user_id}"),
                Some(json!({"enabled": enabled})),
            )
            .await
        }
        IamCommand::DeleteUser { user_id } => {
            call(a, "DELETE", &format!("{U}/{user_id}"), None).await
        }
        IamCommand::CreateKey { user_id } => {
            call(
                a,
                "POST",
                &format!("{U}/{user_id}/access-keys"),
                Some(json!({})),
            )
            .await
        }
        IamCommand::Keys { user_id } => {
            call(a, "GET", &format!("{U}/{user_id}/access-keys"), None).await
        }
        IamCommand::SetKey {
            user_id,
            access_key,
            status,
        } => {
            call(
                a,
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
            call(
                a,
                "DELETE",
                &format!("{U}/{user_id}/access-keys/{access_key}"),
                None,
            )
            .await
        }
        IamCommand::Policies => call(a, "GET", "/openwks/v1/iam/policies", None).await,
        IamCommand::CreatePolicy { name, file } => {
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("reading {}", file.display()))?;
            let doc: Value = serde_json::from_str(&text)
                .with_context(|| format!("{} is not JSON", file.display()))?;
            call(
                a,
                "POST",
                "/openwks/v1/iam/policies",
                Some(json!({"name": name, "document": doc})),
            )
            .await
        }
        IamCommand::DeletePolicy { policy_id } => {
            call(
                a,
                "DELETE",
                &format!("/openwks/v1/iam/policies/{policy_id}"),
                None,
            )
            .await
        }
        IamCommand::Attach { user_id, policy_id } => {
            call(
                a,
                "PUT",
                &format!("{U}/{user_id}/policies/{policy_id}"),
                Some(json!({})),
            )
            .await
        }
        IamCommand::Detach { user_id, policy_id } => {
            call(
                a,
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
            call(
                a,
                "GET",
                &format!("/openwks/v1/audit-events?{}", q.join("&")),
                None,
            )
            .await
        }
    }
}
