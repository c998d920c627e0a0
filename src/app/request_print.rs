//! Request fingerprints for `Idempotency-Key` retries of case intake and
//! consultations: a retry with the same key and the same request gets the
//! record the first one made; the same key with a different request is
//! refused (`idempotency_mismatch`, as tickets are). The actors keep only
//! the fingerprint, durably with the record, and compare it.
//!
//! A fingerprint is the hall's keyed hash (`Sealer::fingerprint`, SHA-256
//! over the hall's key, 128 bits in hex) of the request's canonical form —
//! a JSON array in a fixed order, materials sorted — so the applicant's ID
//! number, name and phone are never stored in clear, and without the
//! hall's key file a fingerprint reveals nothing.

use serde_json::json;
use tingwu_actors::core::case::Applicant;

use crate::storage::Sealer;

/// The fingerprint kind (`Sealer::fingerprint`'s `kind`) of requests.
const KIND: &str = "request";

/// The fingerprint of a case intake at `window`: the item the request
/// named (none: the ticket's), the validated applicant, the materials
/// handed in (in any order) and the green-channel and on-the-spot options.
pub(super) fn case_intake(
    sealer: &Sealer,
    window: &str,
    item: Option<&str>,
    applicant: &Applicant,
    materials: &[String],
    (green, on_the_spot): (bool, bool),
) -> String {
    let (kind, id, name, phone) = match applicant {
        Applicant::Person { id, name, phone } => ("person", id.as_str(), name, phone),
        Applicant::Organisation { code, name, phone } => {
            ("organisation", code.as_str(), name, phone)
        }
    };
    let mut materials: Vec<&str> = materials.iter().map(String::as_str).collect();
    materials.sort_unstable();
    let canonical = json!([
        "case_intake/1",
        window,
        item,
        kind,
        id,
        name,
        phone,
        materials,
        green,
        on_the_spot
    ]);
    sealer.fingerprint(KIND, &canonical.to_string())
}

/// The fingerprint of a consultation at `window`: the item, topic,
/// department and note as the request gave them.
pub(super) fn consultation(
    sealer: &Sealer,
    window: &str,
    item: Option<&str>,
    topic: Option<&str>,
    department: Option<&str>,
    note: &str,
) -> String {
    let canonical = json!(["consultation/1", window, item, topic, department, note]);
    sealer.fingerprint(KIND, &canonical.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sealer() -> (Sealer, tempfile::TempDir) {
        let tmp = tempfile::tempdir().unwrap();
        (Sealer::load_or_create(tmp.path(), false).unwrap(), tmp)
    }

    fn zhang(phone: Option<&str>) -> Applicant {
        Applicant::person("11010519491231002X", "张三", phone).unwrap()
    }

    #[test]
    fn the_same_intake_has_one_fingerprint_and_any_change_another() {
        let (s, _tmp) = sealer();
        // The base request: window 5, food-license, 张三 with a phone, two
        // materials, neither green nor deferred.
        let print = |window: &str,
                     item: Option<&str>,
                     phone: &str,
                     materials: &[&str],
                     options: (bool, bool)| {
            let materials: Vec<String> = materials.iter().map(|x| x.to_string()).collect();
            case_intake(&s, window, item, &zhang(Some(phone)), &materials, options)
        };
        let food = Some("food-license");
        let both = ["营业执照", "申请书"];
        let base = print("5", food, "13812345678", &both, (false, true));
        // Materials in another order: the same request.
        let reordered = print(
            "5",
            food,
            "13812345678",
            &["申请书", "营业执照"],
            (false, true),
        );
        assert_eq!(base, reordered);
        let others = [
            print("6", food, "13812345678", &both, (false, true)),
            print("5", None, "13812345678", &both, (false, true)),
            print("5", food, "13912345678", &both, (false, true)),
            print("5", food, "13812345678", &["营业执照"], (false, true)),
            print("5", food, "13812345678", &both, (true, true)),
            print("5", food, "13812345678", &both, (false, false)),
        ];
        for o in &others {
            assert_ne!(&base, o);
        }
        // Nothing personal in clear.
        for part in ["11010519491231002X", "张三", "13812345678"] {
            assert!(!base.contains(part));
        }
        assert_eq!(base.len(), 32);
    }

    #[test]
    fn a_consultation_changes_its_fingerprint_with_any_field() {
        let (s, _tmp) = sealer();
        let base = consultation(&s, "5", Some("food-license"), None, None, "问材料");
        assert_eq!(
            base,
            consultation(&s, "5", Some("food-license"), None, None, "问材料")
        );
        for o in [
            consultation(&s, "6", Some("food-license"), None, None, "问材料"),
            consultation(&s, "5", None, Some("food-license"), None, "问材料"),
            consultation(&s, "5", Some("food-license"), None, Some("amr"), "问材料"),
            consultation(&s, "5", Some("food-license"), None, None, "问时限"),
        ] {
            assert_ne!(base, o);
        }
    }
}
