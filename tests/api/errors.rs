use crate::helpers::{problem, spawn_app};

#[tokio::test]
async fn an_unknown_route_is_a_404_problem() {
    let app = spawn_app().await;
    problem(app.get("/api/v1/no-such-thing").await, 404).await;
    problem(app.get("/nowhere").await, 404).await;
}

#[tokio::test]
async fn a_wrong_method_on_a_known_route_is_a_405_problem() {
    let app = spawn_app().await;
    let response = app
        .client
        .delete(app.url("/api/v1/regions"))
        .send()
        .await
        .expect("sent");
    problem(response, 405).await;
    let response = app
        .client
        .post(app.url("/healthz"))
        .send()
        .await
        .expect("sent");
    problem(response, 405).await;
}

#[tokio::test]
async fn a_malformed_path_parameter_is_a_400_and_an_unknown_one_a_404() {
    let app = spawn_app().await;
    let body = problem(app.get("/api/v1/regions/not-a-code").await, 400).await;
    assert!(body["detail"].is_string());
    problem(app.get("/api/v1/regions/430525999000").await, 404).await;
}

#[tokio::test]
async fn invalid_query_values_are_422_naming_each_field() {
    let app = spawn_app().await;
    let cases = [
        ("/api/v1/regions?limit=abc", "limit"),
        ("/api/v1/regions?limit=0", "limit"),
        ("/api/v1/regions?limit=501", "limit"),
        ("/api/v1/regions?parent=43", "parent"),
        ("/api/v1/regions?cursor=zzz", "cursor"),
    ];
    for (path, field) in cases {
        let body = problem(app.get(path).await, 422).await;
        assert_eq!(body["errors"][0]["field"], field, "{path}: {body}");
        assert!(body["errors"][0]["message"].is_string(), "{path}");
    }
}

#[tokio::test]
async fn problem_titles_follow_accept_language_with_chinese_by_default() {
    let app = spawn_app().await;
    let cases = [
        (None, "未找到", "zh-CN"),
        (Some("en-US,en;q=0.9"), "Not found", "en"),
        (Some("fr, zh-CN;q=0.5"), "未找到", "zh-CN"),
        (Some("garbage;;q=x"), "未找到", "zh-CN"),
    ];
    for (accept, title, language) in cases {
        let mut request = app.client.get(app.url("/api/v1/regions/430525999000"));
        if let Some(value) = accept {
            request = request.header("accept-language", value);
        }
        let response = request.send().await.expect("sent");
        assert_eq!(response.headers()["content-language"], language);
        let body = problem(response, 404).await;
        assert_eq!(body["title"], title, "{accept:?}");
    }
}

#[tokio::test]
async fn malformed_requests_never_cause_a_server_error() {
    let app = spawn_app().await;
    let paths = [
        "/api/v1/regions/%FF%FE",
        "/api/v1/regions/%00",
        "/api/v1/regions/4305250000001234567890",
        "/api/v1/regions?parent=%F0%9F%98%80&limit=-1",
        "/api/v1/regions?limit=99999999999999999999999",
        "/api/v1/regions?cursor=&parent=",
        "/api/v1/regions/..%2F..%2Fetc%2Fpasswd",
        "/api/v1//regions",
        "/docs/../../etc/passwd",
    ];
    for path in paths {
        let response = app
            .client
            .get(app.url(path))
            .header("accept-language", "*;q=abc, -, zh-;q=1e999")
            .header("x-request-id", "../../<script>")
            .send()
            .await
            .expect("sent");
        let status = response.status().as_u16();
        assert!(status < 500, "{path} answered {status}");
    }
}

#[tokio::test]
async fn bad_json_bodies_get_400_413_415_and_422_from_the_real_server() {
    let app = spawn_app().await;
    let url = app.url("/api/v1/auth/login");
    let send = |content_type: &'static str, body: Vec<u8>| {
        let request = app
            .client
            .post(url.clone())
            .header("content-type", content_type)
            .body(body);
        async move { request.send().await.expect("sent") }
    };
    problem(
        send("application/json", b"{\"email\": ".to_vec()).await,
        400,
    )
    .await;
    // Not JSON at all, however the parts read so far would map: 400, and
    // no field to blame.
    for truncated in [&b"[1, 2"[..], br#"{"email": 7, "password": "x""#] {
        let body = problem(send("application/json", truncated.to_vec()).await, 400).await;
        assert!(body.get("errors").is_none(), "{body}");
    }
    problem(send("text/plain", b"{}".to_vec()).await, 415).await;
    problem(
        send("application/json", vec![b' '; (1 << 20) + 1]).await,
        413,
    )
    .await;
    let body = problem(
        send(
            "application/json",
            br#"{"email": 7, "password": "x"}"#.to_vec(),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(body["errors"][0]["field"], "email");
    let body = problem(
        send("application/json", br#"{"password": "x"}"#.to_vec()).await,
        422,
    )
    .await;
    assert_eq!(body["errors"][0]["field"], "email");
}

#[tokio::test]
async fn a_405_keeps_its_allow_header_and_a_401_says_bearer() {
    let app = spawn_app().await;
    let response = app
        .client
        .delete(app.url("/api/v1/regions"))
        .send()
        .await
        .expect("sent");
    assert!(
        response.headers().get("allow").is_some(),
        "{:?}",
        response.headers()
    );
    problem(response, 405).await;
    let response = app.get("/api/v1/me").await;
    assert_eq!(response.headers()["www-authenticate"], "Bearer");
    problem(response, 401).await;
}
