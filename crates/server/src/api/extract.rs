//! What handlers take from a request, with every mistake answered as a problem document
//! that names the field: JSON bodies ([`Body`]), query strings ([`Params`], and
//! [`known_query`] for the parameter names), whole numbers ([`whole`]), variables
//! ([`variables`]) and keys in the path ([`parse_key`]).

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use baton_core::GlobalKey;
use baton_feel::{Context, Value};
use serde::de::DeserializeOwned;
use serde_json::Value as Json;

use super::MAX_BODY_BYTES;
use crate::problem::{Kind, Problem};

/// A JSON request body; malformed JSON, a wrong shape or an oversized body is a problem
/// response naming the field at fault rather than axum's plain-text rejection.
///
/// Endpoints check the caller's permission before any extractor runs (`api::router`), so
/// a body is read only for a caller allowed to send it.
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = Problem;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(req.headers()) {
            return Err(Problem::new(
                Kind::BadRequest,
                "send the body as JSON, with Content-Type: application/json",
            ));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            match rejection.status() {
                StatusCode::PAYLOAD_TOO_LARGE => Problem::new(
                    Kind::PayloadTooLarge,
                    format!("the limit is {MAX_BODY_BYTES} bytes"),
                ),
                _ => Problem::new(Kind::BadRequest, rejection.body_text()),
            }
        })?;
        let mut json = serde_json::Deserializer::from_slice(&bytes);
        let value = serde_path_to_error::deserialize(&mut json)
            .map_err(|e| at_path(e.path(), e.inner()))?;
        json.end()
            .map_err(|e| Problem::new(Kind::BadRequest, e.to_string()))?;
        Ok(Body(value))
    }
}

/// A JSON body that may be left out: an endpoint that used to take no body (cancel,
/// unclaim) still takes none, and an optional one (`{"reason": …}`) when it is sent.
pub struct OptionalBody<T>(pub Option<T>);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for OptionalBody<T> {
    type Rejection = Problem;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let json = is_json(req.headers());
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|rejection| Problem::new(Kind::BadRequest, rejection.body_text()))?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(OptionalBody(None));
        }
        if !json {
            return Err(Problem::new(
                Kind::BadRequest,
                "send the body as JSON, with Content-Type: application/json",
            ));
        }
        let mut deserializer = serde_json::Deserializer::from_slice(&bytes);
        let value = serde_path_to_error::deserialize(&mut deserializer)
            .map_err(|e| at_path(e.path(), e.inner()))?;
        deserializer
            .end()
            .map_err(|e| Problem::new(Kind::BadRequest, e.to_string()))?;
        Ok(OptionalBody(Some(value)))
    }
}

/// `application/json` or a `+json` type, as axum's `Json` accepts.
fn is_json(headers: &HeaderMap) -> bool {
    let Some(media) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
    else {
        return false;
    };
    media == "application/json" || (media.starts_with("application/") && media.ends_with("+json"))
}

/// A deserialization error as a problem, pinned on the field it happened at.
fn at_path(path: &serde_path_to_error::Path, error: &impl std::fmt::Display) -> Problem {
    let field = path.to_string();
    if field == "." {
        return Problem::new(Kind::BadRequest, error.to_string());
    }
    Problem::new(Kind::BadRequest, format!("{field}: {error}")).at(&field)
}

/// Query parameters; a value of the wrong form (not a number, not one of an enum's
/// values, given twice) is a problem naming the parameter. Which names a route takes is
/// checked before, by [`known_query`].
pub struct Params<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Params<T> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        let params = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(params)
            .map(Params)
            .map_err(|e| at_path(e.path(), e.inner()))
    }
}

/// Refuses a query parameter the endpoint does not take (those in `known`, the names its
/// OpenAPI operation documents), naming it and the ones it takes.
pub(crate) fn known_query(query: Option<&str>, known: &[String]) -> Result<(), Problem> {
    let Some(query) = query else {
        return Ok(());
    };
    for (name, _) in form_urlencoded::parse(query.as_bytes()) {
        if known.iter().any(|k| *k == name) {
            continue;
        }
        let takes = if known.is_empty() {
            "this endpoint takes no query parameters".to_string()
        } else {
            format!("this endpoint takes {}", known.join(", "))
        };
        let similar = baton_runtime::similar_names(&name, known.iter().map(String::as_str));
        let hint = match similar.as_slice() {
            [] => String::new(),
            names => format!(" (did you mean {}?)", names.join(" or ")),
        };
        return Err(Problem::new(
            Kind::BadRequest,
            format!("unknown query parameter '{name}'{hint}; {takes}"),
        )
        .at(&name));
    }
    Ok(())
}

/// Whole numbers in request bodies: JSON Schema counts `5.0` as an integer, so the API
/// takes it as one (and refuses `5.5` or a negative number).
pub(crate) mod whole {
    use serde::Deserialize as _;
    use serde::de::{Deserializer, Error};

    fn read<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        let number = serde_json::Number::deserialize(d)?;
        if let Some(n) = number.as_u64() {
            return Ok(n);
        }
        match number.as_f64() {
            Some(f) if f >= 0.0 && f.fract() == 0.0 && f < u64::MAX as f64 => Ok(f as u64),
            _ => Err(D::Error::custom(format!(
                "{number} is not a whole number of 0 or more"
            ))),
        }
    }

    pub fn u64<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        read(d)
    }

    pub fn u32<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
        let n = read(d)?;
        u32::try_from(n).map_err(|_| D::Error::custom(format!("{n} is too large")))
    }

    /// A whole number or `null`.
    pub fn option_u32<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
        match Option::<serde_json::Number>::deserialize(d)? {
            None => Ok(None),
            Some(number) => u32(number).map(Some).map_err(D::Error::custom),
        }
    }
}

/// A request's `variables` object (at `field`) as engine variables. Every value must
/// arrive whole ([`check_value`]): nothing is stored as null in its place.
pub(crate) fn variables(json: Option<Json>, field: &str) -> Result<Context, Problem> {
    let Some(json) = json else {
        return Ok(Context::new());
    };
    check_value(&json, field)?;
    match Value::from_json(&json) {
        Value::Null => Ok(Context::new()),
        Value::Context(context) => match baton_core::too_deep_variable(&context) {
            Some(name) => Err(Problem::new(
                Kind::BadRequest,
                baton_core::Rejection::TooDeep(name.to_string()).to_string(),
            )
            .at(&format!("{field}.{name}"))),
            None => Ok((*context).clone()),
        },
        other => Err(Problem::new(
            Kind::BadRequest,
            format!("{field} must be a JSON object, not {}", other.type_name()),
        )
        .at(field)),
    }
}

/// Refuses a JSON value (at `path`) that the engine would not keep as sent: a number
/// beyond what a FEEL number holds (34 significant digits, exponents to ±6144) or an f64
/// reads back (magnitudes to about 1.8e308, and none so small that it reads as 0), or a
/// tagged `{"$feel": …}` value that is no FEEL date, time or duration. Either would
/// otherwise become null.
pub(crate) fn check_value(json: &Json, path: &str) -> Result<(), Problem> {
    match json {
        Json::Number(number) if !fits(number) => Err(Problem::new(
            Kind::BadRequest,
            format!(
                "{path}: the number {number} is out of range: numbers must fit a 64-bit float \
                 (at most about 1.8e308 in magnitude, and not so small that they read as 0)"
            ),
        )
        .at(path)),
        Json::Array(items) => items
            .iter()
            .enumerate()
            .try_for_each(|(i, item)| check_value(item, &format!("{path}[{i}]"))),
        Json::Object(map) if map.len() == 1 && map.contains_key("$feel") => {
            if matches!(Value::from_json(json), Value::Null) {
                return Err(Problem::new(
                    Kind::BadRequest,
                    format!(
                        "{path}: {} is not a FEEL date, time, date and time or duration",
                        map["$feel"]
                    ),
                )
                .at(path));
            }
            Ok(())
        }
        Json::Object(map) => map
            .iter()
            .try_for_each(|(name, value)| check_value(value, &format!("{path}.{name}"))),
        _ => Ok(()),
    }
}

/// Whether a JSON number arrives whole: FEEL holds it, and an f64 reads it back as
/// neither infinite nor zero when it is not zero.
fn fits(number: &serde_json::Number) -> bool {
    let literal = number.as_str();
    let Ok(float) = literal.parse::<f64>() else {
        return false;
    };
    let mantissa = literal.split(['e', 'E']).next().unwrap_or_default();
    let nonzero = mantissa.bytes().any(|b| (b'1'..=b'9').contains(&b));
    float.is_finite()
        && (float != 0.0 || !nonzero)
        && !matches!(Value::from_json(&Json::Number(number.clone())), Value::Null)
}

/// Engine variables as a JSON object.
pub(crate) fn variables_json(context: &Context) -> Json {
    Value::context(context.clone()).to_json()
}

/// A job, task or incident key from the path (`instance-key`, as `baton` prints them).
pub(crate) fn parse_key(text: &str) -> Result<GlobalKey, Problem> {
    text.parse::<GlobalKey>()
        .map_err(|e| Problem::new(Kind::NotFound, e.to_string()).at("key"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(json: &str, expect: Result<(), &str>) {
        let value: Json = serde_json::from_str(json).expect("valid JSON");
        let got = check_value(&value, "variables").map_err(|p| p.field.unwrap_or_default());
        assert_eq!(got, expect.map_err(String::from), "{json}");
    }

    #[test]
    fn values_that_would_not_arrive_whole_are_named_by_their_path() {
        check(
            r#"{"x": 1, "y": 2.5, "z": -1e300, "big": 12345678901234567890}"#,
            Ok(()),
        );
        check(
            r#"{"tiny": 1e-300, "zero": 0e-999999, "nested": {"list": [0.0]}}"#,
            Ok(()),
        );
        check(r#"{"x": 1e999999}"#, Err("variables.x"));
        check(r#"{"x": -1e309}"#, Err("variables.x"));
        check(r#"{"x": 1e-999}"#, Err("variables.x"));
        check(
            r#"{"a": {"b": [1, {"c": 1e400}]}}"#,
            Err("variables.a.b[1].c"),
        );
        check(
            r#"{"d": {"$feel": {"date": "2024-02-30"}}}"#,
            Err("variables.d"),
        );
        check(r#"{"d": {"$feel": {"date": "2024-02-29"}}}"#, Ok(()));
    }

    #[test]
    fn unknown_query_parameters_are_named_with_the_ones_the_endpoint_takes() {
        let known = ["state".to_string(), "limit".to_string()];
        assert!(known_query(Some("state=active&limit=2"), &known).is_ok());
        assert!(known_query(None, &[]).is_ok());
        let bogus = known_query(Some("limit=1&bogus=1"), &known).expect_err("unknown");
        assert_eq!(bogus.field.as_deref(), Some("bogus"));
        assert_eq!(
            bogus.detail,
            "unknown query parameter 'bogus'; this endpoint takes state, limit"
        );
        let typo = known_query(Some("stat=active"), &known).expect_err("unknown");
        assert_eq!(
            typo.detail,
            "unknown query parameter 'stat' (did you mean state?); this endpoint takes state, limit"
        );
        let none = known_query(Some("x=1"), &[]).expect_err("unknown");
        assert!(
            none.detail.ends_with("takes no query parameters"),
            "{}",
            none.detail
        );
    }
}
