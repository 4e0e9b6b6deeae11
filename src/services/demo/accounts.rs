//! The demo's accounts (an admin, the county's coordinator, a cadre per
//! township, the volunteers) and the volunteers' offers. Every address is
//! under `demo.invalid`, a domain that cannot exist, so no email ever
//! reaches a real person.

use uuid::Uuid;

use super::draw::Draw;
use super::people;
use super::places::{COUNTY, TOWNSHIPS};
use crate::domain::geo::GeoPoint;
use crate::domain::new_account::{Assignment, Profile};
use crate::domain::offer::{Capacity, NewOffer, Radius};
use crate::domain::time::{DAY_MS, HOUR_MS};
use crate::domain::{Category, CategorySet, Role};
use crate::i18n::Locale;
use crate::services::{accounts, offers};
use crate::store::entity::{offer, user};

/// The domain of every demo address.
pub const DOMAIN: &str = "demo.invalid";

/// One Argon2id hash per kind of account: hashing is slow by design, so
/// accounts of a kind share their password.
pub struct Hashes {
    pub admin: String,
    pub coordinator: String,
    pub cadre: String,
    pub volunteer: String,
}

/// The staff of the demo county.
pub struct Staff {
    pub coordinator: Uuid,
    /// By index into [`TOWNSHIPS`].
    pub cadres: Vec<Uuid>,
}

/// The email of the cadre of township `digits`.
pub fn cadre_email(digits: &str) -> String {
    format!("cadre-{digits}@{DOMAIN}")
}

/// The email of volunteer number `n` (from 1).
pub fn volunteer_email(n: usize) -> String {
    format!("volunteer-{n:04}@{DOMAIN}")
}

#[allow(clippy::too_many_arguments)]
fn account(
    d: &mut Draw,
    email: String,
    name: String,
    role: Role,
    region: Option<String>,
    hash: &str,
    created: i64,
    locale: Locale,
) -> user::Model {
    let phone = (role != Role::Admin && d.chance(0.6)).then(|| people::phone(d));
    // Through the rules every account meets, so that a demo account is one
    // the API could have made.
    let profile = Profile::parse(&email, &name, phone.as_deref(), Some(locale.as_str()))
        .unwrap_or_else(|errors| panic!("demo account {email}: {errors:?}"));
    let assignment = Assignment::parse(role, region.as_deref())
        .unwrap_or_else(|error| panic!("demo account {email}: {error:?}"));
    let id = d.uuid_at(created);
    accounts::new_user(
        id,
        &profile,
        &assignment,
        true,
        Some(hash.to_owned()),
        created,
    )
}

/// The admin, the coordinator and the cadres, all created before the
/// history starts.
pub fn staff(d: &mut Draw, hashes: &Hashes, start: i64) -> (Staff, Vec<user::Model>) {
    let mut rows = Vec::new();
    let admin = account(
        d,
        format!("admin@{DOMAIN}"),
        "演示管理员".to_owned(),
        Role::Admin,
        None,
        &hashes.admin,
        start - 60 * DAY_MS,
        Locale::ZhCn,
    );
    let name = format!("{}（演示协调员）", people::name(d));
    let coordinator = account(
        d,
        format!("coordinator@{DOMAIN}"),
        name,
        Role::Coordinator,
        Some(COUNTY.to_owned()),
        &hashes.coordinator,
        start - 59 * DAY_MS,
        Locale::ZhCn,
    );
    let coordinator_id = coordinator.id;
    rows.push(admin);
    rows.push(coordinator);
    let mut cadres = Vec::new();
    for tw in &TOWNSHIPS {
        let created = start - d.between(40, 58) * DAY_MS;
        let name = format!("{}（演示干部）", people::name(d));
        let cadre = account(
            d,
            cadre_email(tw.digits),
            name,
            Role::Cadre,
            Some(format!("{COUNTY}{}", tw.digits)),
            &hashes.cadre,
            created,
            Locale::ZhCn,
        );
        cadres.push(cadre.id);
        rows.push(cadre);
    }
    let staff = Staff {
        coordinator: coordinator_id,
        cadres,
    };
    (staff, rows)
}

/// Where volunteers live: around the townships, in Shaoyang city, or far
/// away (they help over the remote path).
const CITY: (f64, f64) = (27.238, 111.467);
const FAR: [(f64, f64); 3] = [(28.228, 112.939), (23.129, 113.264), (22.543, 114.058)];
const RADII: [&str; 9] = ["5", "8", "10", "10", "15", "20", "20", "30", "12.5"];

/// `count` volunteers, registered over the months before `now`, and their
/// offers (one each, a few two).
pub fn volunteers(
    d: &mut Draw,
    hashes: &Hashes,
    count: usize,
    start: i64,
) -> (Vec<user::Model>, Vec<offer::Model>) {
    let (mut users, mut offers) = (Vec::new(), Vec::new());
    let town_weights: Vec<f64> = TOWNSHIPS.iter().map(|t| t.weight).collect();
    for n in 1..=count {
        let registered = if d.chance(0.45) {
            start - d.between(0, 60 * DAY_MS)
        } else {
            d.now - d.between(2 * DAY_MS, d.now - start)
        };
        let registered = d.working_hours(registered, 0).min(d.now - DAY_MS);
        let locale = if d.chance(0.08) {
            Locale::En
        } else {
            Locale::ZhCn
        };
        let name = people::name(d);
        let user = account(
            d,
            volunteer_email(n),
            name,
            Role::Volunteer,
            None,
            &hashes.volunteer,
            registered,
            locale,
        );
        let home = d.weighted(&[72.0, 14.0, 14.0]);
        let offer_count = if d.chance(0.1) { 2 } else { 1 };
        for _ in 0..offer_count {
            let created = (registered + d.between(HOUR_MS, 4 * DAY_MS)).min(d.now - HOUR_MS);
            let row = match home {
                0 => {
                    let tw = &TOWNSHIPS[d.weighted(&town_weights)];
                    let point = d.near(tw.lat, tw.lon, 6.0);
                    let remote = d.chance(0.2);
                    let radius = *d.pick(&RADII);
                    new_offer(d, user.id, point, radius, remote, &Category::ALL, created)
                }
                1 => {
                    let point = d.near(CITY.0, CITY.1, 4.0);
                    let (radius, remote) = if d.chance(0.3) {
                        ("100", false)
                    } else {
                        ("10", true)
                    };
                    new_offer(d, user.id, point, radius, remote, &Category::ALL, created)
                }
                _ => {
                    let city = *d.pick(&FAR);
                    let point = d.near(city.0, city.1, 10.0);
                    let remote: Vec<Category> = Category::ALL
                        .into_iter()
                        .filter(|c| c.is_remote_capable())
                        .collect();
                    new_offer(d, user.id, point, "10", true, &remote, created)
                }
            };
            offers.push(row);
        }
        users.push(user);
    }
    (users, offers)
}

fn new_offer(
    d: &mut Draw,
    volunteer: Uuid,
    point: (f64, f64),
    radius_km: &str,
    remote: bool,
    from: &[Category],
    created: i64,
) -> offer::Model {
    let mut set = CategorySet::default();
    for _ in 0..d.weighted(&[0.0, 45.0, 35.0, 20.0]) {
        set.insert(*d.pick(from));
    }
    let capacity = [1, 2, 3, 5][d.weighted(&[40.0, 35.0, 15.0, 10.0])];
    // Through the rules a volunteer's offer meets, so that a demo offer is
    // one the API could have taken.
    let new = NewOffer {
        categories: set,
        point: GeoPoint::new(point.0, point.1),
        radius: Radius::parse(radius_km).expect("the demo's radii are in range"),
        remote,
        capacity: Capacity::try_from(capacity).expect("the demo's capacities are in range"),
        available_until: None,
    };
    offers::new_row(d.uuid_at(created), volunteer, new, created)
}
