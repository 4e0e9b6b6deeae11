use crate::helpers::spawn_app;

#[tokio::test]
async fn the_openapi_document_is_3_1_titled_huzhu_and_covers_the_api() {
    let app = spawn_app().await;
    let doc = app.openapi().await;
    assert!(doc["openapi"].as_str().expect("version").starts_with("3.1"));
    assert_eq!(doc["info"]["title"], "huzhu");
    assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));
    for path in [
        "/api/v1/regions",
        "/api/v1/regions/{code}",
        "/healthz",
        "/readyz",
        "/metrics",
    ] {
        assert!(doc["paths"][path].is_object(), "missing {path}");
    }
}

#[tokio::test]
async fn every_documented_api_route_is_served() {
    let app = spawn_app().await;
    let doc = app.openapi().await;
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("operations").keys() {
            let concrete = path.replace("{code}", "430525000000");
            let request = app.client.request(
                method.to_uppercase().parse().expect("method"),
                app.url(&concrete),
            );
            let status = request.send().await.expect("sent").status().as_u16();
            assert!(
                status != 404 && status != 405,
                "{method} {path} answered {status}"
            );
        }
    }
}

#[tokio::test]
async fn the_docs_page_is_served_from_the_binary_without_outside_assets() {
    let app = spawn_app().await;
    let redirect = app.get("/docs").await;
    assert_eq!(redirect.status().as_u16(), 308);
    let page = app.get("/docs/").await;
    assert_eq!(page.status().as_u16(), 200);
    let html = page.text().await.expect("HTML");
    assert!(html.contains("swagger-ui"), "{html}");
    assert!(
        !html.contains("https://") && !html.contains("http://"),
        "{html}"
    );
    let bundle = app.get("/docs/swagger-ui-bundle.js").await;
    assert_eq!(bundle.status().as_u16(), 200);
    let initializer = app
        .get("/docs/swagger-initializer.js")
        .await
        .text()
        .await
        .expect("JS");
    assert!(
        initializer.contains("/api/v1/openapi.json"),
        "{initializer}"
    );
}

#[tokio::test]
async fn every_operation_has_a_unique_id_and_documents_its_errors_as_problems() {
    let app = spawn_app().await;
    let doc = app.openapi().await;
    let mut ids = std::collections::HashSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("operations") {
            let id = operation["operationId"].as_str().expect("operationId");
            assert!(ids.insert(id.to_owned()), "{id} twice");
            let responses = operation["responses"].as_object().expect("responses");
            let guarded = operation.get("security").is_some();
            for status in ["401", "403"].into_iter().filter(|_| guarded) {
                assert!(responses.contains_key(status), "{method} {path} {status}");
            }
            if path.contains("{id}") {
                assert!(responses.contains_key("404"), "{method} {path} 404");
            }
            if operation.get("requestBody").is_some() {
                for status in ["400", "413", "415", "422"] {
                    assert!(responses.contains_key(status), "{method} {path} {status}");
                }
            }
            for (status, response) in responses.iter().filter(|(s, _)| s.as_str() >= "400") {
                assert_eq!(
                    response["content"]["application/problem+json"]["schema"]["$ref"],
                    "#/components/schemas/Problem",
                    "{method} {path} {status}"
                );
            }
        }
    }
}

#[tokio::test]
async fn lists_and_creations_link_to_their_items_routes() {
    let app = spawn_app().await;
    let doc = app.openapi().await;
    let claim = &doc["paths"]["/api/v1/needs/{id}/claim"]["post"];
    let from_list = &doc["paths"]["/api/v1/needs"]["get"]["responses"]["200"]["links"];
    let to_claim = from_list
        .as_object()
        .expect("links")
        .values()
        .find(|l| l["operationId"] == claim["operationId"])
        .expect("a link from the list to the claim");
    assert_eq!(to_claim["parameters"]["id"], "$response.body#/items/0/id");
    let from_claim = &claim["responses"]["201"]["links"];
    assert!(
        from_claim
            .as_object()
            .expect("links")
            .values()
            .any(|l| l["parameters"]["id"] == "$response.body#/id"),
        "{from_claim}"
    );
}
