//! One case per ticket and item (一号一件): a case taken in "from the ticket
//! being served" records the ticket (its id, `20261130-A001`), and the same
//! ticket cannot be taken in twice for the same item. A citizen may apply
//! for several items at one visit, so one ticket may lead to several cases
//! — one per item; a package (套餐) counts as one case of its item.
//!
//! A case that was terminated still holds its ticket: a new application of
//! the same item needs a new ticket (and a new visit in the statistics).
//!
//! The rating of the service of a ticket (好差评) belongs to the case the
//! ticket led to ([`TicketCases::case_of`]): the first one taken in.

use std::collections::HashMap;

use super::number::CaseNumber;
use super::refusal::Refusal;

/// The cases each ticket led to, by item, in intake order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TicketCases {
    by_ticket: HashMap<String, Vec<(String, CaseNumber)>>,
}

impl TicketCases {
    /// Whether `ticket` may lead to a case of `item`. Errors:
    /// [`Refusal::TicketTaken`] naming the case it already led to.
    pub fn check(&self, ticket: &str, item: &str) -> Result<(), Refusal> {
        match self
            .by_ticket
            .get(ticket)
            .and_then(|cases| cases.iter().find(|(i, _)| i == item))
        {
            Some((_, case)) => Err(Refusal::TicketTaken {
                ticket: ticket.to_string(),
                item: item.to_string(),
                case: case.to_string(),
            }),
            None => Ok(()),
        }
    }

    /// Records that `ticket` led to case `number` of `item` (a package
    /// part's number counts as its package's). Recording the same case
    /// again changes nothing.
    pub fn record(&mut self, ticket: &str, item: &str, number: &CaseNumber) {
        let number = number.package();
        let cases = self.by_ticket.entry(ticket.to_string()).or_default();
        if !cases.iter().any(|(i, n)| i == item && *n == number) {
            cases.push((item.to_string(), number));
        }
    }

    /// The case a ticket's service belongs to: the first it led to.
    pub fn case_of(&self, ticket: &str) -> Option<&CaseNumber> {
        self.by_ticket
            .get(ticket)
            .and_then(|c| c.first())
            .map(|(_, n)| n)
    }

    /// Every case `ticket` led to, in intake order.
    pub fn cases_of(&self, ticket: &str) -> Vec<&CaseNumber> {
        self.by_ticket
            .get(ticket)
            .map(|c| c.iter().map(|(_, n)| n).collect())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::tests::support::number;

    #[test]
    fn one_ticket_one_case_per_item() {
        let mut t = TicketCases::default();
        let first = number("2026-12-01", 1);
        assert_eq!(t.check("20261201-B001", "food-license"), Ok(()));
        t.record("20261201-B001", "food-license", &first);
        // The same item again is refused, naming the case.
        match t.check("20261201-B001", "food-license") {
            Err(Refusal::TicketTaken { case, item, .. }) => {
                assert_eq!(case, "demo-20261201-000001");
                assert_eq!(item, "food-license");
            }
            other => panic!("not refused: {other:?}"),
        }
        // Another item at the same visit is allowed; another ticket too.
        assert_eq!(t.check("20261201-B001", "sole-trader"), Ok(()));
        assert_eq!(t.check("20261201-B002", "food-license"), Ok(()));
        t.record("20261201-B001", "sole-trader", &number("2026-12-01", 2));
        assert_eq!(t.cases_of("20261201-B001").len(), 2);
        // The rating belongs to the first case.
        assert_eq!(t.case_of("20261201-B001"), Some(&first));
        assert_eq!(t.case_of("20261201-B002"), None);
    }

    #[test]
    fn a_package_part_counts_as_its_package() {
        let mut t = TicketCases::default();
        let pkg = number("2026-12-01", 3);
        t.record("20261201-B003", "company-setup", &pkg.part(2));
        t.record("20261201-B003", "company-setup", &pkg.part(1));
        assert_eq!(t.cases_of("20261201-B003"), vec![&pkg]);
        assert!(t.check("20261201-B003", "company-setup").is_err());
    }
}
