//! `/rounds.csv`: the rounds in the caller's region with their figures
//! and outcomes, newest first, in the reader's language.

use actix_web::HttpResponse;

use super::{place_names, place_of, steering};
use crate::i18n;
use crate::routes::files::{FileFormat, attachment};
use crate::services::export::{defused, in_locale};
use crate::services::round_history;
use crate::web::Site;
use crate::web::page::PageResult;

/// The most rounds a file holds: years of weekly rounds per township.
const MOST: u64 = 5_000;

const HEADINGS: [(&str, &str); 14] = [
    ("编号", "id"),
    ("开始时间", "started_at"),
    ("地区代码", "region"),
    ("地区", "place"),
    ("考虑的需求", "needs_considered"),
    ("考虑的提供", "offers_considered"),
    ("提议数", "matched"),
    ("待答复", "waiting"),
    ("已接受", "accepted"),
    ("已完成", "completed"),
    ("已婉拒", "declined"),
    ("已过期", "expired"),
    ("已取消", "cancelled"),
    ("求解毫秒", "solve_ms"),
];

pub async fn csv(site: Site) -> PageResult {
    let me = steering(&site)?;
    let rounds = round_history::list(&site.db, me, None, MOST)
        .await
        .map_err(|e| site.fail(e))?;
    let ids: Vec<uuid::Uuid> = rounds.iter().map(|r| r.id).collect();
    let outcomes = round_history::outcomes(&site.db, &ids)
        .await
        .map_err(|e| site.fail(e))?;
    let names = place_names(&site, rounds.iter().map(|r| r.region.as_str())).await?;
    let locale = i18n::current();
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(&mut out);
        let head = HEADINGS.iter().map(|(zh, en)| in_locale(locale, zh, en));
        let mut rows = vec![head.map(str::to_owned).collect::<Vec<_>>()];
        for r in &rounds {
            let o = outcomes.get(&r.id).copied().unwrap_or_default();
            let at = chrono::DateTime::from_timestamp_millis(r.started_at)
                .map(|t| t.with_timezone(&site.settings.timezone).to_rfc3339())
                .unwrap_or_default();
            let mut row = vec![r.id.to_string(), at, r.region.clone()];
            row.push(defused(&place_of(&names, &r.region)));
            row.extend(
                [
                    i64::from(r.needs_considered),
                    i64::from(r.offers_considered),
                    i64::from(r.matched),
                    o.waiting,
                    o.accepted,
                    o.completed,
                    o.declined,
                    o.expired,
                    o.cancelled,
                    r.solve_ms,
                ]
                .map(|n| n.to_string()),
            );
            rows.push(row);
        }
        for row in rows {
            if w.write_record(row).is_err() {
                return Err(
                    site.fail(crate::services::ServiceError::Internal(anyhow::anyhow!(
                        "writing CSV into memory failed"
                    ))),
                );
            }
        }
        let _ = w.flush();
    }
    let response: HttpResponse = attachment(FileFormat::Csv, "rounds", out);
    Ok(response)
}
