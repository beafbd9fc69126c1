//! An OpenID Connect provider on 127.0.0.1 for the sign-in tests: discovery, an
//! authorization endpoint that signs in whoever the test says, a token endpoint that checks
//! the code, its single use, the PKCE verifier and the client's credentials, and a JWKS. Its
//! ID tokens are signed RS256 (two RSA keys, for rotation) or ES256, or spoiled as a test
//! asks (`alg: none`, a bad signature, another audience, expired, another nonce).

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use p256::ecdsa::signature::Signer as _;
use rsa::pkcs8::DecodePrivateKey as _;
use rsa::signature::SignatureEncoding as _;
use rsa::traits::PublicKeyParts as _;
use serde_json::{Value, json};
use sha2::Digest as _;

use super::{Fake, Request, Response};

pub const CLIENT_ID: &str = "sophie-test-client";
pub const CLIENT_SECRET: &str = "sophie-test-secret";

/// The key an ID token is signed with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Key {
    Rsa1,
    Rsa2,
    Ec,
}

impl Key {
    fn kid(self) -> &'static str {
        match self {
            Self::Rsa1 => "rsa-1",
            Self::Rsa2 => "rsa-2",
            Self::Ec => "ec-1",
        }
    }
}

/// How the next ID token is spoiled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Spoil {
    Nothing,
    AlgNone,
    BadSignature,
    OtherAudience,
    Expired,
    OtherNonce,
    /// Signed with a key id the JWKS does not hold (its bytes are `Rsa1`'s).
    UnknownKid,
    /// HS256 keyed with the client secret, which the discovery document offers.
    Hs256,
}

/// The person who signs in at the provider.
#[derive(Clone, Debug)]
pub struct Person {
    pub sub: String,
    pub email: String,
    pub email_verified: bool,
    pub name: String,
}

impl Person {
    pub fn new(sub: &str, email: &str) -> Self {
        Self {
            sub: sub.to_owned(),
            email: email.to_owned(),
            email_verified: true,
            name: "Grace Hopper".to_owned(),
        }
    }
}

struct Grant {
    person: Person,
    nonce: String,
    challenge: String,
    redirect_uri: String,
    used: bool,
}

struct State {
    issuer: String,
    person: Person,
    signing: Key,
    published: Vec<Key>,
    spoil: Spoil,
    grants: HashMap<String, Grant>,
    issued: usize,
    /// Refresh tokens issued and not revoked.
    refreshable: Vec<String>,
}

/// The provider.
pub struct Provider {
    pub fake: Fake,
    state: Arc<Mutex<State>>,
}

impl Provider {
    pub async fn start() -> Self {
        let state = Arc::new(Mutex::new(State {
            issuer: String::new(),
            person: Person::new("sub-grace", "grace@example.com"),
            signing: Key::Rsa1,
            published: vec![Key::Rsa1, Key::Ec],
            spoil: Spoil::Nothing,
            grants: HashMap::new(),
            issued: 0,
            refreshable: Vec::new(),
        }));
        let shared = state.clone();
        let fake = Fake::start(move |request, _| answer(&shared, request)).await;
        state.lock().unwrap().issuer = fake.base.clone();
        Self { fake, state }
    }

    pub fn issuer(&self) -> &str {
        &self.fake.base
    }

    /// Who signs in next.
    pub fn sign_in_as(&self, person: Person) {
        self.state.lock().unwrap().person = person;
    }

    /// The key tokens are signed with from now on.
    pub fn sign_with(&self, key: Key) {
        self.state.lock().unwrap().signing = key;
    }

    /// The keys the JWKS lists.
    pub fn publish(&self, keys: &[Key]) {
        self.state.lock().unwrap().published = keys.to_vec();
    }

    /// How the next tokens are spoiled.
    pub fn spoil(&self, spoil: Spoil) {
        self.state.lock().unwrap().spoil = spoil;
    }

    /// How many times the JWKS was read.
    pub fn jwks_reads(&self) -> usize {
        self.fake
            .requests()
            .iter()
            .filter(|r| r.path() == "/jwks")
            .count()
    }

    /// Revokes every refresh token issued so far.
    pub fn revoke_refresh_tokens(&self) {
        self.state.lock().unwrap().refreshable.clear();
    }

    /// The access tokens it issued (`access-<n>`), to look for in the database.
    pub fn issued(&self) -> usize {
        self.state.lock().unwrap().issued
    }
}

fn answer(state: &Arc<Mutex<State>>, request: &Request) -> Response {
    let mut state = state.lock().unwrap();
    match (request.method.as_str(), request.path()) {
        ("GET", "/.well-known/openid-configuration") => Response::json(
            200,
            &json!({
                "issuer": state.issuer,
                "authorization_endpoint": format!("{}/authorize", state.issuer),
                "token_endpoint": format!("{}/token", state.issuer),
                "jwks_uri": format!("{}/jwks", state.issuer),
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                // HS256 too: sophie must refuse it all the same.
                "id_token_signing_alg_values_supported": ["RS256", "ES256", "HS256"],
                "code_challenge_methods_supported": ["S256"],
            }),
        ),
        ("GET", "/jwks") => {
            let keys: Vec<Value> = state.published.iter().map(|key| jwk(*key)).collect();
            Response::json(200, &json!({ "keys": keys }))
        }
        ("GET", "/authorize") => authorize(&mut state, request),
        ("POST", "/token") => token(&mut state, request),
        _ => Response::status(404),
    }
}

fn query_of(target: &str) -> HashMap<String, String> {
    reqwest::Url::parse(&format!("http://fake{target}"))
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect()
}

fn authorize(state: &mut State, request: &Request) -> Response {
    let query = query_of(&request.target);
    let field = |name: &str| query.get(name).cloned().unwrap_or_default();
    if field("client_id") != CLIENT_ID
        || field("response_type") != "code"
        || field("code_challenge_method") != "S256"
        || !field("scope").split(' ').any(|s| s == "openid")
    {
        return Response::json(400, &json!({ "error": "invalid_request" }));
    }
    let code = format!("code-{}", state.grants.len() + 1);
    state.grants.insert(
        code.clone(),
        Grant {
            person: state.person.clone(),
            nonce: field("nonce"),
            challenge: field("code_challenge"),
            redirect_uri: field("redirect_uri"),
            used: false,
        },
    );
    let mut back = reqwest::Url::parse(&field("redirect_uri")).unwrap();
    back.query_pairs_mut()
        .append_pair("code", &code)
        .append_pair("state", &field("state"));
    Response::redirect(back.as_str())
}

fn token(state: &mut State, request: &Request) -> Response {
    let form = query_of(&format!("/?{}", String::from_utf8_lossy(&request.body)));
    let field = |name: &str| form.get(name).cloned().unwrap_or_default();
    let refused = |error: &str| Response::json(400, &json!({ "error": error }));
    let basic = format!(
        "Basic {}",
        STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"))
    );
    let authenticated = request
        .headers
        .iter()
        .any(|(name, value)| name == "authorization" && *value == basic);
    if !authenticated {
        return Response::json(401, &json!({ "error": "invalid_client" }));
    }
    if field("grant_type") == "refresh_token" {
        if !state.refreshable.contains(&field("refresh_token")) {
            return refused("invalid_grant");
        }
        state.issued += 1;
        return Response::json(
            200,
            &json!({
                "access_token": format!("access-{}-refreshed", state.issued),
                "token_type": "Bearer",
                "expires_in": 3600,
            }),
        );
    }
    if field("grant_type") != "authorization_code" {
        return refused("unsupported_grant_type");
    }
    let Some(grant) = state.grants.get_mut(&field("code")) else {
        return refused("invalid_grant");
    };
    let proof = URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(field("code_verifier").as_bytes()));
    if grant.used || proof != grant.challenge || field("redirect_uri") != grant.redirect_uri {
        return refused("invalid_grant");
    }
    grant.used = true;
    let (person, nonce) = (grant.person.clone(), grant.nonce.clone());
    state.issued += 1;
    let issued = state.issued;
    state
        .refreshable
        .push(format!("refresh-{issued}-f6e5d4c3b2a1"));
    let id_token = id_token(state, &person, &nonce);
    Response::json(
        200,
        &json!({
            "access_token": format!("access-{issued}-a1b2c3d4e5f6"),
            "token_type": "Bearer",
            "expires_in": 3600,
            "refresh_token": format!("refresh-{issued}-f6e5d4c3b2a1"),
            "scope": "openid email profile",
            "id_token": id_token,
        }),
    )
}

fn id_token(state: &State, person: &Person, nonce: &str) -> String {
    let now = chrono::Utc::now().timestamp();
    let spoil = state.spoil;
    let claims = json!({
        "iss": state.issuer,
        "sub": person.sub,
        "aud": if spoil == Spoil::OtherAudience { "someone-else" } else { CLIENT_ID },
        "exp": if spoil == Spoil::Expired { now - 600 } else { now + 600 },
        "iat": if spoil == Spoil::Expired { now - 1200 } else { now },
        "nonce": if spoil == Spoil::OtherNonce { "a-nonce-of-another-flow" } else { nonce },
        "email": person.email,
        "email_verified": person.email_verified,
        "name": person.name,
    });
    let key = state.signing;
    let (alg, kid) = match (spoil, key) {
        (Spoil::AlgNone, _) => ("none", None),
        (Spoil::UnknownKid, _) => ("RS256", Some("rsa-unknown")),
        (Spoil::Hs256, _) => ("HS256", None),
        (_, Key::Ec) => ("ES256", Some(key.kid())),
        (_, _) => ("RS256", Some(key.kid())),
    };
    let mut header = json!({ "alg": alg, "typ": "JWT" });
    if let Some(kid) = kid {
        header["kid"] = json!(kid);
    }
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let mut signature = match (spoil, key) {
        (Spoil::AlgNone, _) => Vec::new(),
        (Spoil::UnknownKid, _) => rsa_sign(Key::Rsa1, &input),
        (Spoil::Hs256, _) => {
            use hmac::Mac as _;
            let mut mac =
                hmac::Hmac::<sha2::Sha256>::new_from_slice(CLIENT_SECRET.as_bytes()).unwrap();
            mac.update(input.as_bytes());
            mac.finalize().into_bytes().to_vec()
        }
        (_, Key::Ec) => {
            let signature: p256::ecdsa::Signature = ec_key().sign(input.as_bytes());
            signature.to_bytes().to_vec()
        }
        (_, key) => rsa_sign(key, &input),
    };
    if spoil == Spoil::BadSignature {
        signature[10] ^= 0x40;
    }
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature))
}

fn rsa_key(key: Key) -> rsa::RsaPrivateKey {
    let pem = match key {
        Key::Rsa2 => include_str!("../fixtures/oidc/rsa-2.pem"),
        _ => include_str!("../fixtures/oidc/rsa-1.pem"),
    };
    rsa::RsaPrivateKey::from_pkcs8_pem(pem).unwrap()
}

fn rsa_sign(key: Key, input: &str) -> Vec<u8> {
    let signer = rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new(rsa_key(key));
    rsa::signature::Signer::sign(&signer, input.as_bytes()).to_vec()
}

fn ec_key() -> p256::ecdsa::SigningKey {
    // A fixed test scalar: the SHA-256 of a phrase.
    let scalar = sha2::Sha256::digest(b"sophie's test provider's P-256 key");
    p256::ecdsa::SigningKey::from_slice(&scalar).unwrap()
}

fn jwk(key: Key) -> Value {
    match key {
        Key::Ec => {
            let point = ec_key().verifying_key().to_sec1_point(false);
            json!({
                "kty": "EC", "crv": "P-256", "use": "sig", "alg": "ES256", "kid": key.kid(),
                "x": URL_SAFE_NO_PAD.encode(point.x().unwrap()),
                "y": URL_SAFE_NO_PAD.encode(point.y().unwrap()),
            })
        }
        _ => {
            let public = rsa_key(key).to_public_key();
            json!({
                "kty": "RSA", "use": "sig", "alg": "RS256", "kid": key.kid(),
                "n": URL_SAFE_NO_PAD.encode(public.n().to_bytes_be()),
                "e": URL_SAFE_NO_PAD.encode(public.e().to_bytes_be()),
            })
        }
    }
}
