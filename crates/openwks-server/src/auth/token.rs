//! Tokens for `X-Auth-Token`: `<base64url(claims)>.<hex hmac-sha256(secret, base64url(claims))>`.
//! Stateless and signed with a secret kept in the store, so they survive restarts.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// What a token says.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    /// User id.
    pub user_id: String,
    /// Account id.
    pub account_id: String,
    /// The project the token is scoped to.
    pub project_id: String,
    /// Expiry, unix seconds.
    pub expires_at: i64,
    /// Issue time, unix seconds.
    pub issued_at: i64,
    /// The [`super::password::stamp`] of the user's password hash when the token was issued:
    /// a password change makes every earlier token of the user stop working.
    #[serde(default)]
    pub stamp: String,
}

fn mac(secret: &str, payload: &str) -> String {
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    m.update(payload.as_bytes());
    hex::encode(m.finalize().into_bytes())
}

/// Issue a token for `claims`.
pub fn issue(secret: &str, claims: &Claims) -> String {
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).unwrap_or_default());
    format!("{payload}.{}", mac(secret, &payload))
}

/// Why a token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenError {
    /// Not a token of ours, or tampered with.
    Invalid,
    /// Past its expiry.
    Expired,
}

/// Verify a token at time `now` (unix seconds).
pub fn verify(secret: &str, token: &str, now: i64) -> Result<Claims, TokenError> {
    let (payload, sig) = token.split_once('.').ok_or(TokenError::Invalid)?;
    let want = mac(secret, payload);
    if !bool::from(want.as_bytes().ct_eq(sig.as_bytes())) {
        return Err(TokenError::Invalid);
    }
    let bytes = URL_SAFE_NO_PAD
        .decode(payload)
        .map_err(|_| TokenError::Invalid)?;
    let claims: Claims = serde_json::from_slice(&bytes).map_err(|_| TokenError::Invalid)?;
    if now >= claims.expires_at {
        return Err(TokenError::Expired);
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(exp: i64) -> Claims {
        Claims {
            user_id: "u".into(),
            account_id: "a".into(),
            project_id: "p".into(),
            expires_at: exp,
            issued_at: 0,
            stamp: "s1".into(),
        }
    }

    #[test]
    fn issue_verify_tamper_expire() {
        let t = issue("s", &claims(100));
        assert_eq!(verify("s", &t, 50), Ok(claims(100)));
        assert_eq!(verify("s", &t, 100), Err(TokenError::Expired));
        assert_eq!(verify("other", &t, 50), Err(TokenError::Invalid));
        let forged = issue("s", &claims(1_000_000));
        let (_, sig) = t.split_once('.').expect("dot");
        let (payload, _) = forged.split_once('.').expect("dot");
        assert_eq!(
            verify("s", &format!("{payload}.{sig}"), 50),
            Err(TokenError::Invalid)
        );
        assert_eq!(verify("s", "nodot", 50), Err(TokenError::Invalid));
    }
}

/// Temporary access keys (`POST /v3.0/OS-CREDENTIAL/securitytokens`): stateless. The security
/// token carries the AK, the user and the expiry under the server's MAC; the SK is derived from
/// the AK with the server's secret, so any start of the server (or replica with the same
/// secret) can verify a request signed with them, and nothing needs storing.
pub mod temporary {
    use super::{mac, URL_SAFE_NO_PAD};
    use base64::Engine;
    use serde::{Deserialize, Serialize};
    use subtle::ConstantTimeEq;

    /// What a security token says.
    #[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
    pub struct TempClaims {
        /// The temporary AK.
        pub ak: String,
        /// Its user.
        pub user_id: String,
        /// The user's account.
        pub account_id: String,
        /// Unix seconds.
        pub expires_at: i64,
    }

    fn sts_secret(secret: &str) -> String {
        format!("sts-token:{secret}")
    }

    /// The SK of a temporary AK.
    pub fn secret_key(secret: &str, ak: &str) -> String {
        mac(&format!("sts-sk:{secret}"), ak)[..40].to_string()
    }

    /// Issue `(ak, sk, security token)` for `claims` (its `ak` is filled in).
    pub fn issue(secret: &str, mut claims: TempClaims, ak: String) -> (String, String, String) {
        claims.ak = ak.clone();
        let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap_or_default());
        let token = format!("{payload}.{}", mac(&sts_secret(secret), &payload));
        (ak.clone(), secret_key(secret, &ak), token)
    }

    /// Check a security token: the MAC, the expiry, and that it was issued for `ak`.
    pub fn verify(secret: &str, token: &str, ak: &str, now: i64) -> Option<TempClaims> {
        let (payload, sig) = token.split_once('.')?;
        let want = mac(&sts_secret(secret), payload);
        if !bool::from(want.as_bytes().ct_eq(sig.as_bytes())) {
            return None;
        }
        let claims: TempClaims =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
        (claims.ak == ak && now < claims.expires_at).then_some(claims)
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn issue_verify_tamper_expire_and_bind_to_the_ak() {
            let c = TempClaims {
                ak: String::new(),
                user_id: "u".into(),
                account_id: "a".into(),
                expires_at: 100,
            };
            let (ak, sk, token) = issue("s", c, "TAK1".into());
            assert_eq!(sk, secret_key("s", "TAK1"));
            assert_eq!(sk.len(), 40);
            assert_eq!(
                verify("s", &token, &ak, 99).map(|c| c.user_id),
                Some("u".into())
            );
            assert!(verify("s", &token, &ak, 100).is_none(), "expired");
            assert!(verify("s", &token, "TAK2", 99).is_none(), "another AK");
            assert!(
                verify("other", &token, &ak, 99).is_none(),
                "another server secret"
            );
            let forged = token.replacen('e', "f", 1);
            assert!(forged == token || verify("s", &forged, &ak, 99).is_none());
        }
    }
}
