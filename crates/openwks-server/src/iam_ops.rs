//! The IAM directory's operations, shared by its two HTTP surfaces (`/openwks/v1/iam/...` and
//! the vendor's `/v5/...`): each checks the input, writes through the store and keeps the
//! authentication directory and the policy cache in step. The surfaces only map shapes.

use openwks_core::error::Reason;
use openwks_core::iam::PolicyDocument;
use openwks_core::iam_model::{
    check_iam_name, check_password, IamGroup, IamKey, IamPolicy, IamUser, Principal,
};
use openwks_core::validate::check_enum;
use openwks_core::{Error, Result};
use openwks_store::Deleted;
use openwks_store::{Change, KeyStatus};

use crate::auth::{password, random_hex};
use crate::AppState;

/// Keys or users changed: reload the authentication directory and drop compiled policies.
async fn identities_changed(st: &AppState) -> Result<()> {
    st.policy_cache.invalidate();
    st.directory.reload(st.store.as_ref()).await
}

/// Create a user; without a password it signs with access keys only.
pub async fn create_user(
    st: &AppState,
    account: &str,
    name: String,
    pass: Option<&str>,
    enabled: bool,
) -> Result<IamUser> {
    check_iam_name("name", &name)?;
    if let Some(p) = pass {
        check_password(p)?;
    }
    // A hash that no password matches.
    let hash = pass.map_or_else(|| format!("!{}", random_hex(16)), password::hash);
    let u = IamUser {
        id: st.new_hex_id(16),
        name,
        account_id: account.to_string(),
        is_admin: false,
        enabled,
        created_at: st.now(),
    };
    let u = st.store.create_iam_user(u, hash).await?;
    identities_changed(st).await?;
    Ok(u)
}

/// Enable/disable a user, change its password.
pub async fn update_user(
    st: &AppState,
    account: &str,
    id: &str,
    enabled: Option<bool>,
    pass: Option<&str>,
) -> Result<IamUser> {
    if let Some(p) = pass {
        check_password(p)?;
    }
    let u = st
        .store
        .update_iam_user(
            account.to_string(),
            id.to_string(),
            enabled,
            pass.map(password::hash),
        )
        .await?;
    identities_changed(st).await?;
    Ok(u)
}

/// Delete a user (its keys, memberships and attachments go with it).
pub async fn delete_user(st: &AppState, account: &str, id: &str) -> Result<Deleted> {
    let d = st
        .store
        .delete_iam_user(account.to_string(), id.to_string())
        .await?;
    identities_changed(st).await?;
    Ok(d)
}

/// A new key pair: `(key, secret)`; the secret is shown once.
pub async fn create_key(
    st: &AppState,
    account: &str,
    user_id: &str,
    given: Option<(String, String)>,
) -> Result<(IamKey, String)> {
    let (ak, sk) = match given {
        Some((ak, sk)) => {
            check_given_key(&ak, &sk)?;
            (ak, sk)
        }
        None => (
            format!("AK{}", random_hex(9).to_uppercase()),
            format!("SK{}", random_hex(19)),
        ),
    };
    let k = st
        .store
        .create_iam_key(
            account.to_string(),
            user_id.to_string(),
            ak,
            sk.clone(),
            st.timestamp(),
        )
        .await?;
    identities_changed(st).await?;
    Ok((k, sk))
}

/// A key pair brought by the caller: the access key 16–40 upper-case letters and digits (as
/// the vendor's AKs), the secret key 30–64 letters and digits.
fn check_given_key(ak: &str, sk: &str) -> Result<()> {
    let ak_ok = (16..=40).contains(&ak.len())
        && ak
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
    if !ak_ok {
        return Err(Error::invalid(
            Reason::InvalidParameter,
            "access_key must be 16-40 upper-case letters and digits",
        ));
    }
    if !(30..=64).contains(&sk.len()) || !sk.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(Error::invalid(
            Reason::InvalidParameter,
            "secret_key must be 30-64 letters and digits",
        ));
    }
    Ok(())
}

/// Activate or deactivate a key (`status` as sent; required).
pub async fn set_key_status(
    st: &AppState,
    account: &str,
    user_id: &str,
    ak: &str,
    status: Option<String>,
) -> Result<IamKey> {
    let status = status.ok_or_else(|| Error::missing("status"))?;
    let status = match check_enum("status", &status, &["active", "inactive"])? {
        "active" => KeyStatus::Active,
        _ => KeyStatus::Inactive,
    };
    let k = st
        .store
        .set_iam_key_status(
            account.to_string(),
            user_id.to_string(),
            ak.to_string(),
            status,
        )
        .await?;
    identities_changed(st).await?;
    Ok(k)
}

/// Delete a key.
pub async fn delete_key(st: &AppState, account: &str, user_id: &str, ak: &str) -> Result<Deleted> {
    let d = st
        .store
        .delete_iam_key(account.to_string(), user_id.to_string(), ak.to_string())
        .await?;
    identities_changed(st).await?;
    Ok(d)
}

/// Create a policy from its document text (checked against the grammar).
pub async fn create_policy(
    st: &AppState,
    account: &str,
    (field, name): (&str, String),
    description: String,
    document: String,
) -> Result<IamPolicy> {
    check_iam_name(field, &name)?;
    PolicyDocument::parse(&document)?;
    openwks_core::validate::check_text(
        "description",
        &description,
        0,
        1000,
        openwks_core::error::Reason::InvalidParameter,
    )?;
    st.store
        .create_iam_policy(IamPolicy {
            id: st.new_hex_id(16),
            account_id: account.to_string(),
            name,
            description,
            document,
            created_at: st.now(),
        })
        .await
}

/// Delete a policy (409 while attached).
pub async fn delete_policy(st: &AppState, account: &str, id: &str) -> Result<Deleted> {
    let d = st
        .store
        .delete_iam_policy(account.to_string(), id.to_string())
        .await?;
    st.policy_cache.invalidate();
    Ok(d)
}

/// Create a group.
pub async fn create_group(
    st: &AppState,
    account: &str,
    (field, name): (&str, String),
    description: String,
) -> Result<IamGroup> {
    check_iam_name(field, &name)?;
    st.store
        .create_iam_group(IamGroup {
            id: st.new_hex_id(16),
            account_id: account.to_string(),
            name,
            description,
            members: Vec::new(),
            created_at: st.now(),
        })
        .await
}

/// Delete a group.
pub async fn delete_group(st: &AppState, account: &str, id: &str) -> Result<Deleted> {
    let d = st
        .store
        .delete_iam_group(account.to_string(), id.to_string())
        .await?;
    st.policy_cache.invalidate();
    Ok(d)
}

/// Add or remove a member.
pub async fn set_member(
    st: &AppState,
    account: &str,
    group: &str,
    user: &str,
    change: Change,
) -> Result<IamGroup> {
    let g = st
        .store
        .set_iam_member(
            account.to_string(),
            group.to_string(),
            user.to_string(),
            change,
        )
        .await?;
    st.policy_cache.invalidate();
    Ok(g)
}

/// Attach or detach a policy.
pub async fn set_attachment(
    st: &AppState,
    account: &str,
    policy: &str,
    principal: Principal,
    id: &str,
    change: Change,
) -> Result<()> {
    st.store
        .set_iam_attachment(
            account.to_string(),
            policy.to_string(),
            principal,
            id.to_string(),
            change,
        )
        .await?;
    st.policy_cache.invalidate();
    Ok(())
}
