//! Writing identity records back in the canonical CSV layout (`docs/record-format.md`): the
//! inverse of the reader for every field it understands, used by `vigie export`.

use vigie_core::record::{Field, IdentityRecord};

/// The canonical column names, in order.
pub fn canonical_header() -> Vec<&'static str> {
    Field::ALL.iter().map(|f| f.column_name()).collect()
}

/// One record as canonical cells, in [`canonical_header`] order; unknown values are empty.
pub fn canonical_row(record: &IdentityRecord) -> Vec<String> {
    Field::ALL.iter().map(|&f| cell(record, f)).collect()
}

fn opt(value: Option<&str>) -> String {
    value.unwrap_or_default().to_owned()
}

fn cell(r: &IdentityRecord, field: Field) -> String {
    match field {
        Field::RecordId => r.record_id.as_str().to_owned(),
        Field::Source => opt(r.source.as_ref().map(|d| d.as_str())),
        Field::LocalId => opt(r.local_id.as_ref().map(|d| d.as_str())),
        Field::BirthName => opt(r.birth_name.as_deref()),
        Field::UsedName => opt(r.used_name.as_deref()),
        Field::FirstNames => opt(r.first_names.as_deref()),
        Field::UsedFirstName => opt(r.used_first_name.as_deref()),
        Field::Sex => {
            if r.sex.is_known() {
                r.sex.code().to_owned()
            } else {
                String::new()
            }
        }
        Field::BirthDate => r.birth_date.map(|d| d.to_string()).unwrap_or_default(),
        Field::BirthPlaceCode => r
            .birth_place
            .as_ref()
            .map(|b| b.as_str().to_owned())
            .unwrap_or_default(),
        Field::Ins => r
            .ins
            .as_ref()
            .map(|i| i.matricule().to_owned())
            .unwrap_or_default(),
        Field::InsOid => r
            .ins
            .as_ref()
            .map(|i| i.oid().as_str().to_owned())
            .unwrap_or_default(),
        Field::IdentityStatus => r.state.status().code().to_owned(),
        Field::IdentityAttributes => {
            let mut codes = Vec::new();
            if r.state.doubtful() {
                codes.push("DOUT");
            }
            if r.state.fictitious() {
                codes.push("FICT");
            }
            if r.state.homonym() {
                codes.push("HOMA");
            }
            codes.join(";")
        }
        Field::Address => opt(r.address.as_deref()),
        Field::Postcode => opt(r.postcode.as_deref()),
        Field::City => opt(r.city.as_deref()),
        Field::Country => opt(r.country.as_deref()),
        Field::Phone => opt(r.phone.as_deref()),
        Field::Email => opt(r.email.as_deref()),
        Field::OtherId => opt(r.other_id.as_deref()),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::input::{ReadOptions, read_records};

    #[test]
    fn written_rows_read_back_to_the_same_records() {
        let csv = "record_id,source,local_id,birth_name,used_name,first_names,sex,birth_date,birth_place_code,ins,ins_oid,identity_status,identity_attributes,phone\n\
                   r1,HOPA,42,DUPONT,MARTIN,JEAN PIERRE,M,1980-03-15,2A004,,,VALI,DOUT,0601020304\n\
                   r2,HOPB,7,Lefèvre,,Zoé,F,1975,,,,PROV,,\n";
        let first = read_records(csv.as_bytes(), &ReadOptions::default()).unwrap();
        let mut out = csv::Writer::from_writer(Vec::new());
        out.write_record(canonical_header()).unwrap();
        for record in &first.records {
            out.write_record(canonical_row(record)).unwrap();
        }
        let bytes = out.into_inner().unwrap();
        let second = read_records(bytes.as_slice(), &ReadOptions::default()).unwrap();
        assert_eq!(first.records, second.records);
        assert_eq!(first.records.len(), 2);
    }
}
