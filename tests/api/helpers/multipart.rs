//! A `multipart/form-data` body as an upload form sends one: text fields,
//! then the file as the field `file`. The page uploads, the import API's
//! tests and the import bench all post theirs through here.

const BOUNDARY: &str = "huzhu-test-boundary";

/// `request` carrying `fields` and then `bytes` as the file `file_name`.
pub fn with_file(
    request: reqwest::RequestBuilder,
    fields: &[(&str, &str)],
    file_name: &str,
    bytes: &[u8],
) -> reqwest::RequestBuilder {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\n\
             Content-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    request
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(body)
}
