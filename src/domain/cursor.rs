//! Keyset cursors: where a list continues, written as the key of the last
//! item it showed. A list ordered by id continues after an id; one ordered
//! by a number (a time, a distance, a cost) continues after `number_id`.

use uuid::Uuid;

/// The cursor after the item keyed `(number, id)`.
pub fn encode_key(number: i64, id: Uuid) -> String {
    format!("{number}_{id}")
}

/// The `(number, id)` a cursor from [`encode_key`] holds.
pub fn parse_key(text: &str) -> Option<(i64, Uuid)> {
    let (number, id) = text.split_once('_')?;
    Some((number.parse().ok()?, Uuid::parse_str(id).ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_reads_back_and_anything_else_is_refused() {
        let id = Uuid::now_v7();
        assert_eq!(parse_key(&encode_key(-42, id)), Some((-42, id)));
        for bad in [
            "",
            "_",
            "12",
            "12_",
            "x_0190d1c4-0000-7000-8000-000000000000",
            "1_2",
        ] {
            assert_eq!(parse_key(bad), None, "{bad:?}");
        }
    }
}
