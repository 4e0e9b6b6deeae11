use crate::helpers::spawn_app;

#[tokio::test]
async fn the_builtin_county_lists_its_23_townships_in_code_order() {
    let app = spawn_app().await;
    let page: serde_json::Value = app
        .get("/api/v1/regions?parent=430525&limit=500")
        .await
        .json()
        .await
        .expect("JSON");
    let items = page["items"].as_array().expect("items");
    assert_eq!(items.len(), 23);
    assert!(page["next_cursor"].is_null());
    let codes: Vec<&str> = items
        .iter()
        .map(|r| r["code"].as_str().expect("code"))
        .collect();
    let mut sorted = codes.clone();
    sorted.sort();
    assert_eq!(codes, sorted);
    assert!(
        items
            .iter()
            .all(|r| r["level"] == "township" && r["parent_code"] == "430525000000")
    );
}

#[tokio::test]
async fn without_a_parent_the_counties_are_listed() {
    let app = spawn_app().await;
    let page: serde_json::Value = app.get("/api/v1/regions").await.json().await.expect("JSON");
    assert_eq!(page["items"][0]["code"], "430525000000");
    assert_eq!(page["items"][0]["name"], "洞口县");
}

#[tokio::test]
async fn paging_with_the_cursor_returns_every_township_exactly_once() {
    let app = spawn_app().await;
    let mut seen = Vec::new();
    let mut path = "/api/v1/regions?parent=430525000000&limit=5".to_owned();
    loop {
        let page: serde_json::Value = app.get(&path).await.json().await.expect("JSON");
        let items = page["items"].as_array().expect("items");
        assert!(items.len() <= 5);
        seen.extend(
            items
                .iter()
                .map(|r| r["code"].as_str().expect("code").to_owned()),
        );
        match page["next_cursor"].as_str() {
            Some(cursor) => {
                path = format!("/api/v1/regions?parent=430525000000&limit=5&cursor={cursor}")
            }
            None => break,
        }
    }
    let mut unique = seen.clone();
    unique.dedup();
    assert_eq!(seen.len(), 23);
    assert_eq!(unique.len(), 23);
}

#[tokio::test]
async fn a_name_outside_the_basic_multilingual_plane_round_trips_exactly() {
    let app = spawn_app().await;
    let region: serde_json::Value = app
        .get("/api/v1/regions/430525203000")
        .await
        .json()
        .await
        .expect("JSON");
    assert_eq!(region["name"], "𦰡溪瑶族乡");
    assert_eq!(
        region["name"].as_str().expect("name").chars().next(),
        Some('\u{26C21}')
    );
}
