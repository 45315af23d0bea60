//! The true population: households of persons with their civil-status identity (birth name,
//! first names, sex, birth date and place, NIR), used names of married women, addresses,
//! phones and e-mails; twins and exact homonyms are made on purpose.

use std::collections::VecDeque;

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::nir::build_nir;
use crate::tables::{DECADES, Origin, SHORT_FORMS, Tables};
use crate::text::{fold_accents, insi_form};

/// Year the population is observed (ages are counted at the end of it).
pub(crate) const REFERENCE_YEAR: u16 = 2024;

/// Inhabitants of France by five-year age group in 2024 (thousands, INSEE estimates rounded).
const AGE_GROUPS: [u64; 20] = [
    3450, 3850, 4150, 4200, 3850, 3700, 4000, 4250, 4250, 4250, 4500, 4400, 4250, 3950, 3750, 2900,
    1950, 1350, 650, 200,
];

/// `true` with probability `p` (any `p`; values outside 0..1 saturate).
pub(crate) fn chance(rng: &mut ChaCha8Rng, p: f64) -> bool {
    rng.random::<f64>() < p
}

/// A postal address.
#[derive(Debug, Clone)]
pub(crate) struct Address {
    pub number: u16,
    pub suffix: &'static str,
    pub street_type: usize,
    pub street_name: usize,
    pub complement: Option<String>,
    pub commune: usize,
    pub postcode: String,
}

/// One true person.
#[derive(Debug, Clone)]
pub(crate) struct Person {
    pub id: u64,
    /// 1 male, 2 female (NIR convention).
    pub sex: u8,
    /// Nom de naissance, upper case with the civil-status diacritics.
    pub birth_name: String,
    /// Prénoms de naissance, in order.
    pub first_names: Vec<String>,
    /// Prénom utilisé when it differs from the first birth first name.
    pub used_first_name: Option<String>,
    /// Nom d'usage (a married woman's spouse name, usually).
    pub used_name: Option<String>,
    pub year: u16,
    pub month: u8,
    pub day: u8,
    /// COG code of the birthplace (commune or 99xxx country).
    pub birthplace: String,
    pub born_abroad: bool,
    /// INS matricule (NIR, or NIA when `nia`), absent for some people born abroad.
    pub ins: Option<String>,
    pub nia: bool,
    /// Health-insurance number shown on the Vitale card (a parent's for most children).
    pub billing_nir: Option<String>,
    /// One address, or two after a move.
    pub addresses: Vec<Address>,
    /// Index of the first record registered after the move.
    pub move_at: usize,
    pub mobile: Option<String>,
    /// A new mobile number used from `move_at` on.
    pub new_mobile: Option<String>,
    pub landline: Option<String>,
    pub email: Option<String>,
    /// Number of registrations (records) of this person.
    pub n_records: usize,
    /// Made as an exact homonym of an earlier person (same names and birth date).
    pub homonym: bool,
    /// Index into `Tables::regions` of the residence.
    pub region: usize,
}

/// Structural counts of the population, reported in the summary.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct PopulationStats {
    pub households: u64,
    pub twin_pairs: u64,
    pub exact_homonyms: u64,
    pub women_over_25: u64,
    pub women_over_25_with_used_name: u64,
    pub born_abroad: u64,
}

/// Birth name, first names, sex, year, month, day and birthplace of a recent person: the
/// material of exact homonyms.
type RecentPerson = (String, Vec<String>, u8, u16, u8, u8, String);

/// Generates households one after another from one seeded stream.
pub(crate) struct Population {
    tables: &'static Tables,
    next_id: u64,
    /// Order-number counters per (birthplace, year, month, sex) so that NIRs never collide.
    order_counters: Vec<u16>,
    order_salt: u64,
    recent: VecDeque<RecentPerson>,
    adult_age_sampler: crate::tables::Sampler,
    pub stats: PopulationStats,
}

const YEARS: usize = 100;

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

pub(crate) fn is_valid_date(year: u16, month: u8, day: u8) -> bool {
    (1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month)
}

struct Household {
    commune: usize,
    address: Address,
    landline: Option<String>,
    origin: Origin,
}

impl Population {
    pub(crate) fn new(seed: u64) -> Population {
        let tables = Tables::get();
        let places = tables.communes.len() + tables.countries.len();
        let adult: Vec<u64> = (0..YEARS)
            .map(|a| if a >= 18 { AGE_GROUPS[a / 5] } else { 0 })
            .collect();
        Population {
            tables,
            next_id: 1,
            order_counters: vec![0; places * YEARS * 12 * 2],
            order_salt: splitmix(seed ^ 0x005E_ED0F_0D3E),
            recent: VecDeque::with_capacity(4096),
            adult_age_sampler: crate::tables::Sampler::new(adult),
            stats: PopulationStats::default(),
        }
    }

    fn region_of_commune(&self, commune: usize) -> usize {
        let t = self.tables;
        let code = &t.departements[t.communes[commune].dept].region;
        t.regions.iter().position(|r| r == code).unwrap_or(0)
    }

    fn dept_code(&self, commune: usize) -> &'static str {
        let t = self.tables;
        &t.departements[t.communes[commune].dept].code
    }

    /// Generates the next household into `out` (cleared first); at most `max` persons.
    pub(crate) fn next_household(&mut self, rng: &mut ChaCha8Rng, max: u64, out: &mut Vec<Person>) {
        out.clear();
        if max == 0 {
            return;
        }
        self.stats.households += 1;
        let t = self.tables;
        let commune = t.commune_sampler.sample(rng);
        let dept = self.dept_code(commune);
        let address = self.random_address(rng, commune);
        let ref_age = self.adult_age_sampler.sample(rng) as u16;
        let origin = self.household_origin(rng, dept);
        let landline = if chance(rng, if ref_age >= 60 { 0.6 } else { 0.3 }) {
            Some(self.landline(rng, dept))
        } else {
            None
        };
        let home = Household {
            commune,
            address,
            landline,
            origin,
        };
        let (single, couple, kids) = match ref_age {
            18..=29 => (45, 30, 18),
            30..=54 => (22, 15, 48),
            55..=74 => (33, 52, 15),
            _ => (55, 45, 0),
        };
        let roll = rng.random_range(0..100u32);
        let with_partner = roll >= single && roll < single + couple + kids;
        let with_kids = roll >= single + couple;
        let ref_sex = if chance(rng, 0.5) { 1 } else { 2 };

        // Adults.
        let first = self.adult(rng, &home, ref_sex, ref_age, None);
        out.push(first);
        if with_partner && (out.len() as u64) < max {
            let same_sex = chance(rng, 0.03);
            let sex = if same_sex { ref_sex } else { 3 - ref_sex };
            let diff: i32 = rng.random_range(-3..=7);
            let age = if sex == 1 {
                i32::from(ref_age) + diff
            } else {
                i32::from(ref_age) - diff
            }
            .clamp(18, 99) as u16;
            let partner = self.adult(rng, &home, sex, age, Some(&out[0]));
            out.push(partner);
            let married = chance(
                rng,
                match ref_age {
                    55.. => 0.7,
                    35..55 => 0.45,
                    _ => 0.25,
                },
            );
            if married && !same_sex {
                let (h, w) = if out[0].sex == 1 { (0, 1) } else { (1, 0) };
                let husband_name = out[h].birth_name.clone();
                let wife = &mut out[w];
                let roll = rng.random_range(0..100u32);
                wife.used_name = match roll {
                    0..82 => Some(husband_name),
                    82..90 => Some(format!("{husband_name}-{}", wife.birth_name)),
                    _ => None,
                };
            }
        } else if out[0].sex == 2 && ref_age >= 30 && out[0].used_name.is_none() {
            // Divorced or widowed women often keep the spouse's name.
            let p = if ref_age >= 65 { 0.45 } else { 0.2 };
            if chance(rng, p) {
                let name = self.surname(rng, Origin::France);
                out[0].used_name = Some(name);
            }
        }
        if with_kids {
            self.children(rng, &home, max, out);
        }
        for p in out.iter() {
            if p.sex == 2 && REFERENCE_YEAR - p.year > 25 {
                self.stats.women_over_25 += 1;
                if p.used_name.is_some() {
                    self.stats.women_over_25_with_used_name += 1;
                }
            }
            if p.born_abroad {
                self.stats.born_abroad += 1;
            }
        }
    }

    fn household_origin(&self, rng: &mut ChaCha8Rng, dept: &str) -> Origin {
        let t = self.tables;
        match dept {
            "974" if chance(rng, 0.7) => return Origin::Reunion,
            "971" | "972" | "973" if chance(rng, 0.5) => return Origin::Antilles,
            "976" if chance(rng, 0.85) => return Origin::Mayotte,
            _ => {}
        }
        if chance(rng, 0.07) {
            t.countries[t.country_sampler.sample(rng)].origin
        } else {
            Origin::France
        }
    }

    fn surname(&self, rng: &mut ChaCha8Rng, origin: Origin) -> String {
        let t = self.tables;
        if origin != Origin::France
            && let Some(names) = Tables::origin_names(origin)
            && !names.surnames.is_empty()
            && chance(rng, 0.4)
        {
            return names.surnames[rng.random_range(0..names.surnames.len())].to_string();
        }
        let base = &t.surnames[t.surname_sampler.sample(rng)];
        // A third of the population carries a rarer name: derive a plausible one.
        if chance(rng, 0.35) {
            derive_rare_surname(rng, base)
        } else {
            base.clone()
        }
    }

    fn first_name(
        &self,
        rng: &mut ChaCha8Rng,
        sex: u8,
        year: u16,
        origin: Origin,
        born_abroad: bool,
    ) -> String {
        let t = self.tables;
        let s = usize::from(sex == 2);
        if origin != Origin::France
            && let Some(names) = Tables::origin_names(origin)
        {
            let pool = if sex == 1 { names.male } else { names.female };
            let p = if born_abroad { 0.85 } else { 0.35 };
            if !pool.is_empty() && chance(rng, p) {
                return pool[rng.random_range(0..pool.len())].to_string();
            }
        }
        let decade = usize::from(year.saturating_sub(1901) / 10).min(DECADES - 1);
        let tail_p = if decade <= 6 { 0.12 } else { 0.2 };
        if chance(rng, tail_p) && !t.first_name_tail[s].is_empty() {
            let tail = &t.first_name_tail[s];
            return tail[rng.random_range(0..tail.len())].clone();
        }
        let list = &t.first_names[s][decade];
        list[t.first_name_samplers[s][decade].sample(rng)].clone()
    }

    /// Birth first names: 1 to 3, the later ones often from the grandparents' generation.
    fn first_names(
        &self,
        rng: &mut ChaCha8Rng,
        sex: u8,
        year: u16,
        origin: Origin,
        born_abroad: bool,
        avoid: &[String],
    ) -> Vec<String> {
        let mut first = self.first_name(rng, sex, year, origin, born_abroad);
        for _ in 0..10 {
            if !avoid.contains(&first) {
                break;
            }
            first = self.first_name(rng, sex, year, origin, born_abroad);
        }
        let mut names: Vec<String> = first.split(' ').map(str::to_string).collect();
        let roll = rng.random_range(0..100u32);
        let n = if origin != Origin::France && born_abroad {
            if roll < 75 { 1 } else { 2 }
        } else {
            match year {
                ..1960 => match roll {
                    0..15 => 1,
                    15..55 => 2,
                    _ => 3,
                },
                1960..1990 => match roll {
                    0..25 => 1,
                    25..75 => 2,
                    _ => 3,
                },
                _ => match roll {
                    0..35 => 1,
                    35..85 => 2,
                    _ => 3,
                },
            }
        };
        let older = year.saturating_sub(30);
        while names.len() < n {
            let candidate = if sex == 2 && chance(rng, 0.2) {
                "MARIE".to_string()
            } else if sex == 1 && chance(rng, 0.08) {
                ["JEAN", "PIERRE", "MARIE", "JOSEPH"][rng.random_range(0..4)].to_string()
            } else {
                self.first_name(rng, sex, older, Origin::France, false)
            };
            if !names.contains(&candidate) && !candidate.contains(' ') {
                names.push(candidate);
            } else if chance(rng, 0.3) {
                break;
            }
        }
        names
    }

    fn used_first_name(&self, rng: &mut ChaCha8Rng, names: &[String]) -> Option<String> {
        if chance(rng, 0.05) {
            if names.len() > 1 && chance(rng, 0.6) {
                return Some(names[1].clone());
            }
            if let Some((_, short)) = SHORT_FORMS.iter().find(|(long, _)| *long == names[0]) {
                return Some((*short).to_string());
            }
        }
        if names[0].starts_with("MARIE-") && chance(rng, 0.12) {
            return names[0].split_once('-').map(|(_, rest)| rest.to_string());
        }
        None
    }

    /// Draws a birthplace: `(cog, commune index if in France, born abroad, country origin)`.
    fn birthplace(
        &self,
        rng: &mut ChaCha8Rng,
        home_commune: usize,
        p_abroad: f64,
    ) -> (String, Option<usize>, Option<Origin>) {
        let t = self.tables;
        if chance(rng, p_abroad) {
            let c = &t.countries[t.country_sampler.sample(rng)];
            return (c.cog.to_string(), None, Some(c.origin));
        }
        let dept = &t.departements[t.communes[home_commune].dept];
        let overseas = dept.code.len() == 3;
        let roll = rng.random::<f64>();
        let commune = if roll < if overseas { 0.85 } else { 0.45 } {
            dept.communes[dept.sampler.sample(rng)]
        } else if roll < if overseas { 0.9 } else { 0.65 } {
            let r = self.region_of_commune(home_commune);
            t.region_communes[r][t.region_samplers[r].sample(rng)]
        } else {
            t.commune_sampler.sample(rng)
        };
        (t.communes[commune].cog.clone(), Some(commune), None)
    }

    fn place_index(&self, cog: &str, commune: Option<usize>) -> usize {
        let t = self.tables;
        match commune {
            Some(c) => c,
            None => t.communes.len() + t.countries.iter().position(|c| c.cog == cog).unwrap_or(0),
        }
    }

    /// A NIR with a fresh order number for its (place, year, month, sex) cell.
    fn nir(&mut self, sex: u8, year: u16, month: u8, cog: &str, commune: Option<usize>) -> String {
        let place = self.place_index(cog, commune);
        let y = usize::from(year.saturating_sub(REFERENCE_YEAR + 1 - YEARS as u16)).min(YEARS - 1);
        let cell = ((place * YEARS + y) * 12 + usize::from(month - 1)) * 2 + usize::from(sex - 1);
        let counter = self.order_counters.get(cell).copied().unwrap_or(0);
        if let Some(c) = self.order_counters.get_mut(cell) {
            *c = c.saturating_add(1);
        }
        let start = splitmix(self.order_salt ^ cell as u64) % 999;
        let order = ((start + u64::from(counter)) % 999 + 1) as u16;
        build_nir(sex, year, month, cog, order)
    }

    fn random_date(rng: &mut ChaCha8Rng, year: u16) -> (u8, u8) {
        let month = rng.random_range(1..=12u8);
        let day = rng.random_range(1..=days_in_month(year, month));
        (month, day)
    }

    fn adult(
        &mut self,
        rng: &mut ChaCha8Rng,
        home: &Household,
        sex: u8,
        age: u16,
        partner: Option<&Person>,
    ) -> Person {
        let year = REFERENCE_YEAR - age;
        let (month, day) = Self::random_date(rng, year);
        let p_abroad = if partner.is_some_and(|p| p.born_abroad) {
            0.45
        } else if home.origin != Origin::France {
            0.5
        } else {
            0.06
        };
        let (cog, commune, country_origin) = self.birthplace(rng, home.commune, p_abroad);
        let born_abroad = commune.is_none();
        let mut origin = match country_origin {
            Some(o) => o,
            None => home.origin,
        };
        // Many elderly people born in Algeria are French repatriates with French names.
        if cog == "99352" && year < 1962 && chance(rng, 0.5) {
            origin = Origin::France;
        }
        let mut birth_name = self.surname(rng, origin);
        let mut first_names = self.first_names(rng, sex, year, origin, born_abroad, &[]);
        let (mut year, mut month, mut day) = (year, month, day);
        let mut homonym = false;
        if chance(rng, 0.0025) && !self.recent.is_empty() {
            // An exact homonym of an earlier person: same names and birth date.
            let i = rng.random_range(0..self.recent.len());
            if let Some((n, f, s, y, m, d, place)) = self.recent.get(i).cloned()
                && s == sex
                && place != cog
            {
                birth_name = n;
                first_names = f;
                (year, month, day) = (y, m, d);
                homonym = true;
                self.stats.exact_homonyms += 1;
            }
        }
        let used_first_name = self.used_first_name(rng, &first_names);
        let (ins, nia) = if born_abroad {
            match rng.random_range(0..100u32) {
                0..75 => (Some(self.nir(sex, year, month, &cog, commune)), false),
                75..85 => (Some(self.nir(sex, year, month, &cog, commune)), true),
                _ => (None, false),
            }
        } else if chance(rng, 0.997) {
            (Some(self.nir(sex, year, month, &cog, commune)), false)
        } else {
            (None, false)
        };
        let mobile = if chance(rng, if age < 75 { 0.9 } else { 0.55 }) {
            Some(self.mobile(rng, self.dept_code(home.commune), year))
        } else {
            None
        };
        let email = if chance(
            rng,
            match age {
                ..30 => 0.7,
                30..60 => 0.55,
                60..75 => 0.35,
                _ => 0.12,
            },
        ) {
            Some(email(rng, &first_names[0], &birth_name, year))
        } else {
            None
        };
        let p = self.finish(
            rng,
            PersonDraft {
                sex,
                birth_name,
                first_names,
                used_first_name,
                year,
                month,
                day,
                birthplace: cog,
                born_abroad,
                ins: ins.clone(),
                nia,
                billing_nir: if nia { None } else { ins },
                home,
                mobile,
                email,
                homonym,
                age,
            },
        );
        if !homonym {
            if self.recent.len() == 4096 {
                self.recent.pop_front();
            }
            self.recent.push_back((
                p.birth_name.clone(),
                p.first_names.clone(),
                p.sex,
                p.year,
                p.month,
                p.day,
                p.birthplace.clone(),
            ));
        }
        p
    }

    fn children(
        &mut self,
        rng: &mut ChaCha8Rng,
        home: &Household,
        max: u64,
        out: &mut Vec<Person>,
    ) {
        let mother = out.iter().position(|p| p.sex == 2);
        let father = out.iter().position(|p| p.sex == 1);
        let Some(parent) = mother.or(father) else {
            return;
        };
        let parent_age = REFERENCE_YEAR - out[parent].year;
        let oldest = parent_age
            .saturating_sub(18)
            .min(if parent_age >= 55 { 32 } else { 25 });
        let youngest = parent_age.saturating_sub(45);
        if oldest < youngest {
            return;
        }
        let n_kids = match rng.random_range(0..100u32) {
            0..40 => 1,
            40..82 => 2,
            _ => 3,
        };
        let single_parent = out.len() == 1;
        let family_name = match (father, mother) {
            (Some(f), _) => out[f].birth_name.clone(),
            (None, Some(m)) => match &out[m].used_name {
                Some(u) if chance(rng, 0.6) => u.clone(),
                _ if chance(rng, 0.5) => out[m].birth_name.clone(),
                _ => self.surname(rng, home.origin),
            },
            (None, None) => return,
        };
        let mother_name = mother.map(|m| out[m].birth_name.clone());
        let parent_mobile = out[parent].mobile.clone().or_else(|| out[0].mobile.clone());
        let parent_email = out[parent].email.clone().or_else(|| out[0].email.clone());
        let parent_billing = out[parent]
            .billing_nir
            .clone()
            .or_else(|| out[0].billing_nir.clone());
        let origin = home.origin;
        let mut siblings: Vec<String> = Vec::new();
        for _ in 0..n_kids {
            if out.len() as u64 >= max {
                break;
            }
            let age = rng.random_range(youngest..=oldest);
            let year = REFERENCE_YEAR - age;
            let (month, day) = Self::random_date(rng, year);
            let sex = if chance(rng, 0.5) { 1 } else { 2 };
            let birth_name = match &mother_name {
                Some(m) if !single_parent && year >= 2005 && chance(rng, 0.1) => {
                    if year < 2011 {
                        format!("{family_name}--{m}")
                    } else {
                        format!("{family_name} {m}")
                    }
                }
                Some(m) if !single_parent && chance(rng, 0.01) => format!("{family_name}-{m}"),
                _ => family_name.clone(),
            };
            let p_abroad = if origin == Origin::France { 0.015 } else { 0.1 };
            let (cog, commune, _) = self.birthplace(rng, home.commune, p_abroad);
            let first_names =
                self.first_names(rng, sex, year, origin, commune.is_none(), &siblings);
            siblings.push(first_names[0].clone());
            let child = self.child(
                rng,
                home,
                ChildDraft {
                    sex,
                    birth_name: birth_name.clone(),
                    first_names,
                    year,
                    month,
                    day,
                    cog: cog.clone(),
                    commune,
                    age,
                    parent_mobile: parent_mobile.clone(),
                    parent_email: parent_email.clone(),
                    parent_billing: parent_billing.clone(),
                },
            );
            out.push(child);
            // Twins: same birth name, date and place; different first names and NIR.
            if (out.len() as u64) < max && chance(rng, 0.007) {
                let twin_sex = if chance(rng, 0.65) { sex } else { 3 - sex };
                let initial = siblings[siblings.len() - 1].chars().next();
                let mut names = self.first_names(rng, twin_sex, year, origin, false, &siblings);
                if chance(rng, 0.35) {
                    for _ in 0..30 {
                        if names[0].chars().next() == initial {
                            break;
                        }
                        names = self.first_names(rng, twin_sex, year, origin, false, &siblings);
                    }
                }
                siblings.push(names[0].clone());
                let twin = self.child(
                    rng,
                    home,
                    ChildDraft {
                        sex: twin_sex,
                        birth_name,
                        first_names: names,
                        year,
                        month,
                        day,
                        cog,
                        commune,
                        age,
                        parent_mobile: parent_mobile.clone(),
                        parent_email: parent_email.clone(),
                        parent_billing: parent_billing.clone(),
                    },
                );
                out.push(twin);
                self.stats.twin_pairs += 1;
            }
        }
    }

    fn child(&mut self, rng: &mut ChaCha8Rng, home: &Household, d: ChildDraft) -> Person {
        let used_first_name = self.used_first_name(rng, &d.first_names);
        let ins = if chance(rng, 0.995) {
            Some(self.nir(d.sex, d.year, d.month, &d.cog, d.commune))
        } else {
            None
        };
        let mobile = if d.age >= 13 && chance(rng, 0.6) {
            Some(self.mobile(rng, self.dept_code(home.commune), d.year))
        } else {
            d.parent_mobile
        };
        let email = if d.age >= 15 && chance(rng, 0.5) {
            Some(email(rng, &d.first_names[0], &d.birth_name, d.year))
        } else {
            d.parent_email
        };
        let billing_nir = if d.age >= 18 || chance(rng, 0.25) {
            ins.clone()
        } else {
            d.parent_billing
        };
        self.finish(
            rng,
            PersonDraft {
                sex: d.sex,
                birth_name: d.birth_name,
                first_names: d.first_names,
                used_first_name,
                year: d.year,
                month: d.month,
                day: d.day,
                born_abroad: d.commune.is_none(),
                birthplace: d.cog,
                ins,
                nia: false,
                billing_nir,
                home,
                mobile,
                email,
                homonym: false,
                age: d.age,
            },
        )
    }

    fn finish(&mut self, rng: &mut ChaCha8Rng, d: PersonDraft<'_>) -> Person {
        let id = self.next_id;
        self.next_id += 1;
        let weights: [u32; 4] = match d.age {
            ..18 => [74, 18, 6, 2],
            18..65 => [70, 20, 7, 3],
            _ => [55, 26, 11, 8],
        };
        let roll = rng.random_range(0..100u32);
        let n_records = if roll < weights[0] {
            1
        } else if roll < weights[0] + weights[1] {
            2
        } else if roll < weights[0] + weights[1] + weights[2] {
            3
        } else {
            match rng.random_range(0..10u32) {
                0..5 => 4,
                5..8 => 5,
                _ => 6,
            }
        };
        let mut addresses = vec![d.home.address.clone()];
        let mut move_at = n_records;
        let mut new_mobile = None;
        if n_records >= 2 && chance(rng, if d.age >= 18 { 0.25 } else { 0.1 }) {
            let commune = match rng.random_range(0..100u32) {
                0..35 => d.home.commune,
                35..65 => {
                    let dept = &self.tables.departements[self.tables.communes[d.home.commune].dept];
                    dept.communes[dept.sampler.sample(rng)]
                }
                _ => self.tables.commune_sampler.sample(rng),
            };
            addresses.push(self.random_address(rng, commune));
            move_at = rng.random_range(1..n_records);
            if d.mobile.is_some() && chance(rng, 0.15) {
                new_mobile = Some(self.mobile(rng, self.dept_code(commune), d.year));
            }
        }
        Person {
            id,
            sex: d.sex,
            birth_name: d.birth_name,
            first_names: d.first_names,
            used_first_name: d.used_first_name,
            used_name: None,
            year: d.year,
            month: d.month,
            day: d.day,
            birthplace: d.birthplace,
            born_abroad: d.born_abroad,
            ins: d.ins,
            nia: d.nia,
            billing_nir: d.billing_nir,
            addresses,
            move_at,
            mobile: d.mobile,
            new_mobile,
            landline: d.home.landline.clone(),
            email: d.email,
            n_records,
            homonym: d.homonym,
            region: self.region_of_commune(d.home.commune),
        }
    }

    fn random_address(&self, rng: &mut ChaCha8Rng, commune: usize) -> Address {
        let t = self.tables;
        let number = match rng.random_range(0..100u32) {
            0..55 => rng.random_range(1..=20),
            55..85 => rng.random_range(21..=80),
            _ => rng.random_range(81..=250),
        };
        let suffix = match rng.random_range(0..1000u32) {
            0..30 => " BIS",
            30..35 => " TER",
            _ => "",
        };
        let complement = match rng.random_range(0..100u32) {
            0..7 => Some(format!("APPT {}", rng.random_range(1..=120))),
            7..11 => Some(format!("BAT {}", (b'A' + rng.random_range(0..6u8)) as char)),
            _ => None,
        };
        let postcodes = &t.communes[commune].postcodes;
        Address {
            number,
            suffix,
            street_type: t.street_type_sampler.sample(rng),
            street_name: t.street_name_sampler.sample(rng),
            complement,
            commune,
            postcode: postcodes[rng.random_range(0..postcodes.len())].clone(),
        }
    }

    fn mobile(&self, rng: &mut ChaCha8Rng, dept: &str, year: u16) -> String {
        let prefix = match dept {
            "971" => ["0690", "0691"][rng.random_range(0..2)],
            "972" => ["0696", "0697"][rng.random_range(0..2)],
            "973" => "0694",
            "974" => ["0692", "0693"][rng.random_range(0..2)],
            "976" => "0639",
            _ if year >= 1985 && chance(rng, 0.5) => "07",
            _ => "06",
        };
        digits_after(rng, prefix)
    }

    fn landline(&self, rng: &mut ChaCha8Rng, dept: &str) -> String {
        let prefix = match dept {
            "971" => "0590",
            "972" => "0596",
            "973" => "0594",
            "974" => "0262",
            "976" => "0269",
            "75" | "77" | "78" | "91" | "92" | "93" | "94" | "95" => "01",
            "14" | "18" | "22" | "27" | "28" | "29" | "35" | "36" | "37" | "41" | "44" | "45"
            | "49" | "50" | "53" | "56" | "61" | "72" | "76" | "85" => "02",
            "02" | "08" | "10" | "21" | "25" | "39" | "51" | "52" | "54" | "55" | "57" | "58"
            | "59" | "60" | "62" | "67" | "68" | "70" | "71" | "80" | "88" | "89" | "90" => "03",
            "09" | "12" | "16" | "17" | "19" | "23" | "24" | "31" | "32" | "33" | "40" | "46"
            | "47" | "64" | "65" | "79" | "81" | "82" | "86" | "87" => "05",
            _ => "04",
        };
        digits_after(rng, prefix)
    }
}

fn digits_after(rng: &mut ChaCha8Rng, prefix: &str) -> String {
    let mut s = String::with_capacity(10);
    s.push_str(prefix);
    while s.len() < 10 {
        s.push((b'0' + rng.random_range(0..10u8)) as char);
    }
    s
}

/// "marie.dupont@gmail.com" and the other usual patterns.
fn email(rng: &mut ChaCha8Rng, first: &str, name: &str, year: u16) -> String {
    let t = Tables::get();
    let clean = |s: &str| -> String {
        fold_accents(s)
            .to_lowercase()
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect()
    };
    let f = clean(first);
    let n = clean(name);
    let provider = crate::tables::EMAIL_PROVIDERS[t.email_sampler.sample(rng)].0;
    let local = match rng.random_range(0..100u32) {
        0..40 => format!("{f}.{n}"),
        40..55 => format!("{f}{n}"),
        55..67 => format!("{}.{n}", f.chars().next().unwrap_or('x')),
        67..77 => format!("{n}.{f}"),
        77..90 => format!("{f}.{n}{:02}", year % 100),
        _ => format!("{f}_{n}{}", rng.random_range(1..100u32)),
    };
    format!("{local}@{provider}")
}

/// A rarer surname derived from a common one with a French suffix or particle
/// ("GIRARD" → "GIRARDOT", "GIRARDEAU", "LEGIRARD"), so the population's long tail of names is
/// not limited to the embedded list.
fn derive_rare_surname(rng: &mut ChaCha8Rng, base: &str) -> String {
    const SUFFIXES: &[&str] = &[
        "ET", "OT", "IN", "EAU", "AUD", "ON", "IER", "ARD", "EL", "AT", "OUX", "ELIN", "ILLON",
        "ARET", "AUX", "ERON", "ICHON", "ERET", "ELET", "EUX", "AC", "IOT", "ERAT", "INEAU",
    ];
    let ascii = insi_form(base);
    if ascii.contains([' ', '\'', '-']) || !(4..=10).contains(&ascii.len()) {
        return base.to_string();
    }
    if chance(rng, 0.1) {
        let prefix = if chance(rng, 0.6) { "LE" } else { "DU" };
        return format!("{prefix}{ascii}");
    }
    let stem = ascii.trim_end_matches(['A', 'E', 'I', 'O', 'U', 'Y', 'S', 'T', 'X', 'D', 'Z']);
    if stem.len() < 3 {
        return base.to_string();
    }
    // Long stems take only the short suffixes (GIRARDOT, not GIRARDERAT).
    let pool = if stem.len() >= 6 {
        &SUFFIXES[..10]
    } else {
        SUFFIXES
    };
    format!("{stem}{}", pool[rng.random_range(0..pool.len())])
}

struct PersonDraft<'a> {
    sex: u8,
    birth_name: String,
    first_names: Vec<String>,
    used_first_name: Option<String>,
    year: u16,
    month: u8,
    day: u8,
    birthplace: String,
    born_abroad: bool,
    ins: Option<String>,
    nia: bool,
    billing_nir: Option<String>,
    home: &'a Household,
    mobile: Option<String>,
    email: Option<String>,
    homonym: bool,
    age: u16,
}

struct ChildDraft {
    sex: u8,
    birth_name: String,
    first_names: Vec<String>,
    year: u16,
    month: u8,
    day: u8,
    cog: String,
    commune: Option<usize>,
    age: u16,
    parent_mobile: Option<String>,
    parent_email: Option<String>,
    parent_billing: Option<String>,
}
