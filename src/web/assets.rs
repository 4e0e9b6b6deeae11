//! Files the pages load from huzhu itself — our stylesheet and scripts, and
//! the vendored Leaflet (assets/vendor) — embedded in the binary and served
//! under names that carry their content hash, so that browsers may keep
//! them for good and a new build is fetched at once. Nothing comes from
//! outside the server: users run huzhu in closed networks.

use std::collections::HashMap;
use std::sync::LazyLock;

use actix_web::http::{StatusCode, header};
use actix_web::middleware::Compress;
use actix_web::{HttpRequest, HttpResponse, web};
use sha2::{Digest, Sha256};

/// One embedded file: the name templates ask for, and its bytes.
struct Asset {
    name: &'static str,
    bytes: &'static [u8],
}

macro_rules! asset {
    ($name:literal, $path:literal) => {
        Asset {
            name: $name,
            bytes: include_bytes!(concat!("../../assets/", $path)),
        }
    };
}

const FILES: &[Asset] = &[
    asset!("huzhu.css", "huzhu.css"),
    asset!("huzhu.js", "huzhu.js"),
    asset!("map_base.js", "map_base.js"),
    asset!("map.js", "map.js"),
    asset!("open_needs_map.js", "open_needs_map.js"),
    asset!("place.js", "place.js"),
    asset!("household.js", "household.js"),
    asset!("leaflet.js", "vendor/leaflet/leaflet.js"),
    asset!("leaflet.css", "vendor/leaflet/leaflet.css"),
    asset!(
        "leaflet.markercluster.js",
        "vendor/leaflet.markercluster/leaflet.markercluster.js"
    ),
    asset!(
        "MarkerCluster.css",
        "vendor/leaflet.markercluster/MarkerCluster.css"
    ),
    asset!(
        "MarkerCluster.Default.css",
        "vendor/leaflet.markercluster/MarkerCluster.Default.css"
    ),
];

/// Leaflet's stylesheet names its images relatively (`images/layers.png`),
/// so they keep their plain names under `/assets/images/`.
const IMAGES: &[Asset] = &[
    asset!("layers.png", "vendor/leaflet/images/layers.png"),
    asset!("layers-2x.png", "vendor/leaflet/images/layers-2x.png"),
    asset!("marker-icon.png", "vendor/leaflet/images/marker-icon.png"),
    asset!(
        "marker-icon-2x.png",
        "vendor/leaflet/images/marker-icon-2x.png"
    ),
    asset!(
        "marker-shadow.png",
        "vendor/leaflet/images/marker-shadow.png"
    ),
];

fn content_type(name: &str) -> &'static str {
    match name.rsplit('.').next() {
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("png") => "image/png",
        _ => "application/octet-stream",
    }
}

/// `huzhu.css` → `huzhu.<first 16 hex digits of its SHA-256>.css`.
fn hashed_name(asset: &Asset) -> String {
    let digest = Sha256::digest(asset.bytes);
    let hash = hex::encode(&digest[..8]);
    match asset.name.rsplit_once('.') {
        Some((stem, ext)) => format!("{stem}.{hash}.{ext}"),
        None => format!("{}.{hash}", asset.name),
    }
}

struct Catalogue {
    /// Name → URL path, for the templates.
    urls: HashMap<&'static str, String>,
    /// Hashed file name → the file.
    files: HashMap<String, &'static Asset>,
}

static CATALOGUE: LazyLock<Catalogue> = LazyLock::new(|| {
    let mut urls = HashMap::new();
    let mut files = HashMap::new();
    for asset in FILES {
        let hashed = hashed_name(asset);
        urls.insert(asset.name, format!("/assets/{hashed}"));
        files.insert(hashed, asset);
    }
    Catalogue { urls, files }
});

/// The URL path of an embedded file, for the pages; `None` for a name no
/// file has (a template's typo fails its render, and its test).
pub fn url(name: &str) -> Option<&'static str> {
    CATALOGUE.urls.get(name).map(String::as_str)
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    // Compressed, unlike the pages: these hold no secret that a size could
    // betray, and Leaflet is 147 KB plain, 42 KB gzipped.
    cfg.service(
        web::scope("/assets")
            .wrap(Compress::default())
            .route("/images/{file}", web::get().to(image))
            .route("/{file}", web::get().to(file)),
    );
}

fn not_found() -> HttpResponse {
    crate::error::problem_response(StatusCode::NOT_FOUND, None, &[])
}

/// Only current names are served: an old hash is a 404, never stale code
/// under a name a browser would keep for a year.
async fn file(req: HttpRequest) -> HttpResponse {
    let name = req.match_info().get("file").unwrap_or_default();
    let Some(asset) = CATALOGUE.files.get(name) else {
        return not_found();
    };
    HttpResponse::Ok()
        .content_type(content_type(asset.name))
        .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
        .body(asset.bytes)
}

async fn image(req: HttpRequest) -> HttpResponse {
    let name = req.match_info().get("file").unwrap_or_default();
    let Some(asset) = IMAGES.iter().find(|a| a.name == name) else {
        return not_found();
    };
    HttpResponse::Ok()
        .content_type(content_type(asset.name))
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .body(asset.bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_has_a_distinct_hashed_url() {
        let urls: std::collections::HashSet<_> =
            FILES.iter().map(|a| url(a.name).expect("a url")).collect();
        assert_eq!(urls.len(), FILES.len());
        let css = url("huzhu.css").expect("the stylesheet");
        assert!(css.starts_with("/assets/huzhu.") && css.ends_with(".css"));
        assert_eq!(url("nothing.js"), None);
    }
}
