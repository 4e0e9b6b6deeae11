//! The household form as a page sends it, and how it becomes the API's
//! own [`NewHousehold`] or [`HouseholdChanges`]: through the same
//! [`HouseholdFields`] the JSON body becomes, so one rule reads both, and
//! every bad field is reported at once under the name of the field it is
//! shown beside. The village is the household's region; the exact point
//! (the page's script fills it from a tap on the map or the person's
//! location) is optional.

use serde::Deserialize;
use serde_json::{Value, json};

use crate::domain::FieldError;
use crate::domain::household::input::{HouseholdChanges, HouseholdFields, NewHousehold};
use crate::domain::household::parse_tags;
use crate::i18n::Text;
use crate::store::entity::household;

/// What the household form posts. Every field may be missing from a
/// crafted request; it then reads as left empty. Personal data: no
/// `Debug`, so it cannot reach a log by accident.
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct HouseholdForm {
    pub csrf_token: String,
    pub head_name: String,
    pub id_number: String,
    pub phone: String,
    pub members: String,
    /// The ticked tags' codes.
    pub tags: Vec<String>,
    /// A village's region code.
    pub village: String,
    /// The exact point, filled in by the page's script only; both empty
    /// for none.
    pub lat: String,
    pub lon: String,
}

impl HouseholdForm {
    /// The form of a stored household, to edit it.
    pub fn of(h: &household::Model) -> Self {
        let number = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
        Self {
            csrf_token: String::new(),
            head_name: h.head_name.clone(),
            id_number: h.id_number.clone().unwrap_or_default(),
            phone: h.phone.clone().unwrap_or_default(),
            members: h.members.to_string(),
            tags: parse_tags(&h.tags)
                .unwrap_or_default()
                .iter()
                .map(|t| t.code().to_owned())
                .collect(),
            village: h.region.clone(),
            lat: number(h.lat),
            lon: number(h.lon),
        }
    }

    /// Whether the form sets an exact point.
    pub fn has_point(&self) -> bool {
        !self.lat.trim().is_empty() || !self.lon.trim().is_empty()
    }

    /// The values typed, to show the form again.
    pub fn values(&self) -> Value {
        json!({
            "head_name": self.head_name, "id_number": self.id_number,
            "phone": self.phone, "members": self.members, "tags": self.tags,
            "village": self.village, "lat": self.lat, "lon": self.lon,
        })
    }

    /// The form as the fields the domain reads. Editing, every field is
    /// sent, so every field is set — a blank optional one cleared — but
    /// for a village left unpicked, which keeps the household's.
    fn fields(&self, editing: bool) -> HouseholdFields {
        let text = |t: &str| Some(t.to_owned());
        // Not a whole number is out of range too, with the same message.
        let members = self.members.trim().parse::<i64>().unwrap_or(0);
        // Not a number is no valid degree, refused by the point's rule.
        let degrees = |t: &str| t.trim().parse::<f64>().unwrap_or(f64::NAN);
        let (lat, lon) = match (self.has_point(), editing) {
            (true, _) => (
                Some(Some(degrees(&self.lat))),
                Some(Some(degrees(&self.lon))),
            ),
            (false, true) => (Some(None), Some(None)),
            (false, false) => (None, None),
        };
        HouseholdFields {
            region: Some(self.village.trim().to_owned()).filter(|v| !v.is_empty()),
            head_name: text(&self.head_name),
            id_number: Some(text(&self.id_number)),
            phone: Some(text(&self.phone)),
            members: Some(members),
            lat,
            lon,
            tags: Some(self.tags.clone()),
        }
    }

    /// The form as a new household, or every field's error beside it.
    pub fn new_household(&self) -> Result<NewHousehold, Vec<FieldError>> {
        NewHousehold::try_from(self.fields(false)).map_err(|e| self.beside_fields(e))
    }

    /// The form as changes to a stored household, or every field's error.
    pub fn changes(&self) -> Result<HouseholdChanges, Vec<FieldError>> {
        HouseholdChanges::try_from(self.fields(true)).map_err(|e| self.beside_fields(e))
    }

    /// The domain's errors under the names of the form's fields: the
    /// region's beside the village, a point's `lat` or `lon` beside the
    /// point, and a village not picked said as the form asks for it.
    pub fn beside_fields(&self, errors: Vec<FieldError>) -> Vec<FieldError> {
        errors
            .into_iter()
            .map(|mut e| {
                match e.field.as_str() {
                    "region" => {
                        e.field = "village".to_owned();
                        if self.village.trim().is_empty() {
                            e.message =
                                Text::fixed("请选择户所在的村", "Pick the household's village");
                        }
                    }
                    "lat" | "lon" => {
                        e.field = "point".to_owned();
                        e.message = Text::fixed(
                            "位置无效，请在地图上重新点选，或清除位置",
                            "That point is not valid; tap the map again, or remove the point",
                        );
                    }
                    _ => {}
                }
                e
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(changes: &[(&str, &str)]) -> HouseholdForm {
        let mut f = HouseholdForm {
            head_name: "王大山".to_owned(),
            members: "3".to_owned(),
            village: "430525101201".to_owned(),
            ..HouseholdForm::default()
        };
        for (k, v) in changes {
            let v = (*v).to_owned();
            match *k {
                "members" => f.members = v,
                "village" => f.village = v,
                "lat" => f.lat = v,
                "lon" => f.lon = v,
                "id_number" => f.id_number = v,
                _ => unreachable!("no field {k}"),
            }
        }
        f
    }

    fn fields_of(errors: Vec<FieldError>) -> Vec<String> {
        errors.into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn a_good_form_is_a_household_without_a_point_unless_one_is_set() {
        let new = form(&[]).new_household().expect("a household");
        assert_eq!(new.point, None);
        assert_eq!(new.members.get(), 3);
        let new = form(&[("lat", "27.1"), ("lon", "110.55")])
            .new_household()
            .expect("a household");
        assert_eq!(new.point, Some((27.1, 110.55)));
    }

    #[test]
    fn errors_land_beside_the_fields_the_form_shows() {
        let errors = form(&[
            ("village", ""),
            ("members", "many"),
            ("lat", "north"),
            ("lon", "110.5"),
            ("id_number", "123"),
        ])
        .new_household()
        .expect_err("refused");
        assert_eq!(
            fields_of(errors),
            ["village", "id_number", "members", "point"]
        );
    }

    #[test]
    fn editing_clears_a_point_taken_away_and_keeps_a_village_left_unpicked() {
        let changes = form(&[("village", "")]).changes().expect("changes");
        assert_eq!(changes.point, Some(None));
        assert!(changes.region.is_none());
        assert_eq!(changes.id_number.map(|i| i.is_none()), Some(true));
    }
}
