//! The decoded input of a routed request, read once: the path parameters as the router
//! percent-decodes them for the handler, the query parsed strictly (a key sent twice, also once
//! encoded and once not, is refused), and the JSON body checked strictly (a key twice in one
//! object, or a NUL anywhere, is refused). Authorization takes the resources a route acts on
//! from this input, and the handler reads the same values: the same `Path` decoding, the very
//! same parsed [`Query`] (put into the request's extensions), the same body bytes, whose JSON
//! has exactly one reading.

use std::collections::{HashMap, HashSet};

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use openwks_core::error::Reason;
use openwks_core::{Error, Result};
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use crate::request::has_control;
use crate::request::Query;
use crate::route::{Res, Src};

/// What a request says, decoded.
#[derive(Debug, Default)]
pub struct Input {
    /// Path parameters, percent-decoded.
    pub params: HashMap<String, String>,
    /// The query.
    pub query: Query,
    /// The JSON body, when the body is JSON (`None` for an empty or non-JSON body: the handler
    /// answers those itself).
    pub body: Option<Value>,
}

impl Input {
    /// Decode the request: refuses (400) control characters in path parameters and query,
    /// repeated query keys, and JSON bodies with a repeated key or a NUL.
    pub async fn decode(parts: &mut Parts, body: &[u8]) -> Result<Self> {
        let params = match Path::<HashMap<String, String>>::from_request_parts(parts, &()).await {
            Ok(Path(p)) => p,
            Err(e) => {
                return Err(Error::invalid(
                    Reason::InvalidParameter,
                    format!("bad path: {e}"),
                ))
            }
        };
        for (k, v) in &params {
            if has_control(v) {
                return Err(Error::invalid(
                    Reason::InvalidParameter,
                    format!("path parameter {k} holds a control character"),
                ));
            }
        }
        let query = Query::parse_strict(parts.uri.query())?;
        let json = parts
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_none_or(|ct| !ct.starts_with("multipart/"));
        let body = if json { strict_json(body)? } else { None };
        Ok(Self {
            params,
            query,
            body,
        })
    }

    /// The project in the path (empty where the route has none).
    pub fn project_id(&self) -> &str {
        self.params.get("project_id").map_or("", String::as_str)
    }

    /// The ids the resource spec names, in order. A request that names the resource in two
    /// places (path, query, body) with different values is refused: the handler reads one of
    /// them, authorization must not be asked about the other.
    pub fn ids(&self, res: Res) -> Result<Vec<String>> {
        let src = match res {
            Res::ServerGroup(s) | Res::AppGroup(s) | Res::IamUser(s) => s,
            Res::Unscoped | Res::NewServerGroup | Res::NewAppGroup => return Ok(Vec::new()),
        };
        let body_str = |k: &str| {
            self.body
                .as_ref()
                .and_then(|b| b.get(k))
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let single = |k: &str| -> Result<Option<String>> {
            let found: Vec<String> = [
                self.params.get(k).cloned(),
                self.query.str(k).map(str::to_string),
                body_str(k),
            ]
            .into_iter()
            .flatten()
            .collect();
            if found.iter().any(|v| *v != found[0]) {
                return Err(Error::invalid(
                    Reason::InvalidParameter,
                    format!("{k} is given twice with different values: {found:?}"),
                ));
            }
            Ok(found.into_iter().next())
        };
        let strings = |v: Option<&Value>| -> Vec<String> {
            v.and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .filter(|s| !s.is_empty())
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default()
        };
        // The `k` of every object of array `list` (whose `tk` is `tv`, when given).
        let items = |list: &str, k: &str, only: Option<(&str, &str)>| -> Vec<String> {
            self.body
                .as_ref()
                .and_then(|b| b.get(list))
                .and_then(Value::as_array)
                .map(|items| {
                    items
                        .iter()
                        .filter(|i| {
                            only.is_none_or(|(tk, tv)| {
                                i.get(tk).and_then(Value::as_str) == Some(tv)
                            })
                        })
                        .filter_map(|i| i.get(k).and_then(Value::as_str))
                        .filter(|s| !s.is_empty())
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default()
        };
        Ok(match src {
            Src::InPath(k) => single(k)?.into_iter().collect(),
            Src::InQuery(k) => single(k)?.into_iter().collect(),
            Src::InBody(k) => single(k)?.into_iter().collect(),
            Src::BodyList(k) => strings(self.body.as_ref().and_then(|b| b.get(k))),
            Src::BodyItems(list, k) => items(list, k, None),
            Src::BodyItemsWhere(list, k, tk, tv) => items(list, k, Some((tk, tv))),
            Src::BodyItemsIn(list, obj, k) => self
                .body
                .as_ref()
                .and_then(|b| b.get(list))
                .and_then(Value::as_array)
                .map(|items| {
                    items
                        .iter()
                        .filter_map(|i| i.get(obj).and_then(|o| o.get(k)).and_then(Value::as_str))
                        .filter(|s| !s.is_empty())
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default(),
        })
    }
}

/// The body's JSON, checked: `Ok(None)` where the body is empty or not JSON at all (the
/// handler answers that in its own words), `Err` (400) for a key repeated in one object or a
/// NUL in a key or string (PostgreSQL cannot store it, and two readings of one body must not
/// exist).
pub fn strict_json(body: &[u8]) -> Result<Option<Value>> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    match StrictSeed.deserialize(&mut de) {
        Ok(v) => Ok(de.end().ok().map(|()| v)),
        Err(e) => {
            let msg = e.to_string();
            if let Some(why) = msg.strip_prefix(STRICT) {
                let why = why.split(" at line ").next().unwrap_or(why);
                Err(Error::invalid(
                    Reason::MalformedBody,
                    format!("the request body is not valid: {why}"),
                ))
            } else {
                Ok(None)
            }
        }
    }
}

const STRICT: &str = "strict: ";

struct StrictSeed;

impl<'de> DeserializeSeed<'de> for StrictSeed {
    type Value = Value;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> std::result::Result<Value, D::Error> {
        d.deserialize_any(StrictVisitor)
    }
}

struct StrictVisitor;

fn checked<E: de::Error>(s: &str) -> std::result::Result<(), E> {
    if s.contains('\0') {
        return Err(E::custom(format!("{STRICT}a string holds a NUL character")));
    }
    Ok(())
}

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JSON")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> std::result::Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> std::result::Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> std::result::Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> std::result::Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<Value, E> {
        checked(v)?;
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> std::result::Result<Value, E> {
        checked(&v)?;
        Ok(Value::String(v))
    }
    fn visit_unit<E: de::Error>(self) -> std::result::Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E: de::Error>(self) -> std::result::Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> std::result::Result<Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = seq.next_element_seed(StrictSeed)? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Value, A::Error> {
        let mut out = serde_json::Map::new();
        let mut seen = HashSet::new();
        while let Some(k) = map.next_key::<String>()? {
            checked(&k)?;
            if !seen.insert(k.clone()) {
                return Err(de::Error::custom(format!(
                    "{STRICT}the key {k:?} appears twice in one object"
                )));
            }
            let v = map.next_value_seed(StrictSeed)?;
            out.insert(k, v);
        }
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_with_a_repeated_key_or_a_nul_is_refused_other_json_passes() {
        let bad = [
            br#"{"a":1,"a":2}"#.as_slice(),
            br#"{"x":{"server_group_id":"a","server_group\u005fid":"b"}}"#,
            br#"[{"k":1,"k":1}]"#,
            br#"{"name":"a\u0000b"}"#,
            br#"{"a\u0000":1}"#,
        ];
        for b in bad {
            let e = strict_json(b).expect_err(&String::from_utf8_lossy(b));
            assert_eq!(e.code, Reason::MalformedBody);
        }
        let v = strict_json(br#"{"a":[1,{"b":"c"}],"d":null,"e":1.5}"#)
            .expect("ok")
            .expect("json");
        assert_eq!(v["a"][1]["b"], "c");
        assert_eq!(strict_json(b"").expect("empty"), None);
        assert_eq!(strict_json(b"{").expect("not json"), None);
        assert_eq!(strict_json(b"{} trailing").expect("not json"), None);
    }

    fn input(params: &[(&str, &str)], query: &str, body: Option<Value>) -> Input {
        Input {
            params: params
                .iter()
                .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
                .collect(),
            query: Query::parse_strict(Some(query)).expect("query"),
            body,
        }
    }

    #[test]
    fn a_resource_named_twice_differently_is_refused() {
        let res = Res::ServerGroup(Src::InBody("server_group_id"));
        let i = input(
            &[],
            "server_group_id=a",
            Some(serde_json::json!({"server_group_id": "b"})),
        );
        assert_eq!(
            i.ids(res).expect_err("conflict").code,
            Reason::InvalidParameter
        );
        let i = input(
            &[],
            "server_group_id=a",
            Some(serde_json::json!({"server_group_id": "a"})),
        );
        assert_eq!(i.ids(res).expect("same"), vec!["a".to_string()]);
        let i = input(&[("server_group_id", "p")], "server_group_id=q", None);
        assert!(i
            .ids(Res::ServerGroup(Src::InPath("server_group_id")))
            .is_err());
    }

    #[test]
    fn batch_sources_name_every_resource() {
        let body = serde_json::json!({
            "items": [{"server_group_id": "a"}, {"server_group_id": "b"}, {"x": 1}],
            "ids": ["c", "d", 3],
            "target_infos": [
                {"target_type": "SERVER_GROUP", "target_id": "e"},
                {"target_type": "SERVER", "target_id": "f"},
                {"target_id": "g"},
                {"target_type": "SERVER_GROUP", "target_id": "h"}
            ]
        });
        let i = input(&[], "", Some(body));
        assert_eq!(
            i.ids(Res::ServerGroup(Src::BodyItems("items", "server_group_id")))
                .expect("ids"),
            vec!["a", "b"]
        );
        assert_eq!(
            i.ids(Res::AppGroup(Src::BodyList("ids"))).expect("ids"),
            vec!["c", "d"]
        );
        let groups =
            Src::BodyItemsWhere("target_infos", "target_id", "target_type", "SERVER_GROUP");
        assert_eq!(
            i.ids(Res::ServerGroup(groups)).expect("ids"),
            vec!["e", "h"],
            "only the items of that type"
        );
        let order = input(
            &[],
            "",
            Some(
                serde_json::json!({"resources": [{"create_services": {"server_group_id": "sg-1"}}, {"x": 1}]}),
            ),
        );
        assert_eq!(
            order
                .ids(Res::ServerGroup(Src::BodyItemsIn(
                    "resources",
                    "create_services",
                    "server_group_id"
                )))
                .expect("ids"),
            vec!["sg-1"]
        );
    }
}
