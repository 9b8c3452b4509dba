//! `GET /v1/me` and the web UI's session cookie: who the caller is, and that the cookie
//! stands for the token on reads only.

mod support;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::json;
use support::{DOUBLE, assert_problem, server, server_with_tokens, with_token};

#[tokio::test]
async fn a_token_learns_its_role_tenant_and_permissions() {
    let (s, tokens) = server_with_tokens(&[("viewer", "acme"), ("worker", "acme")]);
    let viewer = with_token(&s, &tokens[0], Request::get("/v1/me"), "").await;
    assert_eq!(viewer.status, StatusCode::OK, "{}", viewer.json);
    assert_eq!(viewer.json["role"], "viewer");
    assert_eq!(viewer.json["tenant"], "acme");
    assert_eq!(viewer.json["name"], "viewer-0");
    assert!(
        viewer.json["tokenId"]
            .as_str()
            .is_some_and(|id| !id.is_empty())
    );
    let permissions = viewer.json["permissions"].as_array().expect("a list");
    assert!(permissions.contains(&json!("read-instances")));
    assert!(!permissions.contains(&json!("resolve-incidents")));
    assert!(!permissions.contains(&json!("deploy")));

    // A worker may read nothing else, but may ask who it is.
    let worker = with_token(&s, &tokens[1], Request::get("/v1/me"), "").await;
    assert_eq!(worker.status, StatusCode::OK, "{}", worker.json);
    assert_eq!(worker.json["permissions"][0], "activate-jobs");

    assert_problem(
        &s.get("/v1/me").await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    );
}

#[tokio::test]
async fn an_insecure_dev_server_answers_its_admin() {
    let s = server();
    let me = s.get("/v1/me").await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.json);
    assert_eq!(me.json["role"], "admin");
    assert_eq!(me.json["tenant"], "default");
    let permissions = me.json["permissions"].as_array().expect("a list");
    assert!(permissions.contains(&json!("resolve-incidents")));
    assert!(permissions.contains(&json!("manage-tokens")));
}

#[tokio::test]
async fn the_session_cookie_is_the_token_of_reads_but_never_of_writes() {
    let (s, tokens) = server_with_tokens(&[("admin", "default")]);
    let cookie = format!("theme=dark; baton_session={}", tokens[0]);
    let read = s
        .send(
            Request::get("/v1/me")
                .header(header::COOKIE, &cookie)
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.json);
    assert_eq!(read.json["role"], "admin");

    let head = s
        .send(
            Request::head("/v1/process-instances")
                .header(header::COOKIE, &cookie)
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(head.status, StatusCode::OK);

    // A write with only the cookie is refused: another site's form cannot act for the
    // browser's session.
    let boundary = "XB";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"d.bpmn\"\r\n\
         \r\n{DOUBLE}\r\n--{boundary}--\r\n"
    );
    let write = s
        .send(
            Request::post("/v1/deployments")
                .header(header::COOKIE, &cookie)
                .header(
                    header::CONTENT_TYPE,
                    format!("multipart/form-data; boundary={boundary}"),
                )
                .body(Body::from(body))
                .expect("request"),
        )
        .await;
    assert_problem(&write, StatusCode::UNAUTHORIZED, "unauthorized");
    let listed = s
        .send(
            Request::get("/v1/deployments")
                .header(header::COOKIE, &cookie)
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(
        listed.json["deployments"],
        json!([]),
        "nothing was deployed"
    );

    // The header wins over the cookie: a bad header is not rescued by a good cookie.
    let both = s
        .send(
            Request::get("/v1/me")
                .header(header::COOKIE, &cookie)
                .header(header::AUTHORIZATION, "Bearer not-a-token")
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert_problem(&both, StatusCode::UNAUTHORIZED, "unauthorized");
}
