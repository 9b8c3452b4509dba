//! API tokens: `baton_` followed by 43 base64url characters (32 random bytes).
//!
//! The secret is shown once, when the token is made; the store keeps only its SHA-256
//! hash. A fast hash is enough here, unlike for passwords: a password KDF (argon2,
//! bcrypt) exists to slow down guessing low-entropy secrets from a stolen hash, but a
//! token has 256 random bits, so no amount of guessing finds one, and a fast hash lets
//! every request be checked with one indexed lookup.
//!
//! The token's public id is the first [`ID_CHARS`] characters after the prefix: whoever
//! holds a token can tell which row of `baton token list` it is, and the id reveals only
//! 48 of the 256 random bits, which leaves far more than enough.

use std::fmt;

use sha2::{Digest, Sha256};

use crate::Error;

/// Every token starts with this, so secret scanners and people recognise one.
pub const PREFIX: &str = "baton_";
/// Characters after the prefix: 32 bytes in unpadded base64url.
pub const SECRET_CHARS: usize = 43;
/// Characters of the public id.
pub const ID_CHARS: usize = 8;

const RANDOM_BYTES: usize = 32;
const BASE64URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// A freshly generated token. `Debug` leaves the secret out, so logging one is harmless.
#[derive(Clone)]
pub struct Token {
    /// The bearer secret: show it to the user once, never store it.
    pub secret: String,
    /// The public id, for listing and revoking.
    pub id: String,
    /// SHA-256 of the secret as lowercase hex: what the store keeps.
    pub hash: String,
}

impl Token {
    /// A new token from the operating system's random number generator.
    pub fn generate() -> Result<Token, Error> {
        let mut bytes = [0u8; RANDOM_BYTES];
        getrandom::fill(&mut bytes).map_err(|e| Error::Random(e.to_string()))?;
        Ok(Token::from_bytes(&bytes))
    }

    fn from_bytes(bytes: &[u8; RANDOM_BYTES]) -> Token {
        let secret = format!("{PREFIX}{}", base64url(bytes));
        let id = secret[PREFIX.len()..PREFIX.len() + ID_CHARS].to_string();
        let hash = hash_secret(&secret);
        Token { secret, id, hash }
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token")
            .field("id", &self.id)
            .field("secret", &"<redacted>")
            .field("hash", &self.hash)
            .finish()
    }
}

/// SHA-256 of a token's secret, as lowercase hex: the key the store looks tokens up by.
pub fn hash_secret(secret: &str) -> String {
    let digest = Sha256::digest(secret.as_bytes());
    let mut hex = String::with_capacity(digest.len() * 2);
    for byte in digest {
        hex.push(char::from(HEX[usize::from(byte >> 4)]));
        hex.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
    hex
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// The public id of a well-formed secret, or [`Error::MalformedToken`]. The server checks
/// the form before hashing so that garbage is refused without a store lookup, and logs
/// the id (never the secret) of a failed login.
pub fn token_id(secret: &str) -> Result<&str, Error> {
    let rest = secret.strip_prefix(PREFIX).ok_or(Error::MalformedToken)?;
    if rest.len() != SECRET_CHARS || !rest.bytes().all(|b| BASE64URL.contains(&b)) {
        return Err(Error::MalformedToken);
    }
    // Checked above: `rest` is ASCII and longer than the id.
    Ok(&rest[..ID_CHARS])
}

/// Unpadded base64url (RFC 4648 §5); a dozen lines do not justify a dependency.
fn base64url(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        // A chunk of k bytes gives k + 1 characters; the rest would be padding.
        for i in 0..=chunk.len() {
            let sextet = (n >> (18 - 6 * i)) & 0x3f;
            out.push(char::from(BASE64URL[sextet as usize]));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_tokens_have_the_documented_form() {
        let token = Token::generate().expect("random numbers");
        assert!(token.secret.starts_with("baton_"), "{}", token.secret);
        assert_eq!(token.secret.len(), PREFIX.len() + SECRET_CHARS);
        assert_eq!(token_id(&token.secret).ok(), Some(token.id.as_str()));
        assert_eq!(token.id.len(), ID_CHARS);
        assert_eq!(token.hash, hash_secret(&token.secret));
        assert_eq!(token.hash.len(), 64);
        assert!(
            !format!("{token:?}").contains(&token.secret),
            "Debug hides the secret"
        );
        let other = Token::generate().expect("random numbers");
        assert_ne!(token.secret, other.secret);
    }

    #[test]
    fn base64url_matches_rfc_4648_vectors() {
        // RFC 4648 §10 test vectors, unpadded, and the two characters base64url changes.
        let check = |input: &[u8], expect: &str| assert_eq!(base64url(input), expect);
        check(b"", "");
        check(b"f", "Zg");
        check(b"fo", "Zm8");
        check(b"foo", "Zm9v");
        check(b"foob", "Zm9vYg");
        check(b"fooba", "Zm9vYmE");
        check(b"foobar", "Zm9vYmFy");
        check(&[0xfb, 0xff], "-_8");
    }

    #[test]
    fn a_known_token_has_a_known_id_and_hash() {
        let token = Token::from_bytes(&[0u8; 32]);
        assert_eq!(token.secret, format!("baton_{}", "A".repeat(43)));
        assert_eq!(token.id, "AAAAAAAA");
        // sha256("baton_" + 43 × "A"), computed independently with `sha256sum`.
        assert_eq!(
            token.hash,
            "0a4a9a5b4351cd14630a217354935ff37f8a1edc04d26b30728a7336683e9a3f"
        );
        assert_eq!(
            hash_secret("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn malformed_secrets_are_refused_before_any_lookup() {
        for bad in [
            "",
            "baton_",
            "token_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "baton_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "baton_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "baton_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
            "baton_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAé",
        ] {
            assert!(
                matches!(token_id(bad), Err(Error::MalformedToken)),
                "{bad:?}"
            );
        }
    }
}
