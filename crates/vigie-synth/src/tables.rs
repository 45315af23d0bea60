//! Embedded reference tables: communes (INSEE COG codes, postcodes, populations), surname and
//! first-name frequencies, countries of birth, streets and the establishments that register
//! patients. Parsed once into [`Tables`]; samplers draw from them by weight.

use std::sync::OnceLock;

use rand::Rng;

const COMMUNES_TSV: &str = include_str!("../data/communes.tsv");
const SURNAMES_TSV: &str = include_str!("../data/surnames.tsv");
const FIRST_NAMES_TSV: &str = include_str!("../data/first_names.tsv");

/// Draws an index with probability proportional to its weight (cumulative table + binary
/// search: deterministic for a given RNG stream).
#[derive(Debug, Clone, Default)]
pub(crate) struct Sampler {
    cumulative: Vec<u64>,
}

impl Sampler {
    pub(crate) fn new(weights: impl IntoIterator<Item = u64>) -> Sampler {
        let mut total = 0u64;
        let cumulative = weights
            .into_iter()
            .map(|w| {
                total += w;
                total
            })
            .collect();
        Sampler { cumulative }
    }

    /// An index in `0..len`; 0 for an empty sampler.
    pub(crate) fn sample<R: Rng>(&self, rng: &mut R) -> usize {
        let total = self.cumulative.last().copied().unwrap_or(0);
        if total == 0 {
            return 0;
        }
        let x = rng.random_range(0..total);
        self.cumulative.partition_point(|&c| c <= x)
    }
}

/// A commune (or a municipal arrondissement of Paris, Lyon, Marseille).
#[derive(Debug, Clone)]
pub(crate) struct Commune {
    /// INSEE COG code, e.g. `75114`, `2A004`, `97411`.
    pub cog: String,
    /// Name as written by INSEE, with accents ("Saint-Étienne"); "Paris" for arrondissements.
    pub name: String,
    /// Postcodes served.
    pub postcodes: Vec<String>,
    /// Index into [`Tables::departements`].
    pub dept: usize,
    /// Population represented (inhabitants).
    pub weight: u64,
}

/// A département.
#[derive(Debug, Clone)]
pub(crate) struct Departement {
    /// `01`…`95`, `2A`, `2B`, `971`…`976`.
    pub code: String,
    /// Region code (INSEE).
    pub region: String,
    /// Communes of the département, weighted by population.
    pub communes: Vec<usize>,
    pub sampler: Sampler,
}

/// A country of birth abroad.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Country {
    /// INSEE code `99xxx`.
    pub cog: &'static str,
    /// Share of people born abroad living in France (relative weight).
    pub weight: u64,
    /// Which name pool people born there usually carry.
    pub origin: Origin,
}

/// Cultural origin of a family, used to pick coherent names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    France,
    Maghreb,
    Portugal,
    Spain,
    Italy,
    Africa,
    EastAsia,
    Turkey,
    EasternEurope,
    Reunion,
    Antilles,
    Mayotte,
}

/// An establishment that registers patients, with its data-entry habits.
#[derive(Debug, Clone)]
pub(crate) struct Source {
    pub name: &'static str,
    /// Region code, or "" for a national actor (laboratory network).
    pub region: &'static str,
    pub weight: u64,
    pub style: Style,
}

/// How an establishment keys identities.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Style {
    /// Keeps diacritics in names keyed by hand.
    pub accents: bool,
    /// Stores names in title case ("Dupont") rather than upper case.
    pub title_case: bool,
    /// Share of qualified (QUAL) registrations.
    pub qual_rate: f64,
    /// Multiplier of the data-entry error rates.
    pub error_scale: f64,
    /// Probability that a hand-keyed record carries the full list of first names.
    pub full_first_names: f64,
    /// Probability that a hand-keyed record carries a birthplace code.
    pub birthplace_rate: f64,
    /// 0: 0612345678, 1: 06 12 34 56 78, 2: 06.12.34.56.78, 3: +33 6 12 34 56 78.
    pub phone_format: u8,
    /// Street types abbreviated (AV, BD, R…) and La Poste city names (ST ETIENNE).
    pub postal_abbreviations: bool,
    /// Probability of recording an e-mail when the patient has one.
    pub email_rate: f64,
    /// Probability of recording the health-insurance number in `other_id`.
    pub other_id_rate: f64,
    /// Country column: 0 empty, 1 "FRANCE", 2 "FR".
    pub country_format: u8,
    /// IPP prefix (may be empty) and number of digits.
    pub ipp_prefix: &'static str,
    pub ipp_digits: u8,
}

#[allow(clippy::too_many_arguments)] // a table row, read positionally in SOURCES
const fn style(
    accents: bool,
    title_case: bool,
    qual_rate: f64,
    error_scale: f64,
    full_first_names: f64,
    birthplace_rate: f64,
    phone_format: u8,
    postal_abbreviations: bool,
    email_rate: f64,
    other_id_rate: f64,
    country_format: u8,
    ipp_prefix: &'static str,
    ipp_digits: u8,
) -> Style {
    Style {
        accents,
        title_case,
        qual_rate,
        error_scale,
        full_first_names,
        birthplace_rate,
        phone_format,
        postal_abbreviations,
        email_rate,
        other_id_rate,
        country_format,
        ipp_prefix,
        ipp_digits,
    }
}

/// Fictional establishments named like French hospitals (region codes are INSEE's). Columns of
/// `style`: accents, title case, QUAL rate, error scale, full first names, birthplace rate,
/// phone format, postal abbreviations, e-mail rate, other-id rate, country format, IPP prefix
/// and digits.
#[rustfmt::skip]
const SOURCES: &[(&str, &str, u64, Style)] = &[
    ("APHP", "11", 12, style(false, false, 0.45, 1.0, 0.45, 0.65, 0, false, 0.35, 0.20, 0, "", 10)),
    ("HOPITAL-FOCH", "11", 3, style(true, false, 0.40, 0.8, 0.55, 0.70, 1, false, 0.50, 0.30, 1, "F", 8)),
    ("CH-ARGENTEUIL", "11", 3, style(false, false, 0.30, 1.3, 0.25, 0.50, 0, true, 0.20, 0.10, 0, "", 9)),
    ("CLINIQUE-DES-LILAS", "11", 2, style(true, true, 0.20, 1.2, 0.20, 0.40, 2, false, 0.60, 0.40, 1, "CL", 7)),
    ("CHU-LILLE", "32", 5, style(false, false, 0.40, 1.0, 0.35, 0.60, 0, true, 0.30, 0.20, 0, "", 9)),
    ("CHU-AMIENS", "32", 2, style(false, false, 0.35, 1.1, 0.30, 0.55, 1, true, 0.25, 0.15, 2, "", 8)),
    ("CHRU-STRASBOURG", "44", 3, style(true, false, 0.45, 0.9, 0.50, 0.70, 1, false, 0.35, 0.25, 1, "", 9)),
    ("CHU-REIMS", "44", 2, style(false, false, 0.30, 1.2, 0.30, 0.50, 0, true, 0.20, 0.10, 0, "", 8)),
    ("CHU-DIJON", "27", 2, style(false, true, 0.35, 1.0, 0.40, 0.60, 2, false, 0.30, 0.20, 1, "D", 8)),
    ("CHU-ROUEN", "28", 3, style(false, false, 0.40, 1.0, 0.35, 0.60, 0, true, 0.30, 0.20, 0, "", 9)),
    ("CHU-RENNES", "53", 3, style(true, false, 0.50, 0.8, 0.55, 0.75, 1, false, 0.40, 0.25, 1, "", 9)),
    ("CHU-BREST", "53", 2, style(false, false, 0.40, 1.0, 0.35, 0.60, 0, true, 0.25, 0.20, 0, "", 8)),
    ("CHU-NANTES", "52", 4, style(false, false, 0.45, 0.9, 0.45, 0.65, 1, false, 0.35, 0.20, 0, "", 9)),
    ("CHU-TOURS", "24", 3, style(false, false, 0.35, 1.1, 0.30, 0.55, 0, true, 0.25, 0.15, 2, "T", 8)),
    ("CHU-BORDEAUX", "75", 4, style(true, false, 0.45, 0.9, 0.45, 0.65, 1, false, 0.35, 0.25, 1, "", 10)),
    ("CHU-LIMOGES", "75", 2, style(false, false, 0.30, 1.2, 0.25, 0.50, 0, true, 0.20, 0.10, 0, "", 8)),
    ("CHU-TOULOUSE", "76", 4, style(false, false, 0.45, 1.0, 0.40, 0.60, 1, false, 0.35, 0.20, 0, "", 9)),
    ("CHU-MONTPELLIER", "76", 3, style(true, true, 0.35, 1.1, 0.35, 0.55, 3, false, 0.40, 0.25, 1, "M", 8)),
    ("HCL-LYON", "84", 5, style(false, false, 0.50, 0.8, 0.50, 0.70, 0, false, 0.35, 0.20, 0, "", 10)),
    ("CHU-GRENOBLE", "84", 2, style(true, false, 0.40, 1.0, 0.40, 0.60, 1, false, 0.30, 0.20, 1, "", 9)),
    ("CLINIQUE-DU-PARC", "84", 2, style(true, true, 0.20, 1.4, 0.20, 0.35, 2, true, 0.60, 0.45, 1, "CP", 7)),
    ("APHM", "93", 4, style(false, false, 0.35, 1.2, 0.30, 0.55, 0, true, 0.25, 0.15, 0, "", 10)),
    ("CHU-NICE", "93", 2, style(true, false, 0.40, 1.0, 0.40, 0.60, 1, false, 0.35, 0.25, 1, "", 9)),
    ("CH-AJACCIO", "94", 1, style(false, false, 0.30, 1.3, 0.25, 0.50, 0, true, 0.20, 0.15, 2, "", 8)),
    ("CHU-GUADELOUPE", "01", 1, style(false, false, 0.25, 1.4, 0.30, 0.45, 1, true, 0.20, 0.15, 1, "", 8)),
    ("CHU-MARTINIQUE", "02", 1, style(false, false, 0.30, 1.3, 0.30, 0.50, 1, true, 0.20, 0.15, 1, "", 8)),
    ("CH-CAYENNE", "03", 1, style(false, false, 0.20, 1.5, 0.25, 0.40, 0, true, 0.15, 0.10, 0, "", 8)),
    ("CHU-REUNION", "04", 2, style(false, false, 0.35, 1.1, 0.35, 0.55, 1, false, 0.25, 0.20, 1, "", 9)),
    ("CH-MAYOTTE", "06", 1, style(false, false, 0.15, 1.6, 0.25, 0.35, 0, true, 0.10, 0.05, 0, "", 8)),
    ("LABO-BIOPOLE", "", 3, style(false, false, 0.25, 1.2, 0.20, 0.30, 0, true, 0.45, 0.60, 0, "L", 10)),
];

/// Countries of birth for people born abroad: (INSEE code, relative weight, origin).
const COUNTRIES: &[(&str, u64, Origin)] = &[
    ("99352", 125, Origin::Maghreb),      // Algérie
    ("99350", 120, Origin::Maghreb),      // Maroc
    ("99351", 45, Origin::Maghreb),       // Tunisie
    ("99139", 80, Origin::Portugal),      // Portugal
    ("99127", 40, Origin::Italy),         // Italie
    ("99134", 35, Origin::Spain),         // Espagne
    ("99208", 35, Origin::Turkey),        // Turquie
    ("99132", 20, Origin::France),        // Royaume-Uni
    ("99109", 20, Origin::France),        // Allemagne
    ("99131", 18, Origin::France),        // Belgique
    ("99140", 8, Origin::France),         // Suisse
    ("99341", 20, Origin::Africa),        // Sénégal
    ("99335", 18, Origin::Africa),        // Mali
    ("99326", 18, Origin::Africa),        // Côte d'Ivoire
    ("99322", 15, Origin::Africa),        // Cameroun
    ("99324", 10, Origin::Africa),        // Congo
    ("99312", 12, Origin::Africa),        // RD Congo
    ("99330", 10, Origin::Africa),        // Guinée
    ("99336", 5, Origin::Africa),         // Mauritanie
    ("99396", 4, Origin::Portugal),       // Cap-Vert
    ("99397", 12, Origin::Mayotte),       // Comores
    ("99333", 15, Origin::France),        // Madagascar
    ("99410", 10, Origin::Antilles),      // Haïti
    ("99216", 18, Origin::EastAsia),      // Chine
    ("99243", 12, Origin::EastAsia),      // Viet Nam
    ("99234", 6, Origin::EastAsia),       // Cambodge
    ("99241", 4, Origin::EastAsia),       // Laos
    ("99114", 25, Origin::EasternEurope), // Roumanie
    ("99122", 10, Origin::EasternEurope), // Pologne
    ("99123", 10, Origin::EasternEurope), // Russie
    ("99155", 8, Origin::EasternEurope),  // Ukraine
    ("99121", 5, Origin::EasternEurope),  // Serbie
    ("99404", 6, Origin::France),         // États-Unis
    ("99401", 5, Origin::France),         // Canada
    ("99416", 6, Origin::Portugal),       // Brésil
    ("99235", 6, Origin::EastAsia),       // Sri Lanka
    ("99223", 4, Origin::EastAsia),       // Inde
    ("99390", 4, Origin::France),         // Maurice
    ("99205", 5, Origin::Maghreb),        // Liban
    ("99206", 4, Origin::Maghreb),        // Syrie
    ("99212", 4, Origin::Maghreb),        // Afghanistan
];

/// Surnames, and male and female first names, for families of a given origin.
pub(crate) struct OriginNames {
    pub origin: Origin,
    pub surnames: &'static [&'static str],
    pub male: &'static [&'static str],
    pub female: &'static [&'static str],
}

pub(crate) const ORIGIN_NAMES: &[OriginNames] = &[
    OriginNames {
        origin: Origin::Maghreb,
        surnames: &[
            "BENALI",
            "BENAMAR",
            "BOUZID",
            "BENSALEM",
            "HADDAD",
            "CHERIF",
            "BRAHIMI",
            "AMRANI",
            "MANSOURI",
            "SAIDI",
            "BOUAZIZ",
            "HAMDI",
            "BELKACEM",
            "MEZIANE",
            "KHELIFI",
            "BOUDJEMAA",
            "EL AMRANI",
            "EL IDRISSI",
            "BENCHEIKH",
            "AIT AHMED",
            "BEN SALAH",
            "HAMIDI",
            "ZERROUKI",
            "BOUAZZA",
            "TAHRI",
            "BENYAHIA",
            "EL HADDAD",
            "AMARA",
            "BELHADJ",
            "DJEBBAR",
            "BOUCHAMA",
            "OUALI",
            "AIT OUFELLA",
            "BEN AMOR",
            "TRABELSI",
        ],
        male: &[
            "MOHAMED",
            "AHMED",
            "ALI",
            "KARIM",
            "RACHID",
            "SAÏD",
            "MUSTAPHA",
            "ABDELKADER",
            "FARID",
            "YOUSSEF",
            "OMAR",
            "HICHAM",
            "MOURAD",
            "NORDINE",
            "KAMEL",
            "SAMIR",
            "MEHDI",
            "BRAHIM",
            "LAHCEN",
            "DJAMEL",
            "KHALID",
            "NABIL",
            "AZIZ",
            "HAMID",
            "YACINE",
        ],
        female: &[
            "FATIMA", "KHADIJA", "AÏCHA", "MALIKA", "NADIA", "SAMIRA", "FARIDA", "LEILA", "KARIMA",
            "RACHIDA", "SAMIA", "NAIMA", "ZOHRA", "YAMINA", "HOURIA", "SOUAD", "MERIEM", "AMINA",
            "DJAMILA", "NORA", "LATIFA", "HAFIDA",
        ],
    },
    OriginNames {
        origin: Origin::Portugal,
        surnames: &[
            "DA SILVA",
            "DOS SANTOS",
            "FERREIRA",
            "PEREIRA",
            "RODRIGUES",
            "FERNANDES",
            "GONCALVES",
            "MARTINS",
            "LOPES",
            "GOMES",
            "DE OLIVEIRA",
            "DA COSTA",
            "MENDES",
            "RIBEIRO",
            "CARVALHO",
            "ALVES",
            "MONTEIRO",
            "TEIXEIRA",
            "DE SOUSA",
            "CORREIA",
            "PINTO",
            "DA CRUZ",
            "MOREIRA",
            "CARDOSO",
            "DE ALMEIDA",
            "D'ALMEIDA",
            "BARBOSA",
        ],
        male: &[
            "JOSÉ",
            "MANUEL",
            "ANTÓNIO",
            "JOAQUIM",
            "JOÃO",
            "CARLOS",
            "FERNANDO",
            "PAULO",
            "MÁRIO",
            "ARMANDO",
            "AGOSTINHO",
            "ALBINO",
            "JORGE",
            "RUI",
            "NUNO",
        ],
        female: &[
            "MARIA",
            "ANA",
            "FÁTIMA",
            "ROSA",
            "CARLA",
            "SANDRA",
            "PAULA",
            "CONCEIÇÃO",
            "ISABEL",
            "LURDES",
            "GRAÇA",
            "CUSTÓDIA",
            "LUÍSA",
        ],
    },
    OriginNames {
        origin: Origin::Spain,
        surnames: &[
            "GARCIA",
            "MARTINEZ",
            "LOPEZ",
            "SANCHEZ",
            "FERNANDEZ",
            "RODRIGUEZ",
            "PEREZ",
            "GONZALEZ",
            "GOMEZ",
            "HERNANDEZ",
            "DIAZ",
            "MORENO",
            "JIMENEZ",
            "RUIZ",
            "ALVAREZ",
            "MUÑOZ",
            "ROMERO",
            "NAVARRO",
            "TORRES",
            "DOMINGUEZ",
            "GUTIERREZ",
            "RAMIREZ",
        ],
        male: &[
            "JOSÉ",
            "ANTONIO",
            "MANUEL",
            "FRANCISCO",
            "JUAN",
            "MIGUEL",
            "CARLOS",
            "PEDRO",
            "JESÚS",
            "RAMÓN",
            "ÁNGEL",
        ],
        female: &[
            "MARIA",
            "CARMEN",
            "DOLORES",
            "PILAR",
            "ISABEL",
            "ANA",
            "CONCEPCIÓN",
            "JOSEFA",
            "ROSARIO",
            "MERCEDES",
            "ENCARNACIÓN",
        ],
    },
    OriginNames {
        origin: Origin::Italy,
        surnames: &[
            "ROSSI",
            "RUSSO",
            "FERRARI",
            "ESPOSITO",
            "BIANCHI",
            "ROMANO",
            "COLOMBO",
            "RICCI",
            "MARINO",
            "GRECO",
            "BRUNO",
            "GALLO",
            "CONTI",
            "DE LUCA",
            "COSTA",
            "GIORDANO",
            "MANCINI",
            "LOMBARDI",
            "MORETTI",
            "BARBIERI",
            "D'ANGELO",
            "DI MARTINO",
        ],
        male: &[
            "GIUSEPPE",
            "ANTONIO",
            "GIOVANNI",
            "MARIO",
            "FRANCESCO",
            "LUIGI",
            "SALVATORE",
            "ANGELO",
            "VINCENZO",
            "PIETRO",
            "CARMELO",
        ],
        female: &[
            "MARIA",
            "ANNA",
            "GIUSEPPINA",
            "ROSA",
            "ANGELA",
            "GIOVANNA",
            "TERESA",
            "LUCIA",
            "CARMELA",
            "CONCETTA",
        ],
    },
    OriginNames {
        origin: Origin::Africa,
        surnames: &[
            "DIALLO",
            "TRAORE",
            "KONE",
            "DIOP",
            "NDIAYE",
            "N'DIAYE",
            "CISSE",
            "COULIBALY",
            "SYLLA",
            "CAMARA",
            "DIARRA",
            "KEITA",
            "SOW",
            "BA",
            "FALL",
            "TOURE",
            "KANTE",
            "DIAKITE",
            "SISSOKO",
            "DOUCOURE",
            "SANGARE",
            "FOFANA",
            "DIABATE",
            "MBAYE",
            "GUEYE",
            "KOUASSI",
            "KOUAME",
            "YAO",
            "NGUEMA",
            "MBALA",
            "KABONGO",
            "MUKENDI",
            "N'GUESSAN",
        ],
        male: &[
            "MAMADOU",
            "MOUSSA",
            "IBRAHIMA",
            "OUSMANE",
            "ABDOULAYE",
            "AMADOU",
            "SEYDOU",
            "BOUBACAR",
            "ALIOU",
            "MODIBO",
            "CHEIKH",
            "SOULEYMANE",
            "KOFFI",
            "DIDIER",
            "SERGE",
            "JEAN-CLAUDE",
            "ISSA",
            "LAMINE",
        ],
        female: &[
            "FATOUMATA",
            "AMINATA",
            "MARIAM",
            "AWA",
            "KADIATOU",
            "HAWA",
            "AÏSSATOU",
            "MARIAMA",
            "OUMOU",
            "BINTA",
            "NDEYE",
            "ROKIA",
            "ASSA",
            "GRÂCE",
            "MARIE-CLAIRE",
        ],
    },
    OriginNames {
        origin: Origin::EastAsia,
        surnames: &[
            "NGUYEN",
            "TRAN",
            "LE",
            "PHAM",
            "HOANG",
            "HUYNH",
            "PHAN",
            "VU",
            "VO",
            "DANG",
            "BUI",
            "DO",
            "NGO",
            "DUONG",
            "LY",
            "TRUONG",
            "CHEN",
            "WANG",
            "ZHANG",
            "LIN",
            "LI",
            "HUANG",
            "LIU",
            "CHAU",
            "LAM",
            "SIVANESAN",
            "KUMAR",
        ],
        male: &[
            "VAN HUNG", "MINH", "THANH", "DUC", "VAN TUAN", "QUANG", "ANH", "LONG", "VAN HAI",
            "WEI", "JUN", "HAO", "SOPHEAP", "RAVI",
        ],
        female: &[
            "THI LAN",
            "THI HOA",
            "MAI",
            "LAN",
            "HOA",
            "LINH",
            "THI HUONG",
            "THUY",
            "NGOC",
            "MEI",
            "LI",
            "XIAO",
            "SOPHEA",
            "PRIYA",
        ],
    },
    OriginNames {
        origin: Origin::Turkey,
        surnames: &[
            "YILMAZ", "KAYA", "DEMIR", "SAHIN", "CELIK", "YILDIZ", "YILDIRIM", "OZTURK", "AYDIN",
            "OZDEMIR", "ARSLAN", "DOGAN", "KILIC", "ASLAN", "CETIN", "KARA", "KOC", "KURT",
            "OZKAN", "SIMSEK",
        ],
        male: &[
            "MEHMET", "MUSTAFA", "AHMET", "ALI", "HÜSEYIN", "HASAN", "IBRAHIM", "ISMAIL", "OSMAN",
            "YUSUF", "MURAT", "EMRE",
        ],
        female: &[
            "FATMA", "AYSE", "EMINE", "HATICE", "ZEYNEP", "ELIF", "MERYEM", "SEVGI", "DILEK",
            "HÜLYA",
        ],
    },
    OriginNames {
        origin: Origin::EasternEurope,
        surnames: &[
            "KOWALSKI",
            "NOWAK",
            "WISNIEWSKI",
            "WOJCIK",
            "KAMINSKI",
            "LEWANDOWSKI",
            "POPESCU",
            "POPA",
            "IONESCU",
            "CONSTANTIN",
            "STAN",
            "DUMITRU",
            "IVANOV",
            "PETROV",
            "SMIRNOV",
            "KOVALENKO",
            "SHEVCHENKO",
            "JOVANOVIC",
            "PETROVIC",
            "NIKOLIC",
        ],
        male: &[
            "PIOTR",
            "ANDRZEJ",
            "JAN",
            "ION",
            "GHEORGHE",
            "VASILE",
            "MIHAI",
            "ALEXANDRU",
            "IVAN",
            "SERGUEÏ",
            "DMITRI",
            "OLEKSANDR",
            "DRAGAN",
            "MILAN",
        ],
        female: &[
            "ANNA",
            "MARIA",
            "ELENA",
            "IOANA",
            "ANDREEA",
            "OLGA",
            "TATIANA",
            "IRINA",
            "NATALIA",
            "SVETLANA",
            "KATARZYNA",
            "AGNIESZKA",
        ],
    },
    OriginNames {
        origin: Origin::Reunion,
        surnames: &[
            "PAYET", "HOARAU", "GRONDIN", "FONTAINE", "RIVIERE", "HOAREAU", "BOYER", "ROBERT",
            "LEBON", "MAILLOT", "TECHER", "NATIVEL", "TURPIN", "DIJOUX", "MUSSARD", "LAURET",
            "BEGUE", "SAUTRON", "CADET", "VIENNE", "GRAVINA", "BARRET", "ETHEVE", "HUET",
        ],
        male: &[],
        female: &[],
    },
    OriginNames {
        origin: Origin::Antilles,
        surnames: &[
            "JEAN-BAPTISTE",
            "SAINT-LOUIS",
            "LOUIS",
            "PIERRE",
            "ALEXANDRE",
            "JOSEPH",
            "CELESTINE",
            "MARIE-SAINTE",
            "DESIRE",
            "LUCIEN",
            "BELLANCE",
            "JEAN-LOUIS",
            "SYLVESTRE",
            "CHARLES",
            "DOMINIQUE",
            "ERNEST",
            "ZOZOR",
            "THEOPHILE",
            "NICOLAS",
            "JEAN-CHARLES",
            "AUGUSTIN",
            "PIERRE-LOUIS",
            "ROMAIN",
            "SAINT-AIME",
        ],
        male: &[],
        female: &[],
    },
    OriginNames {
        origin: Origin::Mayotte,
        surnames: &[
            "MADI",
            "ATTOUMANI",
            "AHAMADA",
            "SAÏD",
            "ABDALLAH",
            "ALI",
            "HOUMADI",
            "COMBO",
            "ANLI",
            "BACAR",
            "MOUSSA",
            "SOULA",
            "YOUSSOUF",
            "MOHAMED",
            "SAINDOU",
            "ISSOUFI",
            "BOINA",
        ],
        male: &[
            "ANLI",
            "MADI",
            "HOUMADI",
            "SAÏD",
            "ABDOU",
            "ISSOUF",
            "ANTOY",
            "ZAKIA",
            "FAHARDINE",
            "NASSUR",
            "ABDOUL-KARIM",
        ],
        female: &[
            "ZALIFA", "MARIAMA", "ANRIFATI", "FATIMA", "ZAINABA", "ECHATA", "MOINECHA", "NASSRA",
            "ZOUBEIDA", "HADIDJA",
        ],
    },
];

/// Civil-status spellings with diacritics of surnames the frequency table writes bare.
const SURNAME_ACCENTS: &[(&str, &str)] = &[
    ("LEFEBVRE", "LEFEBVRE"),
    ("LEFEVRE", "LEFÈVRE"),
    ("GUERIN", "GUÉRIN"),
    ("ANDRE", "ANDRÉ"),
    ("GERARD", "GÉRARD"),
    ("MENARD", "MÉNARD"),
    ("BENARD", "BÉNARD"),
    ("HEBERT", "HÉBERT"),
    ("REMY", "RÉMY"),
    ("LEVEQUE", "LÉVÊQUE"),
    ("PREVOST", "PRÉVOST"),
    ("MARECHAL", "MARÉCHAL"),
    ("LEGER", "LÉGER"),
    ("GREGOIRE", "GRÉGOIRE"),
    ("LEMAITRE", "LEMAÎTRE"),
    ("BENOIT", "BENOÎT"),
    ("BARTHELEMY", "BARTHÉLEMY"),
    ("CLEMENT", "CLÉMENT"),
    ("NOEL", "NOËL"),
    ("FRANCOIS", "FRANÇOIS"),
    ("CHRETIEN", "CHRÉTIEN"),
    ("BEGUIN", "BÉGUIN"),
    ("BRIERE", "BRIÈRE"),
    ("RIVIERE", "RIVIÈRE"),
    ("LEMOINE", "LEMOINE"),
    ("GIRAUD", "GIRAUD"),
    ("DELPECH", "DELPECH"),
    ("MERCIER", "MERCIER"),
    ("FREMONT", "FRÉMONT"),
    ("VALERY", "VALÉRY"),
    ("JOLIVET", "JOLIVET"),
    ("BEGUE", "BÈGUE"),
    ("GAUTIER", "GAUTIER"),
    ("HELENE", "HÉLÈNE"),
    ("MEDARD", "MÉDARD"),
    ("PERIER", "PÉRIER"),
    ("BEDARD", "BÉDARD"),
    ("DEPREZ", "DEPREZ"),
    ("LEPINE", "LÉPINE"),
    ("GENDRE", "GENDRE"),
    ("ETIENNE", "ÉTIENNE"),
    ("LEGENDRE", "LEGENDRE"),
    ("DESIRE", "DÉSIRÉ"),
    ("THEOPHILE", "THÉOPHILE"),
    ("CELESTINE", "CÉLESTINE"),
    ("SAINT MARTIN", "SAINT-MARTIN"),
    ("SAINT JEAN", "SAINT-JEAN"),
    ("SAINT MARC", "SAINT-MARC"),
    ("JEAN BAPTISTE", "JEAN-BAPTISTE"),
    ("JEAN LOUIS", "JEAN-LOUIS"),
    ("JEAN PIERRE", "JEAN-PIERRE"),
    ("JEAN CHARLES", "JEAN-CHARLES"),
    ("MARIE SAINTE", "MARIE-SAINTE"),
    ("PRUD'HOMME", "PRUD'HOMME"),
    ("MULLER", "MÜLLER"),
    ("CAZENAVE", "CAZENAVE"),
    ("BOUVIER", "BOUVIER"),
    ("PELISSIER", "PÉLISSIER"),
    ("MEGRET", "MÉGRET"),
    ("BERENGER", "BÉRENGER"),
    ("HENAFF", "HÉNAFF"),
    ("LE HENAFF", "LE HÉNAFF"),
    ("DESCAMPS", "DESCAMPS"),
];

/// Spellings of one first name that registration clerks use interchangeably.
pub(crate) const FIRST_NAME_VARIANTS: &[&[&str]] = &[
    &["MATHIEU", "MATTHIEU"],
    &["MICKAEL", "MICKAËL", "MICHAEL", "MICHAËL", "MIKAEL"],
    &["ANTHONY", "ANTONY"],
    &["JEREMY", "JÉRÉMY", "JEREMIE", "JÉRÉMIE"],
    &["STEPHANE", "STÉPHANE", "STEFANE"],
    &["SOPHIE", "SOFIE"],
    &["NATHALIE", "NATALIE"],
    &["CHRISTOPHE", "CRISTOPHE"],
    &["GREGORY", "GRÉGORY"],
    &["JOHANN", "JOHAN", "YOHANN", "YOHAN", "YOANN"],
    &["KEVIN", "KÉVIN"],
    &["MAEL", "MAËL"],
    &["RAPHAEL", "RAPHAËL"],
    &["LOIC", "LOÏC"],
    &["GAELLE", "GAËLLE"],
    &["NOEMIE", "NOÉMIE"],
    &["CHLOE", "CHLOÉ"],
    &["ZOE", "ZOÉ"],
    &["INES", "INÈS"],
    &["LEA", "LÉA"],
    &["ELODIE", "ÉLODIE"],
    &["CLEMENT", "CLÉMENT"],
    &["HELENE", "HÉLÈNE"],
    &["MOHAMED", "MOHAMMED", "MOHAMAD", "MOHAMMAD"],
    &["YANIS", "YANNIS", "IANIS"],
    &["RAYAN", "RAYANE", "RAYANN"],
    &["SARAH", "SARA"],
    &["THIBAULT", "THIBAUT", "THIBAUD"],
    &["ARNAUD", "ARNAULT"],
    &["REMI", "RÉMI", "RÉMY", "REMY"],
    &["CEDRIC", "CÉDRIC"],
    &["FREDERIC", "FRÉDÉRIC", "FREDERICK"],
    &["ERIC", "ÉRIC", "ERICK"],
    &["AURELIE", "AURÉLIE"],
    &["MELANIE", "MÉLANIE"],
    &["EMILIE", "ÉMILIE"],
    &["JOELLE", "JOËLLE"],
    &["MICHELE", "MICHÈLE", "MICHELLE"],
    &["DANIELE", "DANIÈLE", "DANIELLE"],
    &["LAETITIA", "LÆTITIA", "LETITIA", "LETICIA"],
    &["ELISABETH", "ÉLISABETH", "ELIZABETH"],
    &["SYLVIE", "SILVIE"],
    &["SYLVAIN", "SILVAIN"],
    &["KARINE", "CARINE"],
    &["CATHERINE", "CATHRINE"],
    &["JOCELYNE", "JOSSELINE", "JOCELINE"],
    &["GHISLAINE", "GISLAINE"],
    &["MAÏWENN", "MAIWENN", "MAÏWEN"],
    &["ENZO", "ENSO"],
    &["MATHIS", "MATHYS", "MATTHIS"],
    &["LOUNA", "LUNA"],
    &["ETHAN", "ETHANE"],
    &["JULIEN", "JULLIEN"],
    &["PHILIPPE", "PHILLIPE", "PHILIPE"],
    &["ISABELLE", "ISABEL"],
    &["EMMANUEL", "EMANUEL"],
    &["CORINNE", "CORINE"],
    &["FABIENNE", "FABIENE"],
];

/// Short forms sometimes recorded as the used first name.
pub(crate) const SHORT_FORMS: &[(&str, &str)] = &[
    ("ALEXANDRE", "ALEX"),
    ("ALEXANDRA", "ALEXA"),
    ("CHRISTOPHE", "CHRIS"),
    ("MAXIMILIEN", "MAX"),
    ("MAXIME", "MAX"),
    ("CATHERINE", "CATHY"),
    ("ÉLISABETH", "ÉLISA"),
    ("ELISABETH", "ELISA"),
    ("ISABELLE", "ISA"),
    ("FRÉDÉRIC", "FRED"),
    ("FREDERIC", "FRED"),
    ("NATHALIE", "NATH"),
    ("GUILLAUME", "WILL"),
    ("VALENTIN", "VAL"),
    ("MARIE-CHRISTINE", "CHRISTINE"),
    ("MARIE-FRANÇOISE", "FRANÇOISE"),
    ("MARIE-THÉRÈSE", "THÉRÈSE"),
    ("MARIE-HÉLÈNE", "HÉLÈNE"),
    ("MARIE-LAURE", "LAURE"),
    ("ANNE-MARIE", "ANNE"),
    ("JEAN-BAPTISTE", "BAPTISTE"),
    ("JEAN-FRANÇOIS", "FRANÇOIS"),
    ("JEAN-CHRISTOPHE", "CHRISTOPHE"),
];

/// Street types: full form, La Poste abbreviation, relative weight.
pub(crate) const STREET_TYPES: &[(&str, &str, u64)] = &[
    ("RUE", "R", 60),
    ("AVENUE", "AV", 12),
    ("BOULEVARD", "BD", 5),
    ("CHEMIN", "CHE", 7),
    ("IMPASSE", "IMP", 4),
    ("PLACE", "PL", 3),
    ("ALLÉE", "ALL", 4),
    ("ROUTE", "RTE", 5),
    ("QUAI", "QU", 1),
    ("COURS", "CRS", 1),
    ("RÉSIDENCE", "RES", 2),
    ("LOTISSEMENT", "LOT", 2),
];

/// Street names with a rough frequency (the Republic, Victor Hugo and the railway station win).
pub(crate) const STREET_NAMES: &[(&str, u64)] = &[
    ("DE LA RÉPUBLIQUE", 30),
    ("VICTOR HUGO", 28),
    ("JEAN JAURÈS", 25),
    ("DU GÉNÉRAL DE GAULLE", 22),
    ("PASTEUR", 24),
    ("DE LA GARE", 26),
    ("DES ÉCOLES", 18),
    ("DE L'ÉGLISE", 25),
    ("DU MOULIN", 22),
    ("NATIONALE", 10),
    ("JULES FERRY", 18),
    ("GAMBETTA", 14),
    ("DE LA MAIRIE", 16),
    ("DES LILAS", 12),
    ("DES ROSES", 10),
    ("DU STADE", 12),
    ("DE LA PAIX", 10),
    ("DU MARÉCHAL FOCH", 12),
    ("CARNOT", 12),
    ("DE LA LIBERTÉ", 12),
    ("ÉMILE ZOLA", 12),
    ("DES TILLEULS", 14),
    ("DU CHÂTEAU", 16),
    ("DE PARIS", 12),
    ("DES ACACIAS", 10),
    ("DU 8 MAI 1945", 12),
    ("DU 11 NOVEMBRE", 10),
    ("ANATOLE FRANCE", 10),
    ("ALBERT CAMUS", 9),
    ("JEAN MOULIN", 14),
    ("DE VERDUN", 12),
    ("DES PRÉS", 10),
    ("DU PONT", 8),
    ("DES CHÊNES", 9),
    ("DE LA FONTAINE", 10),
    ("SAINT-MARTIN", 8),
    ("LOUIS PASTEUR", 8),
    ("PIERRE CURIE", 8),
    ("MARIE CURIE", 8),
    ("GEORGES CLEMENCEAU", 10),
    ("DES JARDINS", 8),
    ("DU COMMERCE", 7),
    ("DES PEUPLIERS", 7),
    ("DES VIGNES", 8),
    ("DE LA POSTE", 9),
    ("DU BOIS", 8),
    ("DES FLEURS", 7),
    ("DE LA CROIX", 7),
    ("PAUL BERT", 7),
    ("JEAN MERMOZ", 6),
    ("MOLIÈRE", 6),
    ("VOLTAIRE", 7),
    ("DU MARÉCHAL LECLERC", 9),
    ("ARISTIDE BRIAND", 8),
    ("SADI CARNOT", 6),
    ("GEORGES BRASSENS", 6),
    ("DES MIMOSAS", 5),
    ("DES MARRONNIERS", 6),
    ("DES PINS", 6),
    ("DU LAVOIR", 6),
    ("DES CHAMPS", 6),
    ("DU CIMETIÈRE", 5),
    ("DU PORT", 5),
    ("DE LA PLAGE", 4),
    ("DE LA CHAPELLE", 6),
    ("DES SOURCES", 5),
    ("DE LA FORÊT", 5),
    ("DES CERISIERS", 5),
    ("DES GLYCINES", 4),
    ("DU PARC", 7),
    ("DES ALOUETTES", 4),
    ("DU CHAMP DE FOIRE", 4),
    ("DE LA LIBÉRATION", 8),
    ("DES HORTENSIAS", 4),
    ("DU PRESSOIR", 4),
    ("DE BELLEVUE", 5),
    ("DES COQUELICOTS", 4),
    ("DES ÉRABLES", 4),
    ("DES BLEUETS", 4),
    ("DU VIEUX BOURG", 4),
    ("ROBESPIERRE", 3),
    ("DES AUBÉPINES", 3),
    ("SAINT-EXUPÉRY", 4),
    ("FRANÇOIS MITTERRAND", 4),
    ("SALVADOR ALLENDE", 3),
    ("PABLO PICASSO", 3),
    ("CHARLES PÉGUY", 3),
    ("HENRI BARBUSSE", 3),
    ("DES CAPUCINES", 3),
    ("DU MONT BLANC", 2),
    ("DE LA CORNICHE", 2),
    ("DES SALINES", 2),
    ("DES FLAMBOYANTS", 2),
];

/// E-mail providers with relative weights.
pub(crate) const EMAIL_PROVIDERS: &[(&str, u64)] = &[
    ("gmail.com", 40),
    ("orange.fr", 14),
    ("hotmail.fr", 10),
    ("yahoo.fr", 7),
    ("free.fr", 7),
    ("wanadoo.fr", 5),
    ("laposte.net", 4),
    ("sfr.fr", 4),
    ("outlook.fr", 4),
    ("icloud.com", 3),
    ("hotmail.com", 2),
];

/// Parsed and indexed tables, built once per process.
pub(crate) struct Tables {
    pub regions: Vec<String>,
    pub departements: Vec<Departement>,
    pub communes: Vec<Commune>,
    /// Communes weighted by population, France-wide.
    pub commune_sampler: Sampler,
    /// Per region (same order as `regions`): communes weighted by population.
    pub region_samplers: Vec<Sampler>,
    pub region_communes: Vec<Vec<usize>>,
    pub surnames: Vec<String>,
    pub surname_sampler: Sampler,
    /// `first_names[sex][decade]`: ranked names (sex 0 = male, 1 = female); decades 1901…2011.
    pub first_names: [Vec<Vec<String>>; 2],
    pub first_name_samplers: [Vec<Sampler>; 2],
    /// Rarer names, drawn uniformly.
    pub first_name_tail: [Vec<String>; 2],
    pub countries: Vec<Country>,
    pub country_sampler: Sampler,
    pub sources: Vec<Source>,
    pub source_sampler: Sampler,
    /// Per region: indices of sources located there (weighted).
    pub region_sources: Vec<(Vec<usize>, Sampler)>,
    pub street_type_sampler: Sampler,
    pub street_name_sampler: Sampler,
    pub email_sampler: Sampler,
}

/// Number of first-name decades (1901 to 2011).
pub(crate) const DECADES: usize = 12;

impl Tables {
    /// The tables, parsed on first use.
    pub(crate) fn get() -> &'static Tables {
        static TABLES: OnceLock<Tables> = OnceLock::new();
        TABLES.get_or_init(Tables::parse)
    }

    fn parse() -> Tables {
        let mut regions: Vec<String> = Vec::new();
        let mut departements: Vec<Departement> = Vec::new();
        let mut communes: Vec<Commune> = Vec::new();
        for line in COMMUNES_TSV.lines() {
            let fields: Vec<&str> = line.split('\t').collect();
            match fields.as_slice() {
                ["R", code, _name] => regions.push((*code).to_string()),
                ["D", code, region, _name] => departements.push(Departement {
                    code: (*code).to_string(),
                    region: (*region).to_string(),
                    communes: Vec::new(),
                    sampler: Sampler::default(),
                }),
                ["C", cog, name, postcodes, weight] => {
                    let Some(dept) = departements.iter().position(|d| cog.starts_with(&d.code))
                    else {
                        continue;
                    };
                    let weight = weight.parse().unwrap_or(0);
                    departements[dept].communes.push(communes.len());
                    communes.push(Commune {
                        cog: (*cog).to_string(),
                        name: (*name).to_string(),
                        postcodes: postcodes.split(' ').map(str::to_string).collect(),
                        dept,
                        weight,
                    });
                }
                _ => {}
            }
        }
        for d in &mut departements {
            d.sampler = Sampler::new(d.communes.iter().map(|&i| communes[i].weight));
        }
        let commune_sampler = Sampler::new(communes.iter().map(|c| c.weight));
        let region_communes: Vec<Vec<usize>> = regions
            .iter()
            .map(|r| {
                (0..communes.len())
                    .filter(|&i| departements[communes[i].dept].region == *r)
                    .collect()
            })
            .collect();
        let region_samplers = region_communes
            .iter()
            .map(|list| Sampler::new(list.iter().map(|&i| communes[i].weight)))
            .collect();

        let accents: std::collections::BTreeMap<&str, &str> =
            SURNAME_ACCENTS.iter().copied().collect();
        let mut surnames = Vec::new();
        let mut surname_weights = Vec::new();
        for line in SURNAMES_TSV.lines().filter(|l| !l.starts_with('#')) {
            if let Some((name, weight)) = line.split_once('\t') {
                let name = accents.get(name).copied().unwrap_or(name);
                surnames.push(name.to_string());
                // Flattened (power 0.8): the embedded list over-represents the commonest names
                // once the rarer ones are cut off; MARTIN ends near its real 0.35 %.
                let w = weight.parse::<f64>().unwrap_or(1.0).max(1.0);
                surname_weights.push((w.powf(0.8) * 1000.0) as u64);
            }
        }
        let surname_sampler = Sampler::new(surname_weights);

        let mut first_names: [Vec<Vec<String>>; 2] = [Vec::new(), Vec::new()];
        let mut first_name_tail: [Vec<String>; 2] = [Vec::new(), Vec::new()];
        for line in FIRST_NAMES_TSV.lines().filter(|l| !l.starts_with('#')) {
            let fields: Vec<&str> = line.split('\t').collect();
            if let [sex, decade, names] = fields.as_slice() {
                let s = usize::from(*sex == "F");
                let list: Vec<String> = names
                    .split(',')
                    .filter(|n| n.chars().count() >= 2)
                    .map(str::to_uppercase)
                    .collect();
                if *decade == "tail" {
                    first_name_tail[s] = list;
                } else {
                    first_names[s].push(list);
                }
            }
        }
        // Popularity by rank: the top name of a decade is given 4-6 % of births, as in INSEE's
        // statistics, and the tail follows a Zipf law.
        let first_name_samplers = [0, 1].map(|s| {
            first_names[s]
                .iter()
                .map(|list| Sampler::new((0..list.len()).map(|r| 1_000_000 / (r as u64 + 4))))
                .collect::<Vec<_>>()
        });

        let countries: Vec<Country> = COUNTRIES
            .iter()
            .map(|&(cog, weight, origin)| Country {
                cog,
                weight,
                origin,
            })
            .collect();
        let country_sampler = Sampler::new(countries.iter().map(|c| c.weight));
        let sources: Vec<Source> = SOURCES
            .iter()
            .map(|&(name, region, weight, style)| Source {
                name,
                region,
                weight,
                style,
            })
            .collect();
        let source_sampler = Sampler::new(sources.iter().map(|s| s.weight));
        let region_sources = regions
            .iter()
            .map(|r| {
                let list: Vec<usize> = (0..sources.len())
                    .filter(|&i| sources[i].region == r.as_str())
                    .collect();
                let sampler = Sampler::new(list.iter().map(|&i| sources[i].weight));
                (list, sampler)
            })
            .collect();
        Tables {
            regions,
            departements,
            communes,
            commune_sampler,
            region_samplers,
            region_communes,
            surnames,
            surname_sampler,
            first_names,
            first_name_samplers,
            first_name_tail,
            countries,
            country_sampler,
            sources,
            source_sampler,
            region_sources,
            street_type_sampler: Sampler::new(STREET_TYPES.iter().map(|t| t.2)),
            street_name_sampler: Sampler::new(STREET_NAMES.iter().map(|t| t.1)),
            email_sampler: Sampler::new(EMAIL_PROVIDERS.iter().map(|t| t.1)),
        }
    }

    /// Index of the name pool of an origin.
    pub(crate) fn origin_names(origin: Origin) -> Option<&'static OriginNames> {
        ORIGIN_NAMES.iter().find(|o| o.origin == origin)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn tables_parse_completely() {
        let t = Tables::get();
        assert_eq!(t.regions.len(), 18);
        assert_eq!(t.departements.len(), 101);
        assert!(t.communes.len() > 800, "{}", t.communes.len());
        assert!(
            t.communes
                .iter()
                .all(|c| c.cog.len() == 5 && !c.postcodes.is_empty())
        );
        for d in ["2A", "2B", "971", "972", "973", "974", "976", "75"] {
            let dept = t.departements.iter().find(|x| x.code == d).unwrap();
            assert!(!dept.communes.is_empty(), "{d}");
            assert!(
                dept.communes
                    .iter()
                    .all(|&i| t.communes[i].cog.starts_with(d))
            );
        }
        let total: u64 = t.communes.iter().map(|c| c.weight).sum();
        assert!((60_000_000..75_000_000).contains(&total), "{total}");
        assert!(t.surnames.len() >= 3000);
        assert_eq!(t.surnames[0], "MARTIN");
        assert!(t.surnames.iter().any(|s| s == "LE GALL"));
        for s in 0..2 {
            assert_eq!(t.first_names[s].len(), DECADES);
            assert!(t.first_names[s].iter().all(|l| l.len() >= 100));
            assert!(t.first_name_tail[s].len() > 300);
        }
        assert!(t.first_names[1][5].contains(&"MARIE-CHRISTINE".to_string()));
        assert!(t.region_sources.iter().all(|(l, _)| !l.is_empty()));
    }

    #[test]
    fn sampler_follows_weights() {
        let s = Sampler::new([1, 0, 3]);
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        let mut counts = [0u32; 3];
        for _ in 0..4000 {
            counts[s.sample(&mut rng)] += 1;
        }
        assert_eq!(counts[1], 0);
        assert!((2700..3300).contains(&counts[2]), "{counts:?}");
        assert_eq!(Sampler::new([]).sample(&mut rng), 0);
    }
}
