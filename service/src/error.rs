//! Error answers: a JSON body with a stable code and an HTTP status.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use qrseal_verifier::Code;

/// A code of the service's own, for failures the shared error table
/// ([`qrseal_verifier::Code`]) has no row for. docs/SERVICE.md lists them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ServiceCode {
    /// The request is malformed: not JSON, a missing or mistyped field, a bad path.
    BadRequest,
    /// Missing or wrong credentials (holder or admin). Says nothing about which.
    Unauthorized,
    /// No such route.
    NotFound,
    /// The route exists but not with this method.
    MethodNotAllowed,
    /// The request body is larger than the service accepts.
    TooLarge,
    /// The request headers are larger than the service accepts.
    HeadersTooLarge,
    /// The holder is not enrolled (admin routes only).
    UnknownSubject,
    /// The holder has no status yet, so there is no token to give.
    NoStatus,
    /// The ID number cannot be hashed (empty, too long, bad characters).
    InvalidIdNumber,
    /// The status cannot be true (a vaccine dose dated after today).
    InvalidStatus,
    /// Too many token requests by this holder, or uploads by this site; retry after
    /// `Retry-After`.
    RateLimited,
    /// The service is at capacity; retry after `Retry-After`, keep showing the token held.
    Overloaded,
    /// The database cannot be reached or did not answer in time; retry later.
    StorageUnavailable,
    /// The request took longer than the service allows.
    Timeout,
    /// The asked list has not been published (yet).
    NotPublished,
    /// A sample batch key already holds other content, or the tube is stored under another
    /// batch. Retrying does not help.
    BatchConflict,
    /// The upload names another site than the one whose credential sent it.
    SiteMismatch,
}

impl ServiceCode {
    /// The stable lower-case string.
    pub const fn as_str(self) -> &'static str {
        match self {
            ServiceCode::BadRequest => "bad_request",
            ServiceCode::Unauthorized => "unauthorized",
            ServiceCode::NotFound => "not_found",
            ServiceCode::MethodNotAllowed => "method_not_allowed",
            ServiceCode::TooLarge => "too_large",
            ServiceCode::HeadersTooLarge => "headers_too_large",
            ServiceCode::UnknownSubject => "unknown_subject",
            ServiceCode::NoStatus => "no_status",
            ServiceCode::InvalidIdNumber => "invalid_id_number",
            ServiceCode::InvalidStatus => "invalid_status",
            ServiceCode::RateLimited => "rate_limited",
            ServiceCode::Overloaded => "overloaded",
            ServiceCode::StorageUnavailable => "storage_unavailable",
            ServiceCode::Timeout => "timeout",
            ServiceCode::NotPublished => "not_published",
            ServiceCode::BatchConflict => "batch_conflict",
            ServiceCode::SiteMismatch => "site_mismatch",
        }
    }

    /// The HTTP status it is answered with.
    pub const fn status(self) -> StatusCode {
        match self {
            ServiceCode::BadRequest | ServiceCode::InvalidIdNumber => StatusCode::BAD_REQUEST,
            ServiceCode::Unauthorized => StatusCode::UNAUTHORIZED,
            ServiceCode::NotFound | ServiceCode::UnknownSubject | ServiceCode::NotPublished => {
                StatusCode::NOT_FOUND
            }
            ServiceCode::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ServiceCode::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ServiceCode::HeadersTooLarge => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            ServiceCode::NoStatus | ServiceCode::BatchConflict => StatusCode::CONFLICT,
            ServiceCode::SiteMismatch => StatusCode::FORBIDDEN,
            ServiceCode::InvalidStatus => StatusCode::UNPROCESSABLE_ENTITY,
            ServiceCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            ServiceCode::Overloaded | ServiceCode::StorageUnavailable | ServiceCode::Timeout => {
                StatusCode::SERVICE_UNAVAILABLE
            }
        }
    }

    fn message(self) -> &'static str {
        match self {
            ServiceCode::BadRequest => "The request is malformed.",
            ServiceCode::Unauthorized => "Missing or wrong credentials.",
            ServiceCode::NotFound => "No such resource.",
            ServiceCode::MethodNotAllowed => "This method is not allowed here.",
            ServiceCode::TooLarge => "The request body is too large.",
            ServiceCode::HeadersTooLarge => "The request headers are too large.",
            ServiceCode::UnknownSubject => "No holder with this subject is enrolled.",
            ServiceCode::NoStatus => "The holder has no status yet.",
            ServiceCode::InvalidIdNumber => "The ID number is not valid.",
            ServiceCode::InvalidStatus => "The status cannot be true.",
            ServiceCode::RateLimited => "Too many requests; retry later.",
            ServiceCode::Overloaded => {
                "The service is busy; keep showing your valid token and retry later."
            }
            ServiceCode::StorageUnavailable => "The database is unavailable; retry later.",
            ServiceCode::Timeout => "The request took too long; retry later.",
            ServiceCode::NotPublished => "This list has not been published.",
            ServiceCode::BatchConflict => {
                "This batch key or tube is stored already with other content."
            }
            ServiceCode::SiteMismatch => "The upload names another site than its credential.",
        }
    }
}

/// An error answer: a code from the shared table or the service's own, a detail for people,
/// and optionally a `Retry-After` in seconds.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    number: Option<u16>,
    message: String,
    retry_after: Option<u64>,
}

impl ApiError {
    /// An error with one of the service's own codes.
    pub fn service(code: ServiceCode) -> ApiError {
        ApiError {
            status: code.status(),
            code: code.as_str(),
            number: None,
            message: code.message().to_owned(),
            retry_after: None,
        }
    }

    /// An error with one of the service's own codes and a detail.
    pub fn service_detail(code: ServiceCode, detail: impl std::fmt::Display) -> ApiError {
        let mut e = ApiError::service(code);
        e.message = format!("{} {detail}", code.message());
        e
    }

    /// An error from the shared table, answered with `status`.
    pub fn shared(code: Code, status: StatusCode, detail: impl std::fmt::Display) -> ApiError {
        ApiError {
            status,
            code: code.as_str(),
            number: Some(code.number()),
            message: format!("{} {detail}", code.message(Default::default())),
            retry_after: None,
        }
    }

    /// Adds a `Retry-After` (seconds).
    pub fn retry_after(mut self, secs: u64) -> ApiError {
        self.retry_after = Some(secs.max(1));
        self
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// A database failure: logged (SQL errors carry no secrets: every value is a bind),
    /// answered as retryable.
    pub fn storage(e: &sqlx::Error) -> ApiError {
        eprintln!("qrseal-service: database: {e}");
        ApiError::service(ServiceCode::StorageUnavailable).retry_after(1)
    }

    /// An issuing failure, mapped to the shared table where it has a row.
    pub fn issue(e: &qrseal_issuer::Error) -> ApiError {
        match e {
            qrseal_issuer::Error::Claims(core) => {
                let code = qrseal_verifier::Error::from(*core).code();
                ApiError::shared(code, StatusCode::UNPROCESSABLE_ENTITY, core)
            }
            qrseal_issuer::Error::InvalidIdNumber(why) => {
                ApiError::service_detail(ServiceCode::InvalidIdNumber, why)
            }
            qrseal_issuer::Error::InvalidStatus(why) => {
                ApiError::service_detail(ServiceCode::InvalidStatus, why)
            }
            other => {
                eprintln!("qrseal-service: issuing failed: {other}");
                ApiError::shared(Code::Internal, StatusCode::SERVICE_UNAVAILABLE, "")
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut error = serde_json::json!({
            "code": self.code,
            "message": self.message,
        });
        if let Some(n) = self.number {
            error["number"] = n.into();
        }
        let body = serde_json::json!({ "error": error });
        let mut response = (self.status, axum::Json(body)).into_response();
        if let Some(secs) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}
