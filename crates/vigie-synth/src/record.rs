//! Turns a true person into the records several establishments keyed for them: identity
//! status, INS, and the usual data-entry errors of French registration desks.

use rand::Rng;
use rand::seq::IndexedRandom;
use rand_chacha::ChaCha8Rng;

use crate::nir::nir_key_is_valid;
use crate::person::{Address, Person, REFERENCE_YEAR, chance, is_valid_date};
use crate::tables::{FIRST_NAME_VARIANTS, STREET_NAMES, STREET_TYPES, Source, Style, Tables};
use crate::text::{fold_accents, insi_form, phonetic_variant, push_csv_field, title_case, typo};
use crate::{ErrorCounts, ErrorKind};

/// OID of the INS-NIR register.
pub(crate) const OID_NIR: &str = "1.2.250.1.213.1.4.8";
/// OID of the INS-NIA register.
pub(crate) const OID_NIA: &str = "1.2.250.1.213.1.4.9";

/// The CSV header of `records.csv`.
pub(crate) const HEADER: &str = "record_id,source,local_id,birth_name,used_name,first_names,used_first_name,sex,birth_date,birth_place_code,ins,ins_oid,identity_status,identity_attributes,address,postcode,city,country,phone,email,other_id";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Status {
    Prov,
    Recup,
    Vali,
    Qual,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Status::Prov => "PROV",
            Status::Recup => "RECUP",
            Status::Vali => "VALI",
            Status::Qual => "QUAL",
        }
    }
}

/// Renders records and keeps per-source IPP counters and error counts.
pub(crate) struct RecordMaker {
    tables: &'static Tables,
    error_scale: f64,
    ipp_counters: Vec<u64>,
    pub counts: ErrorCounts,
    pub qualified: u64,
    pub with_ins: u64,
}

/// Particles that are sometimes dropped or glued to the name.
const DROPPABLE_PARTICLES: &[&str] = &["DA", "DE", "DOS", "D", "DI", "EL", "VAN", "VON", "DU"];

impl RecordMaker {
    pub(crate) fn new(error_scale: f64) -> RecordMaker {
        let tables = Tables::get();
        RecordMaker {
            tables,
            error_scale: error_scale.max(0.0),
            ipp_counters: vec![0; tables.sources.len()],
            counts: ErrorCounts::default(),
            qualified: 0,
            with_ins: 0,
        }
    }

    fn count(&mut self, kind: ErrorKind) {
        self.counts.add(kind);
    }

    fn pick_source(&self, rng: &mut ChaCha8Rng, person: &Person, used: &[usize]) -> usize {
        let t = self.tables;
        let roll = rng.random_range(0..100u32);
        if roll < 12 && !used.is_empty() {
            // The same establishment registers the person again: an in-house duplicate.
            return used[rng.random_range(0..used.len())];
        }
        if roll < 85
            && let Some((list, sampler)) = t.region_sources.get(person.region)
            && !list.is_empty()
        {
            return list[sampler.sample(rng)];
        }
        t.source_sampler.sample(rng)
    }

    fn next_ipp(&mut self, source: usize) -> String {
        let s = &self.tables.sources[source];
        let counter = self.ipp_counters[source];
        self.ipp_counters[source] += 1;
        let modulus = 10u64.pow(u32::from(s.style.ipp_digits));
        // A bijection of 0..10^k (the multiplier is coprime with 10): unique, not sequential.
        let scrambled =
            (counter.wrapping_mul(387_420_489) + 104_729 + source as u64 * 7919) % modulus;
        format!(
            "{}{:0width$}",
            s.style.ipp_prefix,
            scrambled,
            width = usize::from(s.style.ipp_digits)
        )
    }

    /// Appends the records of `person` to `out`, one CSV line each (without record id).
    pub(crate) fn records(&mut self, rng: &mut ChaCha8Rng, person: &Person, out: &mut Vec<String>) {
        let mut used_sources: Vec<usize> = Vec::with_capacity(person.n_records);
        for k in 0..person.n_records {
            let source = self.pick_source(rng, person, &used_sources);
            used_sources.push(source);
            let line = self.record(rng, person, k, source);
            out.push(line);
        }
    }

    fn record(
        &mut self,
        rng: &mut ChaCha8Rng,
        p: &Person,
        k: usize,
        source_index: usize,
    ) -> String {
        let source: &Source = &self.tables.sources[source_index];
        let style = source.style;
        let local_id = self.next_ipp(source_index);

        let fictitious = chance(rng, 0.0015);
        let doubtful = !fictitious && chance(rng, 0.008);
        let has_ins = p.ins.is_some();
        let status = if fictitious || doubtful {
            Status::Prov
        } else {
            let u = rng.random::<f64>();
            if has_ins && u < style.qual_rate {
                Status::Qual
            } else if has_ins && u < style.qual_rate + 0.07 {
                Status::Recup
            } else if u < style.qual_rate + 0.19 {
                Status::Vali
            } else {
                Status::Prov
            }
        };
        // How careless this registration is; INSi-sourced strict traits are never keyed.
        let e = self.error_scale
            * style.error_scale
            * match status {
                Status::Prov if doubtful => 2.0,
                Status::Prov => 1.0,
                Status::Vali => 0.35,
                Status::Recup | Status::Qual => 0.0,
            };
        let insi = matches!(status, Status::Qual | Status::Recup);

        let mut fields = Fields {
            source: source.name,
            local_id,
            status: status.as_str(),
            ..Fields::default()
        };

        if fictitious {
            self.count(ErrorKind::Fictitious);
            self.fictitious(rng, p, &mut fields);
        } else {
            if doubtful {
                self.count(ErrorKind::Doubtful);
            }
            self.names(rng, p, k, style, e, insi, &mut fields);
            self.sex_and_birth(rng, p, style, e, insi, &mut fields);
            self.ins(rng, p, status, &mut fields);
        }
        let mut attributes: Vec<&str> = Vec::new();
        if doubtful {
            attributes.push("DOUT");
        }
        if fictitious {
            attributes.push("FICT");
        } else if p.homonym && chance(rng, 0.4) {
            attributes.push("HOMA");
        }
        fields.attributes = attributes.join(";");
        self.contact(rng, p, k, style, fictitious, &mut fields);
        if status == Status::Qual {
            self.qualified += 1;
        }
        if !fields.ins.is_empty() {
            self.with_ins += 1;
        }
        fields.to_line()
    }

    fn render_name(style: Style, s: &str) -> String {
        let s = if style.accents {
            s.to_string()
        } else {
            fold_accents(s)
        };
        if style.title_case {
            title_case(&s)
        } else {
            s.to_uppercase()
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn names(
        &mut self,
        rng: &mut ChaCha8Rng,
        p: &Person,
        k: usize,
        style: Style,
        e: f64,
        insi: bool,
        f: &mut Fields,
    ) {
        // Birth name.
        let mut birth_name_is_used_name = false;
        let birth_name = if insi {
            insi_form(&p.birth_name)
        } else {
            let mut name = p.birth_name.clone();
            if let Some(used) = &p.used_name {
                let p_used = if k == 0 { 0.08 } else { 0.15 } * if e < 0.5 { 0.3 } else { 1.0 };
                if chance(rng, p_used) {
                    name = used.clone();
                    birth_name_is_used_name = true;
                    self.count(ErrorKind::UsedNameAsBirthName);
                }
            }
            if name.contains([' ', '-', '\''])
                && chance(rng, 0.22 * e)
                && let Some(v) = reformat_compound_name(rng, &name)
            {
                name = v;
                self.count(ErrorKind::NameFormat);
            }
            if chance(rng, 0.03 * e)
                && let Some(v) = phonetic_variant(rng, &name)
            {
                name = v;
                self.count(ErrorKind::NamePhonetic);
            }
            if chance(rng, 0.06 * e)
                && let Some((v, _)) = typo(rng, &name)
            {
                name = v;
                self.count(ErrorKind::NameTypo);
            }
            Self::render_name(style, &name)
        };

        // Used name.
        let used_name = match &p.used_name {
            Some(u) => {
                let p_present = if birth_name_is_used_name { 0.5 } else { 0.75 };
                if chance(rng, p_present) {
                    let mut u = u.clone();
                    if !insi
                        && chance(rng, 0.03 * e)
                        && let Some((v, _)) = typo(rng, &u)
                    {
                        u = v;
                        self.count(ErrorKind::NameTypo);
                    }
                    Self::render_name(style, &u)
                } else {
                    String::new()
                }
            }
            None if chance(rng, 0.05) => Self::render_name(style, &p.birth_name),
            None => String::new(),
        };

        // First names.
        let first_names = if insi {
            insi_form(&p.first_names.join(" "))
        } else {
            let mut list: Vec<String>;
            if p.used_first_name.is_some() && chance(rng, 0.5 * e.min(1.5)) {
                list = vec![p.used_first_name.clone().unwrap_or_default()];
                self.count(ErrorKind::UsedFirstNameAsFirstName);
            } else {
                let full = e < 0.5 && chance(rng, 0.85) || chance(rng, style.full_first_names);
                list = if full {
                    p.first_names.clone()
                } else {
                    if p.first_names.len() > 1 {
                        self.count(ErrorKind::FirstNamesTruncated);
                    }
                    vec![p.first_names[0].clone()]
                };
                if list.len() > 1 && chance(rng, 0.025 * e) {
                    list.swap(0, 1);
                    self.count(ErrorKind::FirstNamesReordered);
                }
            }
            if list[0].contains('-') && chance(rng, 0.15 * e) {
                let v = match rng.random_range(0..3u32) {
                    0 => list[0].replace('-', " "),
                    1 => list[0].replace('-', ""),
                    _ => list[0].split('-').next().unwrap_or_default().to_string(),
                };
                list[0] = v;
                self.count(ErrorKind::CompoundFirstNameSplit);
            }
            if chance(rng, 0.03 * e) {
                let ascii = insi_form(&list[0]);
                let group = FIRST_NAME_VARIANTS
                    .iter()
                    .find(|g| g.iter().any(|v| insi_form(v) == ascii));
                let variant = match group {
                    Some(g) => {
                        let others: Vec<&&str> =
                            g.iter().filter(|v| insi_form(v) != ascii).collect();
                        others.choose(rng).map(|v| (**v).to_string())
                    }
                    None => phonetic_variant(rng, &list[0]),
                };
                if let Some(v) = variant {
                    list[0] = v;
                    self.count(ErrorKind::FirstNamePhonetic);
                }
            }
            if chance(rng, 0.05 * e)
                && let Some((v, _)) = typo(rng, &list[0])
            {
                list[0] = v;
                self.count(ErrorKind::FirstNameTypo);
            }
            Self::render_name(style, &list.join(" "))
        };

        let used_first_name = match &p.used_first_name {
            Some(u) if chance(rng, 0.6) => Self::render_name(style, u),
            _ if chance(rng, 0.3) => Self::render_name(style, &p.first_names[0]),
            _ => String::new(),
        };

        if !insi && chance(rng, 0.004 * e) {
            // Birth name keyed in the first-name box and the other way round.
            let first_only = first_names
                .split(' ')
                .next()
                .unwrap_or_default()
                .to_string();
            f.birth_name = first_only;
            f.first_names = birth_name;
            self.count(ErrorKind::NameSwap);
        } else {
            f.birth_name = birth_name;
            f.first_names = first_names;
        }
        f.used_name = used_name;
        f.used_first_name = used_first_name;
    }

    fn sex_and_birth(
        &mut self,
        rng: &mut ChaCha8Rng,
        p: &Person,
        style: Style,
        e: f64,
        insi: bool,
        f: &mut Fields,
    ) {
        let true_sex = if p.sex == 1 { "M" } else { "F" };
        f.sex = if insi || e == 0.0 {
            true_sex.to_string()
        } else {
            let u = rng.random::<f64>();
            if u < 0.012 * e {
                self.count(ErrorKind::SexMissing);
                String::new()
            } else if u < 0.015 * e {
                self.count(ErrorKind::SexMissing);
                "U".to_string()
            } else if u < 0.0165 * e {
                self.count(ErrorKind::SexWrong);
                if p.sex == 1 { "F" } else { "M" }.to_string()
            } else {
                true_sex.to_string()
            }
        };

        let (mut y, mut m, mut d) = (p.year, p.month, p.day);
        let mut date = None;
        if !insi {
            let u = rng.random::<f64>();
            let mut acc = 0.0;
            let mut step = |rate: f64| {
                acc += rate * e;
                u < acc
            };
            // A swap only shows when the day is 12 or less (else the date is refused).
            if step(0.04) {
                if d <= 12 && d != m {
                    std::mem::swap(&mut d, &mut m);
                    self.count(ErrorKind::DayMonthSwap);
                }
            } else if step(0.015) {
                if let Some((ny, nm, nd)) = date_digit_typo(rng, y, m, d) {
                    (y, m, d) = (ny, nm, nd);
                    self.count(ErrorKind::DateDigitTypo);
                }
            } else if step(0.005) {
                if (m, d) != (1, 1) {
                    (m, d) = (1, 1);
                    self.count(ErrorKind::DatePlaceholder);
                }
            } else if step(0.003) {
                date = Some(format!("{y:04}"));
                self.count(ErrorKind::DateYearOnly);
            } else if step(0.004) {
                date = Some(String::new());
                self.count(ErrorKind::DateMissing);
            }
        }
        f.birth_date = date.unwrap_or_else(|| format!("{y:04}-{m:02}-{d:02}"));

        f.birth_place_code = if insi {
            p.birthplace.clone()
        } else {
            let rate = if e < 0.5 {
                0.75
            } else {
                style.birthplace_rate * 0.75
            };
            if !chance(rng, rate) {
                self.count(ErrorKind::BirthPlaceMissing);
                String::new()
            } else if chance(rng, 0.03 * e) {
                self.count(ErrorKind::BirthPlaceWrong);
                self.wrong_birthplace(rng, p)
            } else if p.birthplace.starts_with("2A") || p.birthplace.starts_with("2B") {
                // Corsica before 1976 was département 20, and older forms still show it.
                if chance(rng, 0.3 * e.min(1.0)) {
                    self.count(ErrorKind::BirthPlaceWrong);
                    format!("20{}", &p.birthplace[2..])
                } else {
                    p.birthplace.clone()
                }
            } else {
                p.birthplace.clone()
            }
        };
    }

    fn wrong_birthplace(&self, rng: &mut ChaCha8Rng, p: &Person) -> String {
        let t = self.tables;
        let birth_commune = t.communes.iter().find(|c| c.cog == p.birthplace);
        match (rng.random_range(0..2u32), birth_commune) {
            // The postcode typed instead of the COG code (75014 for 75114).
            (0, Some(c)) => c.postcodes[0].clone(),
            // The commune of residence instead of the commune of birth.
            _ => t.communes[p.addresses[0].commune].cog.clone(),
        }
    }

    fn ins(&mut self, rng: &mut ChaCha8Rng, p: &Person, status: Status, f: &mut Fields) {
        let Some(ins) = &p.ins else {
            return;
        };
        let oid = if p.nia { OID_NIA } else { OID_NIR };
        match status {
            Status::Qual => {
                f.ins = ins.clone();
                f.ins_oid = oid.to_string();
            }
            Status::Recup if chance(rng, 0.7) => {
                f.ins = ins.clone();
                f.ins_oid = oid.to_string();
            }
            Status::Vali | Status::Prov => {
                // Keyed by hand from the Vitale card or a letter: sometimes mistyped.
                let p_keyed = if status == Status::Vali { 0.05 } else { 0.02 };
                if chance(rng, p_keyed) {
                    let mut value = ins.clone();
                    if chance(rng, 0.06) {
                        value = mistype_digits(rng, &value);
                        self.count(ErrorKind::InsWrongKey);
                    }
                    f.ins = value;
                    if chance(rng, 0.5) {
                        f.ins_oid = oid.to_string();
                    }
                }
            }
            Status::Recup => {}
        }
    }

    fn fictitious(&mut self, rng: &mut ChaCha8Rng, p: &Person, f: &mut Fields) {
        const NAMES: &[&str] = &["X", "INCONNU", "ANONYME", "PATIENT X", "SOUS X", "URGENCE"];
        const FIRSTS: &[&str] = &["X", "INCONNU", "ANONYME", "INCONNUE", "PATIENT"];
        f.birth_name = NAMES[rng.random_range(0..NAMES.len())].to_string();
        f.first_names = FIRSTS[rng.random_range(0..FIRSTS.len())].to_string();
        f.birth_date = match rng.random_range(0..10u32) {
            0..3 => "1900-01-01".to_string(),
            3..7 => format!("{:04}-01-01", p.year),
            _ => String::new(),
        };
        f.sex = match rng.random_range(0..10u32) {
            0..7 => if p.sex == 1 { "M" } else { "F" }.to_string(),
            7..9 => "U".to_string(),
            _ => String::new(),
        };
    }

    fn contact(
        &mut self,
        rng: &mut ChaCha8Rng,
        p: &Person,
        k: usize,
        style: Style,
        fictitious: bool,
        f: &mut Fields,
    ) {
        let e = self.error_scale * style.error_scale;
        let moved = k >= p.move_at && p.addresses.len() > 1;
        if moved {
            self.count(ErrorKind::Moved);
        }
        let address = &p.addresses[usize::from(moved)];
        let missing = if fictitious { 0.5 } else { 0.05 };
        if chance(rng, missing) {
            self.count(ErrorKind::AddressMissing);
            if chance(rng, 0.4) {
                f.postcode = address.postcode.clone();
                f.city = self.city(rng, style, address);
            }
        } else {
            let mut line = self.address_line(rng, style, address);
            if chance(rng, 0.02 * e)
                && let Some((v, _)) = typo(rng, &line)
            {
                line = v;
                self.count(ErrorKind::AddressTypo);
            }
            f.address = line;
            f.postcode = address.postcode.clone();
            if chance(rng, 0.005 * e) {
                f.postcode = mistype_one_digit(rng, &f.postcode);
                self.count(ErrorKind::AddressTypo);
            }
            f.city = self.city(rng, style, address);
        }
        f.country = match style.country_format {
            1 => "FRANCE".to_string(),
            2 => "FR".to_string(),
            _ => String::new(),
        };

        let mobile = if moved {
            p.new_mobile.as_ref().or(p.mobile.as_ref())
        } else {
            p.mobile.as_ref()
        };
        let phone = if fictitious && chance(rng, 0.7) || chance(rng, 0.12) {
            None
        } else if chance(rng, 0.75) {
            mobile.or(p.landline.as_ref())
        } else {
            p.landline.as_ref().or(mobile)
        };
        match phone {
            None => self.count(ErrorKind::PhoneMissing),
            Some(number) => {
                let mut digits = number.clone();
                if chance(rng, 0.01 * e) {
                    digits = mistype_one_digit(rng, &digits);
                    self.count(ErrorKind::PhoneTypo);
                }
                f.phone = format_phone(&digits, style.phone_format);
            }
        }
        if let Some(email) = &p.email
            && chance(rng, style.email_rate)
        {
            let mut email = email.clone();
            if chance(rng, 0.01 * e)
                && let Some((v, _)) = typo(rng, &email.to_uppercase())
            {
                email = v.to_lowercase();
            }
            f.email = email;
        }
        if let Some(nir) = &p.billing_nir
            && !fictitious
            && chance(rng, style.other_id_rate)
        {
            let mut nir = nir.clone();
            if chance(rng, 0.02 * e) {
                nir = mistype_digits(rng, &nir);
            }
            f.other_id = if style.phone_format % 2 == 1 && nir.len() == 15 {
                format!(
                    "{} {} {} {} {} {} {}",
                    &nir[0..1],
                    &nir[1..3],
                    &nir[3..5],
                    &nir[5..7],
                    &nir[7..10],
                    &nir[10..13],
                    &nir[13..15]
                )
            } else {
                nir
            };
        }
    }

    fn address_line(&self, rng: &mut ChaCha8Rng, style: Style, a: &Address) -> String {
        let (full, abbrev, _) = STREET_TYPES[a.street_type];
        let street_type = if style.postal_abbreviations {
            abbrev
        } else {
            full
        };
        let name = STREET_NAMES[a.street_name].0;
        let comma = if chance(rng, 0.15) { "," } else { "" };
        let mut line = format!("{}{}{} {} {}", a.number, a.suffix, comma, street_type, name);
        if let Some(c) = &a.complement
            && chance(rng, 0.7)
        {
            line.push(' ');
            line.push_str(c);
        }
        let line = if style.postal_abbreviations || !style.accents {
            fold_accents(&line)
        } else {
            line
        };
        if style.title_case {
            title_case(&line)
        } else {
            line
        }
    }

    fn city(&self, rng: &mut ChaCha8Rng, style: Style, a: &Address) -> String {
        let c = &self.tables.communes[a.commune];
        let mut name = c.name.clone();
        if (c.cog.starts_with("751") || c.cog.starts_with("6938") || c.cog.starts_with("132"))
            && chance(rng, 0.1)
        {
            let n: u32 = a.postcode[3..].parse().unwrap_or(1);
            name = format!("{name} {n}");
        }
        if style.postal_abbreviations {
            // La Poste form: upper case, no accents, no hyphens, SAINT → ST.
            let upper = fold_accents(&name).to_uppercase().replace(['-', '\''], " ");
            let words: Vec<&str> = upper
                .split(' ')
                .map(|w| match w {
                    "SAINT" => "ST",
                    "SAINTE" => "STE",
                    _ => w,
                })
                .collect();
            words.join(" ")
        } else {
            Self::render_name(style, &name)
        }
    }
}

/// One record's columns (record id added when written).
#[derive(Default)]
struct Fields {
    source: &'static str,
    local_id: String,
    birth_name: String,
    used_name: String,
    first_names: String,
    used_first_name: String,
    sex: String,
    birth_date: String,
    birth_place_code: String,
    ins: String,
    ins_oid: String,
    status: &'static str,
    attributes: String,
    address: String,
    postcode: String,
    city: String,
    country: String,
    phone: String,
    email: String,
    other_id: String,
}

impl Fields {
    fn to_line(&self) -> String {
        let mut line = String::with_capacity(256);
        let values: [&str; 20] = [
            self.source,
            &self.local_id,
            &self.birth_name,
            &self.used_name,
            &self.first_names,
            &self.used_first_name,
            &self.sex,
            &self.birth_date,
            &self.birth_place_code,
            &self.ins,
            &self.ins_oid,
            self.status,
            &self.attributes,
            &self.address,
            &self.postcode,
            &self.city,
            &self.country,
            &self.phone,
            &self.email,
            &self.other_id,
        ];
        for v in values {
            line.push(',');
            push_csv_field(&mut line, v);
        }
        line
    }
}

/// "LE GALL" → "LEGALL" / "LE-GALL"; "DA SILVA" → "SILVA"; "MARTIN DUBOIS" → "MARTIN".
fn reformat_compound_name(rng: &mut ChaCha8Rng, name: &str) -> Option<String> {
    let tokens: Vec<&str> = name
        .split([' ', '-', '\''])
        .filter(|t| !t.is_empty())
        .collect();
    if tokens.len() < 2 {
        return None;
    }
    let has_particle =
        DROPPABLE_PARTICLES.contains(&tokens[0]) || tokens[0] == "LE" || tokens[0] == "LA";
    let out = match rng.random_range(0..4u32) {
        0 => tokens.concat(),
        1 => tokens.join(" "),
        2 => tokens.join("-"),
        _ if has_particle && DROPPABLE_PARTICLES.contains(&tokens[0]) => tokens[1..].join(" "),
        _ if !has_particle && tokens[0].len() > 2 => tokens[0].to_string(),
        _ => tokens.concat(),
    };
    if out == name { None } else { Some(out) }
}

/// A plausible one-digit slip in a date that still gives a valid date.
fn date_digit_typo(rng: &mut ChaCha8Rng, y: u16, m: u8, d: u8) -> Option<(u16, u8, u8)> {
    for _ in 0..10 {
        let (mut ny, mut nm, mut nd) = (y, m, d);
        match rng.random_range(0..10u32) {
            0..4 => {
                // Day: one digit changed.
                if chance(rng, 0.5) {
                    nd = (d / 10) * 10 + rng.random_range(0..10u8);
                } else {
                    nd = rng.random_range(0..4u8) * 10 + d % 10;
                }
            }
            4..6 => nm = (m / 10) * 10 + rng.random_range(0..10u8),
            6..8 => ny = (y / 10) * 10 + u16::from(rng.random_range(0..10u8)),
            _ => {
                // Last two digits of the year swapped (1985 → 1958).
                ny = (y / 100) * 100 + (y % 10) * 10 + (y / 10) % 10;
            }
        }
        if (ny, nm, nd) != (y, m, d)
            && (1900..=REFERENCE_YEAR).contains(&ny)
            && is_valid_date(ny, nm, nd)
        {
            return Some((ny, nm, nd));
        }
    }
    None
}

fn mistype_one_digit(rng: &mut ChaCha8Rng, s: &str) -> String {
    let mut bytes: Vec<u8> = s.bytes().collect();
    let positions: Vec<usize> = (0..bytes.len())
        .filter(|&i| bytes[i].is_ascii_digit())
        .collect();
    if positions.is_empty() {
        return s.to_string();
    }
    let i = positions[rng.random_range(0..positions.len())];
    let old = bytes[i];
    while bytes[i] == old {
        bytes[i] = b'0' + rng.random_range(0..10u8);
    }
    String::from_utf8(bytes).unwrap_or_else(|_| s.to_string())
}

/// A NIR with one digit changed or two neighbouring digits swapped: the key no longer matches.
fn mistype_digits(rng: &mut ChaCha8Rng, nir: &str) -> String {
    for _ in 0..20 {
        let candidate = if chance(rng, 0.7) {
            mistype_one_digit(rng, nir)
        } else {
            let mut bytes: Vec<u8> = nir.bytes().collect();
            let i = rng.random_range(0..bytes.len().saturating_sub(1).max(1));
            if i + 1 < bytes.len() && bytes[i].is_ascii_digit() && bytes[i + 1].is_ascii_digit() {
                bytes.swap(i, i + 1);
            }
            String::from_utf8(bytes).unwrap_or_else(|_| nir.to_string())
        };
        if candidate != nir && !nir_key_is_valid(&candidate) {
            return candidate;
        }
    }
    mistype_one_digit(rng, nir)
}

fn format_phone(digits: &str, format: u8) -> String {
    if digits.len() != 10 || !digits.is_ascii() {
        return digits.to_string();
    }
    let pairs: Vec<&str> = (0..5).map(|i| &digits[2 * i..2 * i + 2]).collect();
    match format {
        1 => pairs.join(" "),
        2 => pairs.join("."),
        3 => format!("+33 {} {}", &digits[1..2], {
            let rest: Vec<&str> = (1..5).map(|i| &digits[2 * i..2 * i + 2]).collect();
            rest.join(" ")
        }),
        _ => digits.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn phone_formats() {
        assert_eq!(format_phone("0612345678", 0), "0612345678");
        assert_eq!(format_phone("0612345678", 1), "06 12 34 56 78");
        assert_eq!(format_phone("0612345678", 2), "06.12.34.56.78");
        assert_eq!(format_phone("0612345678", 3), "+33 6 12 34 56 78");
    }

    #[test]
    fn mistyped_nir_fails_its_key() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        for _ in 0..200 {
            let bad = mistype_digits(&mut rng, "253072A07300443");
            assert_ne!(bad, "253072A07300443");
            assert!(!nir_key_is_valid(&bad), "{bad}");
        }
    }

    #[test]
    fn compound_names_reformatted() {
        let mut rng = ChaCha8Rng::seed_from_u64(4);
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..200 {
            if let Some(v) = reformat_compound_name(&mut rng, "DA SILVA") {
                seen.insert(v);
            }
        }
        for expected in ["DASILVA", "DA-SILVA", "SILVA"] {
            assert!(seen.contains(expected), "{seen:?}");
        }
    }

    #[test]
    fn date_typos_stay_valid() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        for _ in 0..500 {
            if let Some((y, m, d)) = date_digit_typo(&mut rng, 1985, 7, 14) {
                assert!(is_valid_date(y, m, d));
                assert_ne!((y, m, d), (1985, 7, 14));
            }
        }
    }
}
