//! IHE PIX and PDQ queries: `QBP^Q23` (ITI-9), `QBP^Q22` (ITI-21) with its QPD-3 query
//! parameters (`@PID.5.1.1^MOORE~@PID.8^F`), the continuation (`DSC`) and the cancel
//! (`QCN^J01`).

use vigie_core::date::PartialDate;
use vigie_core::sex::Sex;

use crate::builder::SegmentBuilder;
use crate::er7::{Field, Message, Segment};
use crate::error::{ErrorCode, ErrorKind, ErrorLocation, Hl7Error};
use crate::timestamp::parse_birth_date;
use crate::types::{AssigningAuthority, PatientIdentifier};

/// ITI-9 PIX query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PixQuery {
    /// QPD-1 first component (`IHE PIX Query`; older MESA names are tolerated).
    pub query_name: String,
    /// QPD-2 query tag (echoed in QAK-1).
    pub query_tag: String,
    /// QPD-3: the identifier whose cross-references are asked.
    pub patient: PatientIdentifier,
    /// QPD-4 domains to return (component 4 of each repetition); empty = all.
    pub domains: Vec<AssigningAuthority>,
    /// The QPD-4 repetition number (1-based) of each entry of `domains`, for the ERR-2 of
    /// an unknown domain (ITI-9 case 5: `QPD^1^4^<rep>`).
    pub domain_repetitions: Vec<u32>,
    /// The QPD segment, echoed in the response.
    pub qpd: SegmentBuilder,
}

/// One QPD-3 query parameter: `@<segment>.<field>[.<component>[.<sub-component>]]^<value>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryParameter {
    /// QPD-3 repetition (1-based), for ERR-2.
    pub repetition: u32,
    /// `PID` or `PD1`.
    pub segment: String,
    /// Field number.
    pub field: u32,
    /// Component, when given.
    pub component: Option<u32>,
    /// Sub-component, when given.
    pub subcomponent: Option<u32>,
    /// The value (QIP component 2).
    pub value: String,
}

/// An identifier criterion: `@PID.3.1` with its `@PID.3.4.x` authority (or an authority alone:
/// "has an identifier in this domain").
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IdentifierCriterion {
    /// CX-1, when given.
    pub id: Option<String>,
    /// CX-4.
    pub authority: AssigningAuthority,
    /// CX-5.
    pub type_code: Option<String>,
}

/// The demographic criteria of a PDQ query, read from its parameters.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PdqCriteria {
    /// `@PID.3…` identifiers.
    pub identifiers: Vec<IdentifierCriterion>,
    /// `@PID.5.1[.1]` family name.
    pub family_name: Option<String>,
    /// `@PID.5.2` given name.
    pub given_name: Option<String>,
    /// `@PID.6.1[.1]` mother's maiden name.
    pub mother_maiden_name: Option<String>,
    /// `@PID.7[.1]` birth date.
    pub birth_date: Option<PartialDate>,
    /// `@PID.8` sex.
    pub sex: Option<Sex>,
    /// `@PID.11.1[.1]` street.
    pub street: Option<String>,
    /// `@PID.11.3` city.
    pub city: Option<String>,
    /// `@PID.11.5` postal code.
    pub postcode: Option<String>,
    /// `@PID.11.6` country.
    pub country: Option<String>,
    /// `@PID.13…` phone number.
    pub phone: Option<String>,
    /// `@PID.18…` account number.
    pub account_number: Option<IdentifierCriterion>,
    /// Parameters Vigie does not search on (the supplier chooses what it honours).
    pub unsupported: Vec<QueryParameter>,
}

/// ITI-21 PDQ query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PdqQuery {
    /// QPD-1 first component (`IHE PDQ Query`).
    pub query_name: String,
    /// QPD-2 query tag.
    pub query_tag: String,
    /// QPD-3 parameters, in order.
    pub parameters: Vec<QueryParameter>,
    /// The criteria they give.
    pub criteria: PdqCriteria,
    /// QPD-8 domains to return, with their QPD-8 repetition numbers (for ERR-2 of unknown
    /// domains); empty = all.
    pub domains: Vec<(u32, AssigningAuthority)>,
    /// RCP-2 quantity limit (`n^RD`).
    pub quantity_limit: Option<u32>,
    /// DSC-1 continuation pointer of a follow-up query.
    pub continuation_pointer: Option<String>,
    /// The QPD segment, echoed in the response.
    pub qpd: SegmentBuilder,
}

/// `QCN^J01`: cancel a query's continuation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryCancel {
    /// QID-1 query tag.
    pub query_tag: String,
    /// QID-2 query name.
    pub query_name: String,
}

fn required<'m>(segment: &Segment<'m>, number: u32) -> Result<std::borrow::Cow<'m, str>, Hl7Error> {
    let text = segment.field(number as usize).text();
    if text.trim().is_empty() {
        Err(Hl7Error::missing(segment.location(number)))
    } else {
        Ok(text)
    }
}

fn segment<'m>(message: &'m Message, id: &'static str) -> Result<Segment<'m>, Hl7Error> {
    message
        .segment(id)
        .ok_or_else(|| Hl7Error::missing_segment(id))
}

fn domains_of(field: &Field<'_>) -> Vec<(u32, AssigningAuthority)> {
    field
        .repetitions()
        .enumerate()
        .filter(|(_, rep)| !rep.is_empty())
        .map(|(i, rep)| {
            (
                i as u32 + 1,
                AssigningAuthority::from_subcomponents(&rep.component(4)),
            )
        })
        .collect()
}

impl PixQuery {
    /// Reads a `QBP^Q23` (header already checked).
    ///
    /// # Errors
    /// No QPD (`100`); empty QPD-2, QPD-3.1 or QPD-3.4 (`101`).
    pub fn read(message: &Message) -> Result<PixQuery, Hl7Error> {
        let qpd = segment(message, "QPD")?;
        let query_tag = required(&qpd, 2)?.trim().to_owned();
        let cx = qpd.field(3).repetition(1);
        if cx.component(1).text().trim().is_empty() || cx.component(1).is_null() {
            return Err(Hl7Error::missing(qpd.location(3).component(1)));
        }
        let authority = AssigningAuthority::from_subcomponents(&cx.component(4));
        if authority.is_empty() {
            return Err(Hl7Error::missing(qpd.location(3).component(4)));
        }
        let patient = PatientIdentifier::new(
            &cx.component(1).text(),
            authority,
            Some(&cx.component(5).text()),
        );
        let (domain_repetitions, domains) = domains_of(&qpd.field(4)).into_iter().unzip();
        Ok(PixQuery {
            query_name: qpd.field(1).text().trim().to_owned(),
            query_tag,
            patient,
            domains,
            domain_repetitions,
            qpd: SegmentBuilder::from_segment(&qpd),
        })
    }
}

/// Parses the QPD-3 parameters of a PDQ query.
///
/// # Errors
/// A repetition that is not `@SEG.n[.n[.n]]^value` (`102` at `QPD^1^3^<rep>^1`).
pub fn parse_parameters(field: &Field<'_>) -> Result<Vec<QueryParameter>, Hl7Error> {
    let mut parameters = Vec::new();
    for (index, rep) in field.repetitions().enumerate() {
        if rep.is_empty() {
            continue;
        }
        let repetition = index as u32 + 1;
        let location = || {
            ErrorLocation::field("QPD", 1, 3)
                .repetition(repetition)
                .component(1)
        };
        let path = rep.component(1).text();
        let path = path.trim();
        let path = path
            .strip_prefix('@')
            .ok_or_else(|| Hl7Error::bad_value(location()))?;
        let mut parts = path.split('.');
        let segment = parts.next().unwrap_or("").to_ascii_uppercase();
        if segment.len() != 3 || !segment.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(Hl7Error::bad_value(location()));
        }
        let mut numbers = Vec::new();
        for part in parts {
            match part.parse::<u32>() {
                Ok(n) if (1..=999).contains(&n) => numbers.push(n),
                _ => return Err(Hl7Error::bad_value(location())),
            }
        }
        let (field_number, component, subcomponent) = match numbers.as_slice() {
            [f] => (*f, None, None),
            [f, c] => (*f, Some(*c), None),
            [f, c, s] => (*f, Some(*c), Some(*s)),
            _ => return Err(Hl7Error::bad_value(location())),
        };
        parameters.push(QueryParameter {
            repetition,
            segment,
            field: field_number,
            component,
            subcomponent,
            value: rep.component(2).full_text().trim().to_owned(),
        });
    }
    Ok(parameters)
}

fn set(slot: &mut Option<String>, value: &str) {
    if !value.is_empty() {
        *slot = Some(value.to_owned());
    }
}

fn set_authority(criterion: &mut IdentifierCriterion, sub: Option<u32>, value: &str) -> bool {
    let value = (!value.is_empty()).then(|| value.to_owned());
    match sub {
        None | Some(1) => criterion.authority.namespace = value,
        Some(2) => criterion.authority.universal_id = value,
        Some(3) => criterion.authority.universal_id_type = value,
        _ => return false,
    }
    true
}

impl PdqCriteria {
    /// Reads the criteria of the parameters. `@PID.3.1` starts an identifier; the following
    /// `@PID.3.4.x` / `@PID.3.5` complete it.
    ///
    /// # Errors
    /// `@PID.3.1` without an assigning authority (`101`, App. E), an unreadable birth date
    /// (`102`), an unknown sex (`103`), all at `QPD^1^3^<rep>`.
    pub fn from_parameters(parameters: &[QueryParameter]) -> Result<PdqCriteria, Hl7Error> {
        let mut criteria = PdqCriteria::default();
        let mut open_id: Option<(u32, IdentifierCriterion)> = None;
        let close = |open: &mut Option<(u32, IdentifierCriterion)>,
                     list: &mut Vec<IdentifierCriterion>|
         -> Result<(), Hl7Error> {
            if let Some((repetition, criterion)) = open.take() {
                if criterion.authority.is_empty() {
                    return Err(Hl7Error::new(
                        ErrorCode::RequiredFieldMissing,
                        ErrorKind::IdentifierWithoutAuthority,
                        Some(ErrorLocation::field("QPD", 1, 3).repetition(repetition)),
                    ));
                }
                list.push(criterion);
            }
            Ok(())
        };
        for p in parameters {
            let location = || {
                ErrorLocation::field("QPD", 1, 3)
                    .repetition(p.repetition)
                    .component(2)
            };
            let value = p.value.as_str();
            let handled = match (p.segment.as_str(), p.field, p.component, p.subcomponent) {
                ("PID", 3, Some(1), _) => {
                    close(&mut open_id, &mut criteria.identifiers)?;
                    open_id = Some((
                        p.repetition,
                        IdentifierCriterion {
                            id: (!value.is_empty()).then(|| value.to_owned()),
                            ..IdentifierCriterion::default()
                        },
                    ));
                    true
                }
                ("PID", 3, Some(4), sub) => {
                    let (_, criterion) = open_id
                        .get_or_insert_with(|| (p.repetition, IdentifierCriterion::default()));
                    set_authority(criterion, sub, value)
                }
                ("PID", 3, Some(5), _) => {
                    let (_, criterion) = open_id
                        .get_or_insert_with(|| (p.repetition, IdentifierCriterion::default()));
                    set(&mut criterion.type_code, value);
                    true
                }
                ("PID", 5, None | Some(1), None | Some(1)) => {
                    set(&mut criteria.family_name, value);
                    true
                }
                ("PID", 5, Some(2), _) => {
                    set(&mut criteria.given_name, value);
                    true
                }
                ("PID", 6, None | Some(1), None | Some(1)) => {
                    set(&mut criteria.mother_maiden_name, value);
                    true
                }
                ("PID", 7, None | Some(1), None) => {
                    let date =
                        parse_birth_date(value).map_err(|_| Hl7Error::bad_value(location()))?;
                    criteria.birth_date = Some(date);
                    true
                }
                ("PID", 8, None | Some(1), None) => {
                    let sex = Sex::parse(value)
                        .ok_or_else(|| Hl7Error::unknown_table_value(location()))?;
                    criteria.sex = Some(sex);
                    true
                }
                ("PID", 11, Some(1), None | Some(1)) => {
                    set(&mut criteria.street, value);
                    true
                }
                ("PID", 11, Some(3), None) => {
                    set(&mut criteria.city, value);
                    true
                }
                ("PID", 11, Some(5), None) => {
                    set(&mut criteria.postcode, value);
                    true
                }
                ("PID", 11, Some(6), None) => {
                    set(&mut criteria.country, value);
                    true
                }
                ("PID", 13, _, _) => {
                    set(&mut criteria.phone, value);
                    true
                }
                ("PID", 18, Some(1), None) => {
                    criteria
                        .account_number
                        .get_or_insert_with(IdentifierCriterion::default)
                        .id = (!value.is_empty()).then(|| value.to_owned());
                    true
                }
                ("PID", 18, Some(4), sub) => {
                    let criterion = criteria
                        .account_number
                        .get_or_insert_with(IdentifierCriterion::default);
                    set_authority(criterion, sub, value)
                }
                _ => false,
            };
            if !handled {
                criteria.unsupported.push(p.clone());
            }
        }
        close(&mut open_id, &mut criteria.identifiers)?;
        Ok(criteria)
    }
}

impl PdqQuery {
    /// Reads a `QBP^Q22` (header already checked).
    ///
    /// # Errors
    /// No QPD (`100`), empty QPD-2 or QPD-3 (`101`), bad parameters (see
    /// [`parse_parameters`], [`PdqCriteria::from_parameters`]), a bad RCP-2 (`102`/`103`).
    pub fn read(message: &Message) -> Result<PdqQuery, Hl7Error> {
        let qpd = segment(message, "QPD")?;
        let query_tag = required(&qpd, 2)?.trim().to_owned();
        let parameters = parse_parameters(&qpd.field(3))?;
        if parameters.is_empty() {
            return Err(Hl7Error::missing(qpd.location(3)));
        }
        let criteria = PdqCriteria::from_parameters(&parameters)?;
        let quantity_limit = match message.segment("RCP") {
            None => None,
            Some(rcp) => {
                let cq = rcp.field(2);
                let amount = cq.component(1).text();
                if amount.trim().is_empty() {
                    None
                } else {
                    let unit = cq.component(2).text();
                    if !matches!(unit.trim(), "" | "RD") {
                        return Err(Hl7Error::unknown_table_value(rcp.location(2).component(2)));
                    }
                    match amount.trim().parse::<u32>() {
                        Ok(n) if n > 0 => Some(n),
                        _ => return Err(Hl7Error::bad_value(rcp.location(2).component(1))),
                    }
                }
            }
        };
        let continuation_pointer = message
            .segment("DSC")
            .map(|dsc| dsc.field(1).text().trim().to_owned())
            .filter(|p| !p.is_empty());
        Ok(PdqQuery {
            query_name: qpd.field(1).text().trim().to_owned(),
            query_tag,
            parameters,
            criteria,
            domains: domains_of(&qpd.field(8)),
            quantity_limit,
            continuation_pointer,
            qpd: SegmentBuilder::from_segment(&qpd),
        })
    }
}

impl QueryCancel {
    /// Reads a `QCN^J01`.
    ///
    /// # Errors
    /// No QID (`100`), empty QID-1 (`101`).
    pub fn read(message: &Message) -> Result<QueryCancel, Hl7Error> {
        let qid = segment(message, "QID")?;
        Ok(QueryCancel {
            query_tag: required(&qid, 1)?.trim().to_owned(),
            query_name: qid.field(2).text().trim().to_owned(),
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn qbp(qpd3: &str) -> Result<PdqQuery, Hl7Error> {
        let message = Message::parse(&format!(
            "MSH|^~\\&|A|B|C|D|||QBP^Q22^QBP_Q21|1|P|2.5\rQPD|IHE PDQ Query|T1|{qpd3}\rRCP|I|2^RD\r"
        ))
        .unwrap();
        PdqQuery::read(&message)
    }

    #[test]
    fn identifiers_group_with_their_authority() {
        let query = qbp("@PID.3.1^X1~@PID.3.4.1^HZLN~@PID.3.4.2^1.2.3.4~@PID.3.4.3^ISO~@PID.3.1^X2~@PID.3.4.2^1.2.3.4.5~@PID.18.1^ACC~@PID.18.4.2^1.2.3").unwrap();
        let ids = &query.criteria.identifiers;
        assert_eq!(ids.len(), 2);
        assert_eq!(ids[0].id.as_deref(), Some("X1"));
        assert_eq!(ids[0].authority.namespace.as_deref(), Some("HZLN"));
        assert_eq!(ids[1].authority.universal_id.as_deref(), Some("1.2.3.4.5"));
        assert_eq!(
            query
                .criteria
                .account_number
                .as_ref()
                .unwrap()
                .id
                .as_deref(),
            Some("ACC")
        );
        assert_eq!(query.quantity_limit, Some(2));
    }

    #[test]
    fn identifier_without_authority_is_refused() {
        let err = qbp("@PID.5.1^X~@PID.3.1^X1").unwrap_err();
        assert_eq!(err.kind, ErrorKind::IdentifierWithoutAuthority);
        assert_eq!(err.code.code(), 101);
        assert_eq!(err.location.unwrap().to_string(), "QPD^1^3^2");
    }

    #[test]
    fn bad_parameters_are_typed() {
        assert_eq!(
            qbp("PID.5.1^X").unwrap_err().location.unwrap().to_string(),
            "QPD^1^3^1^1"
        );
        assert_eq!(qbp("@PID.x^X").unwrap_err().code.code(), 102);
        assert_eq!(qbp("@PID.7^1980-13").unwrap_err().code.code(), 102);
        let err = qbp("@PID.5.1^X~@PID.8^Z").unwrap_err();
        assert_eq!(err.code.code(), 103);
        assert_eq!(err.location.unwrap().to_string(), "QPD^1^3^2^2");
        let q = qbp("@PID.5.1.1^MOORE~@PID.7.1^19380224~@PID.8^F~@PID.99^Z").unwrap();
        assert_eq!(q.criteria.family_name.as_deref(), Some("MOORE"));
        assert_eq!(q.criteria.birth_date, Some(PartialDate::Full(1938, 2, 24)));
        assert_eq!(q.criteria.sex, Some(Sex::Female));
        assert_eq!(q.criteria.unsupported.len(), 1);
    }
}
