//! The `Authorization` values a check can send: HTTP Basic (RFC 7617) and Bearer (RFC 6750).
//! Built once from secrets the caller read from a file or the environment, and marked
//! sensitive, so their Debug form is `Sensitive` and HTTP/2 never indexes them (RFC 7541
//! 7.1.3). The errors describe the secret without ever quoting it.

use base64::Engine;
use http::HeaderValue;

/// Why a secret cannot become an Authorization header. Never holds the secret itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// RFC 7617 2: the user-id cannot contain a colon (the first one splits user and password).
    #[error("the user name contains ':' (Basic auth splits user and password at the first ':')")]
    ColonInUser,
    #[error("the user name has a control character")]
    ControlInUser,
    /// RFC 6750 2.1: the token is one `b64token` word.
    #[error(
        "it is not one word of visible ASCII (a bearer token is letters, digits and -._~+/=, RFC 6750 2.1)"
    )]
    BadToken,
}

/// `Basic base64(user ":" password)` (RFC 7617 2; UTF-8 is what servers expect, 2.1).
pub fn basic(user: &str, password: &[u8]) -> Result<HeaderValue, AuthError> {
    if user.contains(':') {
        return Err(AuthError::ColonInUser);
    }
    if user.chars().any(char::is_control) {
        return Err(AuthError::ControlInUser);
    }
    let mut pair = Vec::with_capacity(user.len() + 1 + password.len());
    pair.extend_from_slice(user.as_bytes());
    pair.push(b':');
    pair.extend_from_slice(password);
    let encoded = base64::engine::general_purpose::STANDARD.encode(&pair);
    sensitive(format!("Basic {encoded}").into_bytes())
}

/// `Bearer TOKEN` (RFC 6750 2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" /
/// "/" ) *"=").
pub fn bearer(token: &[u8]) -> Result<HeaderValue, AuthError> {
    let body_len = token.iter().rposition(|&b| b != b'=').map_or(0, |i| i + 1);
    let word = |b: &u8| b.is_ascii_alphanumeric() || b"-._~+/".contains(b);
    if body_len == 0 || !token[..body_len].iter().all(word) {
        return Err(AuthError::BadToken);
    }
    let mut v = b"Bearer ".to_vec();
    v.extend_from_slice(token);
    sensitive(v)
}

fn sensitive(bytes: Vec<u8>) -> Result<HeaderValue, AuthError> {
    // Base64 and b64token are visible ASCII, so this cannot fail; map it anyway.
    let mut v = HeaderValue::from_bytes(&bytes).map_err(|_| AuthError::BadToken)?;
    v.set_sensitive(true);
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_is_rfc_7617() {
        // RFC 7617 2's example.
        let v = basic("Aladdin", b"open sesame").unwrap();
        assert_eq!(v.to_str().unwrap(), "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
        assert!(v.is_sensitive());
        assert_eq!(format!("{v:?}"), "Sensitive");
        assert_eq!(basic("a:b", b"x"), Err(AuthError::ColonInUser));
        assert_eq!(basic("a\nb", b"x"), Err(AuthError::ControlInUser));
        // The password may hold anything, even a colon.
        assert!(basic("u", b"p:w\xff").is_ok());
    }

    #[test]
    fn bearer_is_a_b64token() {
        let v = bearer(b"mF_9.B5f-4.1JqM==").unwrap();
        assert_eq!(v.to_str().unwrap(), "Bearer mF_9.B5f-4.1JqM==");
        assert!(v.is_sensitive());
        for bad in [
            &b""[..],
            b"==",
            b"a b",
            b"a\r\nX: y",
            b"a=b",
            b"caf\xc3\xa9",
        ] {
            assert_eq!(bearer(bad), Err(AuthError::BadToken), "{bad:?}");
        }
        // The error never quotes the token.
        let bad = "s3cr3t\tword";
        let e = bearer(bad.as_bytes()).unwrap_err().to_string();
        assert!(!e.contains("s3cr3t"), "{e}");
    }
}
