//! Digests: many items of one batch (a matching round's proposals) become one
//! email per recipient listing all of theirs.

use sea_orm::ConnectionTrait;
use serde_json::{Map, Value};

use super::{Email, EmailKind, IdempotencyKey, MailError, Recipient, Templates, enqueue};
use crate::i18n::Locale;
use crate::store::entity::outbox;

/// One item for one recipient, keyed by who they are (a user id).
pub struct DigestItem {
    pub recipient_key: String,
    pub to: Recipient,
    pub item: Value,
}

/// The items of each recipient, in the order recipients first appear.
pub fn group(items: Vec<DigestItem>) -> Vec<(String, Recipient, Vec<Value>)> {
    let mut groups: Vec<(String, Recipient, Vec<Value>)> = Vec::new();
    let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for DigestItem {
        recipient_key,
        to,
        item,
    } in items
    {
        match index.get(&recipient_key) {
            Some(&i) => groups[i].2.push(item),
            None => {
                index.insert(recipient_key.clone(), groups.len());
                groups.push((recipient_key, to, vec![item]));
            }
        }
    }
    groups
}

/// A digest's definition: its template, the batch it belongs to, the field
/// its list goes in, and the context every copy shares.
pub struct Digest<'a> {
    pub kind: EmailKind,
    /// The event: one digest per recipient per batch, however often written.
    pub batch: &'a str,
    pub list_field: &'a str,
    pub shared: Map<String, Value>,
}

/// A digest not rendered yet: who it goes to, the key it is queued under,
/// and its whole template context.
pub struct Unrendered {
    pub key: IdempotencyKey,
    pub to: Recipient,
    pub context: Value,
}

/// One unrendered email per recipient, each with the key it is queued under.
pub fn unrendered_digests(digest: &Digest<'_>, items: Vec<DigestItem>) -> Vec<Unrendered> {
    group(items)
        .into_iter()
        .map(|(key, to, list)| {
            let mut context = digest.shared.clone();
            context.insert("count".to_owned(), Value::from(list.len()));
            context.insert(digest.list_field.to_owned(), Value::Array(list));
            Unrendered {
                key: IdempotencyKey::new(digest.batch, &key),
                to,
                context: Value::Object(context),
            }
        })
        .collect()
}

/// Renders one email per recipient, each with the key it is queued under.
pub fn compose_digests(
    templates: &Templates,
    public_url: &str,
    digest: &Digest<'_>,
    items: Vec<DigestItem>,
) -> Result<Vec<(IdempotencyKey, Email)>, MailError> {
    unrendered_digests(digest, items)
        .into_iter()
        .map(|u| {
            let email = templates.compose(digest.kind, &u.to, public_url, u.context)?;
            Ok((u.key, email))
        })
        .collect()
}

/// The row as it is sent: a row queued unrendered gets its subject and
/// bodies rendered from its payload, exactly as they would have been when it
/// was queued; a rendered row is returned as it is.
pub fn rendered_row(
    templates: &Templates,
    public_url: &str,
    row: &outbox::Model,
) -> Result<Option<outbox::Model>, String> {
    let Some(payload) = &row.payload else {
        return Ok(None);
    };
    let kind = EmailKind::parse(&row.kind).ok_or("unknown email kind")?;
    let locale = Locale::parse(&row.locale).ok_or("unknown locale")?;
    let context: Value = serde_json::from_str(payload).map_err(|_| "payload is not JSON")?;
    let to = Recipient {
        email: row.recipient_email.clone(),
        name: row.recipient_name.clone(),
        locale,
    };
    let email = templates
        .compose(kind, &to, public_url, context)
        .map_err(|e| e.to_string())?;
    Ok(Some(outbox::Model {
        subject: email.subject,
        text_body: email.text,
        html_body: email.html,
        payload: None,
        ..row.clone()
    }))
}

/// Queues one email per recipient in `txn`. Returns how many were queued.
pub async fn enqueue_digests(
    txn: &impl ConnectionTrait,
    templates: &Templates,
    public_url: &str,
    digest: &Digest<'_>,
    items: Vec<DigestItem>,
) -> Result<usize, MailError> {
    let mut queued = 0;
    for (key, email) in compose_digests(templates, public_url, digest, items)? {
        if enqueue(txn, &key, &email).await? {
            queued += 1;
        }
    }
    Ok(queued)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(key: &str, n: i64) -> DigestItem {
        DigestItem {
            recipient_key: key.to_owned(),
            to: Recipient {
                email: format!("{key}@example.org"),
                name: key.to_owned(),
                locale: Locale::ZhCn,
            },
            item: Value::from(n),
        }
    }

    #[test]
    fn items_are_grouped_per_recipient_in_first_seen_order() {
        let groups = group(vec![
            item("b", 1),
            item("a", 2),
            item("b", 3),
            item("a", 4),
            item("c", 5),
        ]);
        let shape: Vec<(String, Vec<Value>)> = groups.into_iter().map(|(k, _, v)| (k, v)).collect();
        assert_eq!(
            shape,
            vec![
                ("b".to_owned(), vec![Value::from(1), Value::from(3)]),
                ("a".to_owned(), vec![Value::from(2), Value::from(4)]),
                ("c".to_owned(), vec![Value::from(5)]),
            ]
        );
    }
}
