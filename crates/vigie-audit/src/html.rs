//! The HTML report: one self-contained page (inline CSS, inline SVG charts, a few lines of
//! inline JavaScript to sort and filter tables; no font, image, script or style is fetched, the
//! page holds no URL). French labels by default, English with [`Lang::En`].
//!
//! Long lists are cut at [`HtmlOptions::max_rows`] rows and [`HtmlOptions::max_details`]
//! side-by-side views per section, with a note; the JSON report and the CSV work lists are
//! complete.

use std::collections::BTreeSet;
use std::fmt::Write;

use crate::report::{
    Action, AuditReport, CollisionKind, Contribution, Headline, InsProblemKind, QualityIssueKind,
    RecordView,
};
use crate::svg::{self, Bar, escape};

/// Language of the labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// French (default).
    #[default]
    Fr,
    /// English.
    En,
}

/// Options of [`render`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HtmlOptions {
    /// Language of the labels.
    pub lang: Lang,
    /// Rows shown per table.
    pub max_rows: usize,
    /// Side-by-side views shown per section.
    pub max_details: usize,
}

impl Default for HtmlOptions {
    fn default() -> Self {
        HtmlOptions {
            lang: Lang::Fr,
            max_rows: 1000,
            max_details: 150,
        }
    }
}

#[derive(Clone, Copy)]
struct L(Lang);

impl L {
    fn t(self, fr: &'static str, en: &'static str) -> &'static str {
        match self.0 {
            Lang::Fr => fr,
            Lang::En => en,
        }
    }

    fn int(self, n: u64) -> String {
        let digits = n.to_string();
        let sep = self.t("\u{202f}", ",");
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push_str(sep);
            }
            out.push(c);
        }
        out
    }

    fn pct(self, v: f64) -> String {
        let p = v * 100.0;
        let text = if p != 0.0 && p.abs() < 10.0 {
            format!("{p:.2}")
        } else {
            format!("{p:.1}")
        };
        match self.0 {
            Lang::Fr => format!("{}\u{a0}%", text.replace('.', ",")),
            Lang::En => format!("{text}%"),
        }
    }

    fn dec(self, v: f64, decimals: usize) -> String {
        let text = format!("{v:.decimals$}");
        match self.0 {
            Lang::Fr => text.replace('.', ","),
            Lang::En => text,
        }
    }

    fn field(self, name: &str) -> String {
        let label = match name {
            "record_id" => self.t("Enregistrement", "Record"),
            "line" => self.t("Ligne", "Line"),
            "source" => self.t("Établissement", "Source"),
            "local_id" => self.t("IPP", "Local id"),
            "birth_name" => self.t("Nom de naissance", "Birth name"),
            "used_name" => self.t("Nom utilisé", "Used name"),
            "first_names" => self.t("Prénoms de naissance", "Birth first names"),
            "used_first_name" => self.t("Prénom utilisé", "Used first name"),
            "sex" => self.t("Sexe", "Sex"),
            "birth_date" => self.t("Date de naissance", "Birth date"),
            "birth_place_code" => self.t("Lieu de naissance (COG)", "Birthplace (COG)"),
            "ins" => self.t("Matricule INS", "INS"),
            "ins_oid" => self.t("OID INS", "INS OID"),
            "identity_status" => self.t("Statut", "Status"),
            "identity_attributes" => self.t("Attributs", "Attributes"),
            "address" => self.t("Adresse", "Address"),
            "postcode" => self.t("Code postal", "Postcode"),
            "city" => self.t("Commune", "City"),
            "country" => self.t("Pays", "Country"),
            "phone" => self.t("Téléphone", "Phone"),
            "email" => self.t("Courriel", "E-mail"),
            "other_id" => self.t("Autre identifiant", "Other id"),
            other => return other.to_owned(),
        };
        label.to_owned()
    }

    fn fields(self, names: &[String]) -> String {
        names
            .iter()
            .map(|n| self.field(n))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn collision(self, kind: CollisionKind) -> &'static str {
        match kind {
            CollisionKind::SharedIns => self.t(
                "INS porté par des traits incompatibles",
                "INS on incompatible traits",
            ),
            CollisionKind::SeveralInsInGroup => self.t(
                "Plusieurs INS dans un groupe de doublons",
                "Several INS in one duplicate group",
            ),
            CollisionKind::SharedLocalId => self.t(
                "IPP porté par des traits incompatibles",
                "Local id on incompatible traits",
            ),
        }
    }

    fn ins(self, kind: InsProblemKind) -> &'static str {
        match kind {
            InsProblemKind::InvalidKey => self.t("Clé INS invalide", "Invalid INS key"),
            InsProblemKind::Malformed => self.t("Matricule mal formé", "Malformed matricule"),
            InsProblemKind::UnknownOid => self.t("OID inconnu ou INS-C", "Unknown OID or INS-C"),
            InsProblemKind::TestOid => self.t(
                "OID de test ou de démonstration",
                "Test or demonstration OID",
            ),
            InsProblemKind::SexMismatch => self.t("Sexe différent du NIR", "Sex differs from NIR"),
            InsProblemKind::BirthYearMismatch => self.t(
                "Année de naissance différente du NIR",
                "Birth year differs from NIR",
            ),
            InsProblemKind::BirthMonthMismatch => self.t(
                "Mois de naissance différent du NIR",
                "Birth month differs from NIR",
            ),
            InsProblemKind::BirthPlaceMismatch => self.t(
                "Lieu de naissance différent du NIR",
                "Birthplace differs from NIR",
            ),
            InsProblemKind::UnexpectedCode => self.t(
                "Code de sexe ou de mois inattendu",
                "Unexpected sex or month code",
            ),
            InsProblemKind::NonQualifiedCarrier => self.t(
                "INS sur une identité non qualifiée (PROV, VALI)",
                "INS on a non-qualified identity (PROV, VALI)",
            ),
            InsProblemKind::NiaKeyUnverified => self.t(
                "Clé de NIA non vérifiable (info)",
                "NIA key unverifiable (info)",
            ),
            InsProblemKind::RecoveredNotQualified => self.t(
                "INS d'une identité récupérée, non qualifiée (info)",
                "INS of a recovered, non-qualified identity (info)",
            ),
        }
    }

    fn quality(self, kind: QualityIssueKind) -> &'static str {
        match kind {
            QualityIssueKind::InvalidValue => self.t("Valeur illisible", "Unreadable value"),
            QualityIssueKind::PlaceholderBirthDate => self.t(
                "Date de naissance au 1er janvier",
                "Birth date on 1 January",
            ),
            QualityIssueKind::PlaceholderName => self.t(
                "Nom de remplissage (X, INCONNU, TEST…)",
                "Placeholder name (X, INCONNU, TEST…)",
            ),
            QualityIssueKind::RepeatedPhone => self.t(
                "Téléphone partagé par de nombreuses identités",
                "Phone shared by many identities",
            ),
            QualityIssueKind::SwappedNames => self.t(
                "Nom et prénom inversés ?",
                "Birth name and first name swapped?",
            ),
            QualityIssueKind::RnivCharacters => self.t(
                "Caractères hors règles RNIV",
                "Characters outside RNIV rules",
            ),
        }
    }

    fn action(self, action: Action) -> &'static str {
        match action {
            Action::Merge => self.t("Fusionner", "Merge"),
            Action::CheckDocuments => {
                self.t("Vérifier sur pièce d'identité", "Check identity documents")
            }
        }
    }
}

const CSS: &str = r#"
:root{--ink:#1d2433;--muted:#5b6476;--line:#d9dee8;--bg:#f5f7fa;--accent:#1f5fa8;--warn:#b4461b;--ok:#2f7d4f;--diff:#ffe3a3}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--ink);background:var(--bg)}
header{background:#17324f;color:#fff;padding:18px 28px 10px}
header h1{margin:0 0 4px;font-size:22px}
header .meta{margin:0;color:#c9d6e6}
nav{margin-top:10px;display:flex;flex-wrap:wrap;gap:4px 14px}
nav a{color:#fff;text-decoration:none;border-bottom:1px dotted #9fb6d3;font-size:13px}
main{padding:12px 28px 40px;max-width:1400px}
section{background:#fff;border:1px solid var(--line);border-radius:6px;padding:14px 18px;margin:16px 0}
h2{font-size:18px;margin:0 0 10px;color:#17324f}
h3{font-size:15px;margin:14px 0 6px}
.banner{background:#fff4e5;border:1px solid #f0c27b;color:#6b3d00;padding:8px 12px;border-radius:4px;margin:12px 0 0}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:10px}
.card{border:1px solid var(--line);border-radius:6px;padding:10px 12px;background:#fbfcfe}
.card .v{font-size:22px;font-weight:600}
.card .k{color:var(--muted);font-size:12px}
.card .d{font-size:12px}
.card.alert .v{color:var(--warn)}
.up{color:var(--warn)}.down{color:var(--ok)}
table{border-collapse:collapse;width:100%;font-size:13px;margin:6px 0}
th,td{border-bottom:1px solid var(--line);padding:4px 6px;text-align:left;vertical-align:top}
th{background:#eef2f7;position:sticky;top:0}
table.sortable th{cursor:pointer;user-select:none}
table.sortable th[data-dir=asc]::after{content:" ▲"}
table.sortable th[data-dir=desc]::after{content:" ▼"}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
td.nw,table.sortable td:first-child{white-space:nowrap}
.scroll{overflow-x:auto}
.sbs td.diff{background:var(--diff);font-weight:600}
.sbs th.f{width:190px;background:#f6f8fb}
.sbs{table-layout:fixed}
details{margin:4px 0;border:1px solid var(--line);border-radius:4px;padding:2px 8px}
details[open]{background:#fcfdff}
summary{cursor:pointer;padding:3px 0}
.note{color:var(--muted);font-size:12px}
.pill{display:inline-block;padding:0 6px;border-radius:8px;font-size:12px;background:#e8eef7}
.pill.merge{background:#dff3e6}.pill.check{background:#fde7dc}
input.filter{margin:4px 0;padding:4px 8px;border:1px solid var(--line);border-radius:4px;width:260px}
svg.chart{max-width:100%;height:auto;display:block;margin:6px 0}
svg .lbl{font-size:12px;fill:#1d2433}
svg .val{font-size:11px;fill:#5b6476}
svg .grid{stroke:#e3e7ee}
.heat td.n{min-width:46px}
.cols{display:grid;grid-template-columns:repeat(auto-fit,minmax(480px,1fr));gap:16px}
footer{color:var(--muted);font-size:12px;padding:0 28px 30px}
"#;

const JS: &str = r#"
(function(){
function key(c){if(!c)return '';var v=c.getAttribute('data-v');if(v!==null&&v!==''&&!isNaN(v))return parseFloat(v);return c.textContent.trim();}
document.querySelectorAll('table.sortable').forEach(function(t){
 var head=t.tHead?t.tHead.rows[0]:null;if(!head)return;
 Array.prototype.forEach.call(head.cells,function(th,i){th.addEventListener('click',function(){
  var asc=th.getAttribute('data-dir')!=='asc';
  Array.prototype.forEach.call(head.cells,function(h){h.removeAttribute('data-dir');});
  th.setAttribute('data-dir',asc?'asc':'desc');
  var body=t.tBodies[0];var rows=Array.prototype.slice.call(body.rows);
  rows.sort(function(a,b){var x=key(a.cells[i]),y=key(b.cells[i]);
   if(typeof x==='number'&&typeof y==='number')return asc?x-y:y-x;
   return asc?String(x).localeCompare(String(y)):String(y).localeCompare(String(x));});
  rows.forEach(function(r){body.appendChild(r);});
 });});
});
document.querySelectorAll('input.filter').forEach(function(inp){
 inp.addEventListener('input',function(){
  var t=document.getElementById(inp.getAttribute('data-for'));if(!t)return;var q=inp.value.toLowerCase();
  Array.prototype.forEach.call(t.tBodies[0].rows,function(r){r.style.display=r.textContent.toLowerCase().indexOf(q)>=0?'':'none';});
 });
});
})();
"#;

const STATUS_COLORS: [&str; 4] = ["#c8553d", "#f2a541", "#6c9bd2", "#2f7d4f"];

fn td(text: &str) -> String {
    format!("<td>{}</td>", escape(text))
}

fn td_nowrap(text: &str) -> String {
    format!("<td class=\"nw\">{}</td>", escape(text))
}

fn tdn(value: f64, display: &str) -> String {
    format!(
        "<td class=\"n\" data-v=\"{value}\">{}</td>",
        escape(display)
    )
}

fn th_row(headers: &[String], numeric: &[bool]) -> String {
    let mut out = String::from("<thead><tr>");
    for (i, h) in headers.iter().enumerate() {
        let class = if numeric.get(i).copied().unwrap_or(false) {
            " class=\"n\""
        } else {
            ""
        };
        let _ = write!(out, "<th{class}>{}</th>", escape(h));
    }
    out.push_str("</tr></thead>");
    out
}

/// A sortable, filterable table of pre-rendered rows, cut at `limit` rows.
fn table(
    out: &mut String,
    l: L,
    id: &str,
    headers: &[String],
    numeric: &[bool],
    rows: &[String],
    limit: usize,
) {
    if rows.is_empty() {
        let _ = write!(out, "<p class=\"note\">{}</p>", l.t("Aucun.", "None."));
        return;
    }
    let _ = write!(
        out,
        "<input class=\"filter\" data-for=\"{id}\" placeholder=\"{}\">",
        l.t("Filtrer…", "Filter…")
    );
    let _ = write!(
        out,
        "<div class=\"scroll\"><table class=\"sortable\" id=\"{id}\">{}<tbody>",
        th_row(headers, numeric)
    );
    for row in rows.iter().take(limit) {
        out.push_str(row);
    }
    out.push_str("</tbody></table></div>");
    if rows.len() > limit {
        let _ = write!(
            out,
            "<p class=\"note\">{} {} / {} — {}</p>",
            l.t("Affichés :", "Shown:"),
            l.int(limit as u64),
            l.int(rows.len() as u64),
            l.t(
                "la liste complète est dans le rapport JSON et les listes CSV.",
                "the full list is in the JSON report and the CSV work lists."
            )
        );
    }
}

/// Differing fields shown in tables: the local id always differs between doublons.
fn without_local_id(fields: &[String]) -> Vec<String> {
    fields
        .iter()
        .filter(|f| *f != "local_id")
        .cloned()
        .collect()
}

fn headers(l: L, labels: &[(&'static str, &'static str)]) -> Vec<String> {
    labels
        .iter()
        .map(|(fr, en)| l.t(fr, en).to_owned())
        .collect()
}

fn name_of(view: Option<&RecordView>) -> String {
    let Some(v) = view else {
        return String::new();
    };
    let mut s = v.birth_name.clone().unwrap_or_default();
    if let Some(first) = &v.first_names {
        if !s.is_empty() {
            s.push(' ');
        }
        s.push_str(first);
    }
    s
}

fn explanation(l: L, items: &[Contribution]) -> String {
    let short = |field: &str| -> String {
        match field {
            "birth_name" => l.t("nom", "name").to_owned(),
            "first_names" => l.t("prénoms", "first names").to_owned(),
            "birth_date" => l.t("naissance", "birth date").to_owned(),
            "sex" => l.t("sexe", "sex").to_owned(),
            "birth_place_code" => l.t("lieu", "birthplace").to_owned(),
            "ins" => "INS".to_owned(),
            other => l.field(other),
        }
    };
    items
        .iter()
        .map(|c| {
            let sign = if c.weight >= 0.0 { "+" } else { "" };
            format!("{} {sign}{}", short(&c.field), l.dec(c.weight, 0))
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

/// Side-by-side view of records: one column per record, one row per field (rows where every
/// value is missing are left out), differing values highlighted.
fn side_by_side(out: &mut String, l: L, report: &AuditReport, ids: &[String]) {
    let views: Vec<Option<&RecordView>> = ids.iter().map(|id| report.records.get(id)).collect();
    out.push_str("<div class=\"scroll\"><table class=\"sbs\"><thead><tr><th class=\"f\"></th>");
    for (id, view) in ids.iter().zip(&views) {
        let line = view.map_or(String::new(), |v| {
            format!(
                " <span class=\"note\">({} {})</span>",
                l.t("ligne", "line"),
                v.line
            )
        });
        let _ = write!(out, "<th>{}{line}</th>", escape(id));
    }
    out.push_str("</tr></thead><tbody>");
    let empty = RecordView::default();
    let field_rows: Vec<[(&str, Option<&str>); 18]> =
        views.iter().map(|v| v.unwrap_or(&empty).fields()).collect();
    for row in 0..18 {
        let values: Vec<Option<&str>> = field_rows
            .iter()
            .map(|f| f.get(row).and_then(|(_, v)| *v))
            .collect();
        if values.iter().all(Option::is_none) {
            continue;
        }
        let name = field_rows
            .first()
            .and_then(|f| f.get(row))
            .map_or("", |(n, _)| *n);
        let norm: BTreeSet<Option<String>> = values
            .iter()
            .map(|v| v.map(|s| s.trim().to_uppercase()))
            .collect();
        let class = if norm.len() > 1 {
            " class=\"diff\""
        } else {
            ""
        };
        let _ = write!(out, "<tr><th class=\"f\">{}</th>", escape(&l.field(name)));
        for v in values {
            let _ = write!(out, "<td{class}>{}</td>", escape(v.unwrap_or("—")));
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table></div>");
}

fn details_note(out: &mut String, l: L, shown: usize, total: usize) {
    if total > shown {
        let _ = write!(
            out,
            "<p class=\"note\">{} {} / {}.</p>",
            l.t("Vues côte à côte affichées :", "Side-by-side views shown:"),
            l.int(shown as u64),
            l.int(total as u64)
        );
    }
}

fn delta(
    l: L,
    report: &AuditReport,
    pick: fn(&crate::report::TrendPoint) -> f64,
    rate: bool,
) -> String {
    let n = report.trend.len();
    if n < 2 {
        return String::new();
    }
    let (Some(prev), Some(cur)) = (report.trend.get(n - 2), report.trend.get(n - 1)) else {
        return String::new();
    };
    let d = pick(cur) - pick(prev);
    let (arrow, class) = if d > 0.0 {
        ("▲", "up")
    } else if d < 0.0 {
        ("▼", "down")
    } else {
        ("=", "")
    };
    let text = if rate {
        format!("{:+.2} pt", d * 100.0)
    } else {
        format!("{d:+.0}")
    };
    let text = match l.0 {
        Lang::Fr => text.replace('.', ","),
        Lang::En => text,
    };
    format!(
        "<div class=\"d {class}\">{arrow} {} {}</div>",
        escape(&text),
        l.t("depuis le rapport précédent", "since the previous report")
    )
}

fn card(out: &mut String, value: &str, label: &str, extra: &str, alert: bool) {
    let _ = write!(
        out,
        "<div class=\"card{}\"><div class=\"v\">{}</div><div class=\"k\">{}</div>{extra}</div>",
        if alert { " alert" } else { "" },
        escape(value),
        escape(label)
    );
}

fn sum_quality(h: &Headline) -> u64 {
    h.quality_issues_by_kind.values().sum()
}

/// Renders the report as one self-contained HTML page.
pub fn render(report: &AuditReport, options: &HtmlOptions) -> String {
    let l = L(options.lang);
    let h = &report.headline;
    let mut out = String::with_capacity(1 << 20);
    let title = l.t("Audit d'identitovigilance", "Identitovigilance audit");
    let _ = write!(
        out,
        "<!DOCTYPE html><html lang=\"{}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>{} — {}</title><style>{CSS}</style></head><body>",
        l.t("fr", "en"),
        escape(title),
        escape(&report.input.file)
    );

    // ---- header ----
    let _ = write!(
        out,
        "<header><h1>{}</h1><p class=\"meta\">{} <b>{}</b> · {} {} · {} {} · {} {}</p>",
        escape(title),
        l.t("Fichier", "File"),
        escape(&report.input.file),
        l.int(report.input.records),
        l.t("enregistrements", "records"),
        l.int(report.sources.len() as u64),
        l.t("établissements", "sources"),
        l.t("généré le", "generated"),
        escape(&report.generated_at)
    );
    let sections: [(&str, &str, &str); 9] = [
        ("indicateurs", "Indicateurs", "Indicators"),
        ("statuts", "Statuts RNIV", "RNIV statuses"),
        ("sources", "Par établissement", "By source"),
        ("doublons", "Doublons", "Doublons"),
        ("a-examiner", "À examiner", "To review"),
        ("collisions", "Collisions", "Collisions"),
        ("ins", "INS", "INS"),
        ("homonymes", "Homonymes", "Homonyms"),
        ("qualite", "Qualité", "Quality"),
    ];
    out.push_str("<nav>");
    for (id, fr, en) in sections {
        let _ = write!(out, "<a href=\"#{id}\">{}</a>", l.t(fr, en));
    }
    out.push_str("</nav>");
    if report.evidence.fallback {
        let _ = write!(
            out,
            "<p class=\"banner\">{}</p>",
            l.t(
                "Doublons détectés par la méthode de repli intégrée (nom de naissance, premier prénom et date de naissance identiques après normalisation, ou même INS avec des traits compatibles ; voisins phonétiques à examiner). Les doublons avec fautes de saisie ne sont trouvés que par le moteur de rapprochement.",
                "Duplicates found by the built-in fallback (same normalised birth name, first first name and birth date, or same INS with compatible traits; phonetic neighbours for review). Doublons with typing errors are only found by the matching engine."
            )
        );
    }
    out.push_str("</header><main>");

    // ---- indicators ----
    let _ = write!(
        out,
        "<section id=\"indicateurs\"><h2>{}</h2><div class=\"cards\">",
        l.t("Indicateurs", "Indicators")
    );
    card(
        &mut out,
        &l.int(h.records),
        l.t("enregistrements", "records"),
        "",
        false,
    );
    let dup_extra = format!(
        "<div class=\"d\">{} {}</div>{}",
        l.int(h.doublon_groups),
        l.t("groupes", "groups"),
        delta(l, report, |p| p.duplicate_rate, true)
    );
    card(
        &mut out,
        &l.pct(h.duplicate_rate),
        l.t("taux de doublons", "duplicate rate"),
        &dup_extra,
        h.duplicate_rate > 0.0,
    );
    card(
        &mut out,
        &l.int(h.potential_duplicate_pairs),
        l.t("paires à examiner", "pairs to review"),
        "",
        false,
    );
    card(
        &mut out,
        &l.int(h.collisions),
        l.t("collisions", "collisions"),
        &delta(l, report, |p| p.collisions as f64, false),
        h.collisions > 0,
    );
    card(
        &mut out,
        &l.pct(h.qualified_share),
        l.t("identités qualifiées", "qualified identities"),
        &delta(l, report, |p| p.qualified_share, true),
        false,
    );
    let invalid_extra = format!(
        "<div class=\"d\">{} / {} {}</div>{}",
        l.int(h.invalid_ins),
        l.int(h.records_with_ins),
        l.t("INS", "INS"),
        delta(l, report, |p| p.invalid_ins_share, true)
    );
    card(
        &mut out,
        &l.pct(h.invalid_ins_share),
        l.t("INS illisibles", "unreadable INS"),
        &invalid_extra,
        h.invalid_ins > 0,
    );
    card(
        &mut out,
        &l.int(h.ins_problems),
        l.t("problèmes d'INS", "INS problems"),
        &delta(l, report, |p| p.ins_problems as f64, false),
        h.ins_problems > 0,
    );
    card(
        &mut out,
        &l.int(h.homonym_groups),
        l.t("groupes d'homonymes", "homonym groups"),
        "",
        false,
    );
    card(
        &mut out,
        &l.int(h.doubtful),
        l.t("identités douteuses", "doubtful identities"),
        "",
        false,
    );
    card(
        &mut out,
        &l.int(h.fictitious),
        l.t("identités fictives", "fictitious identities"),
        "",
        false,
    );
    card(
        &mut out,
        &l.int(sum_quality(h)),
        l.t("anomalies de qualité", "quality issues"),
        "",
        false,
    );
    out.push_str("</div>");
    if !report.conditions.is_empty() {
        let _ = write!(
            out,
            "<h3>{}</h3><ul>",
            l.t("Conditions d'échec", "Fail conditions")
        );
        for c in &report.conditions {
            let _ = write!(
                out,
                "<li><code>{}</code> : {} <b class=\"{}\">{}</b></li>",
                escape(&c.condition),
                l.dec(c.value, 4),
                if c.holds { "up" } else { "down" },
                if c.holds {
                    l.t("atteinte", "holds")
                } else {
                    l.t("non atteinte", "does not hold")
                }
            );
        }
        out.push_str("</ul>");
    }
    if report.trend.len() > 1 {
        let labels: Vec<String> = report
            .trend
            .iter()
            .map(|p| p.generated_at.chars().take(10).collect())
            .collect();
        let series = vec![
            (
                l.t("taux de doublons", "duplicate rate").to_owned(),
                "#c8553d",
                report.trend.iter().map(|p| p.duplicate_rate).collect(),
            ),
            (
                l.t("INS illisibles", "unreadable INS").to_owned(),
                "#f2a541",
                report.trend.iter().map(|p| p.invalid_ins_share).collect(),
            ),
            (
                l.t("identités qualifiées", "qualified identities")
                    .to_owned(),
                "#2f7d4f",
                report.trend.iter().map(|p| p.qualified_share).collect(),
            ),
        ];
        let _ = write!(out, "<h3>{}</h3>", l.t("Évolution", "Trend"));
        out.push_str(&svg::lines(l.t("Évolution", "Trend"), &labels, &series));
        let rows: Vec<String> = report
            .trend
            .iter()
            .map(|p| {
                format!(
                    "<tr>{}{}{}{}{}{}{}</tr>",
                    td(&p.generated_at),
                    td(&p.file),
                    tdn(p.records as f64, &l.int(p.records)),
                    tdn(p.duplicate_rate, &l.pct(p.duplicate_rate)),
                    tdn(p.collisions as f64, &l.int(p.collisions)),
                    tdn(p.qualified_share, &l.pct(p.qualified_share)),
                    tdn(p.invalid_ins_share, &l.pct(p.invalid_ins_share)),
                )
            })
            .collect();
        table(
            &mut out,
            l,
            "t-trend",
            &headers(
                l,
                &[
                    ("Date", "Date"),
                    ("Fichier", "File"),
                    ("Enregistrements", "Records"),
                    ("Doublons", "Duplicates"),
                    ("Collisions", "Collisions"),
                    ("Qualifiées", "Qualified"),
                    ("INS illisibles", "Unreadable INS"),
                ],
            ),
            &[false, false, true, true, true, true, true],
            &rows,
            options.max_rows,
        );
    }
    out.push_str("</section>");

    // ---- statuses ----
    let s = &report.status;
    let _ = write!(
        out,
        "<section id=\"statuts\"><h2>{}</h2><div class=\"cols\"><div>",
        l.t("Statuts RNIV", "RNIV statuses")
    );
    let total = h.records.max(1) as f64;
    let status_bars: Vec<Bar> = [
        ("PROV", l.t("provisoire", "provisional"), s.prov),
        ("RECUP", l.t("récupérée", "recovered"), s.recup),
        ("VALI", l.t("validée", "validated"), s.vali),
        ("QUAL", l.t("qualifiée", "qualified"), s.qual),
        ("DOUT", l.t("douteuse", "doubtful"), s.doubtful),
        ("FICT", l.t("fictive", "fictitious"), s.fictitious),
        ("HOMA", l.t("homonyme", "homonym"), s.homonym),
    ]
    .into_iter()
    .map(|(code, name, count)| Bar {
        label: format!("{code} · {name}"),
        value: count as f64,
        text: format!("{} ({})", l.int(count), l.pct(count as f64 / total)),
    })
    .collect();
    out.push_str(&svg::hbars(
        l.t("Répartition des statuts", "Status distribution"),
        &status_bars,
        total,
        "#1f5fa8",
    ));
    out.push_str("</div><div>");
    let stacked_rows: Vec<(String, Vec<f64>)> = report
        .sources
        .iter()
        .take(40)
        .map(|src| {
            let c = &src.status;
            (
                src.source.clone(),
                vec![c.prov as f64, c.recup as f64, c.vali as f64, c.qual as f64],
            )
        })
        .collect();
    out.push_str(&svg::stacked(
        l.t("Statuts par établissement", "Statuses by source"),
        &stacked_rows,
        &[
            ("PROV", STATUS_COLORS[0]),
            ("RECUP", STATUS_COLORS[1]),
            ("VALI", STATUS_COLORS[2]),
            ("QUAL", STATUS_COLORS[3]),
        ],
    ));
    out.push_str("</div></div></section>");

    // ---- sources ----
    let _ = write!(
        out,
        "<section id=\"sources\"><h2>{}</h2><div class=\"cols\"><div>",
        l.t("Par établissement", "By source")
    );
    let top: Vec<_> = report.sources.iter().take(40).collect();
    let max_dup = top
        .iter()
        .map(|s| s.headline.duplicate_rate)
        .fold(0.0f64, f64::max);
    let dup_bars: Vec<Bar> = top
        .iter()
        .map(|s| Bar {
            label: s.source.clone(),
            value: s.headline.duplicate_rate,
            text: format!(
                "{} ({} {})",
                l.pct(s.headline.duplicate_rate),
                l.int(s.headline.doublon_groups),
                l.t("groupes", "groups")
            ),
        })
        .collect();
    out.push_str(&svg::hbars(
        l.t(
            "Taux de doublons par établissement",
            "Duplicate rate by source",
        ),
        &dup_bars,
        max_dup,
        "#c8553d",
    ));
    out.push_str("</div><div>");
    let max_problems = top
        .iter()
        .map(|s| s.headline.ins_problems)
        .max()
        .unwrap_or(0) as f64;
    let ins_bars: Vec<Bar> = top
        .iter()
        .map(|s| Bar {
            label: s.source.clone(),
            value: s.headline.ins_problems as f64,
            text: format!(
                "{} ({} {})",
                l.int(s.headline.ins_problems),
                l.int(s.headline.invalid_ins),
                l.t("illisibles", "unreadable")
            ),
        })
        .collect();
    out.push_str(&svg::hbars(
        l.t(
            "Problèmes d'INS par établissement",
            "INS problems by source",
        ),
        &ins_bars,
        max_problems,
        "#f2a541",
    ));
    out.push_str("</div></div>");
    let rows: Vec<String> = report
        .sources
        .iter()
        .map(|src| {
            let x = &src.headline;
            format!(
                "<tr>{}{}{}{}{}{}{}{}{}{}{}</tr>",
                td(&src.source),
                tdn(x.records as f64, &l.int(x.records)),
                tdn(x.doublon_groups as f64, &l.int(x.doublon_groups)),
                tdn(x.duplicate_rate, &l.pct(x.duplicate_rate)),
                tdn(
                    x.potential_duplicate_pairs as f64,
                    &l.int(x.potential_duplicate_pairs)
                ),
                tdn(x.collisions as f64, &l.int(x.collisions)),
                tdn(x.qualified_share, &l.pct(x.qualified_share)),
                tdn(x.invalid_ins as f64, &l.int(x.invalid_ins)),
                tdn(x.ins_problems as f64, &l.int(x.ins_problems)),
                tdn(x.homonym_groups as f64, &l.int(x.homonym_groups)),
                tdn(sum_quality(x) as f64, &l.int(sum_quality(x))),
            )
        })
        .collect();
    table(
        &mut out,
        l,
        "t-sources",
        &headers(
            l,
            &[
                ("Établissement", "Source"),
                ("Enregistrements", "Records"),
                ("Groupes de doublons", "Doublon groups"),
                ("Taux de doublons", "Duplicate rate"),
                ("À examiner", "To review"),
                ("Collisions", "Collisions"),
                ("Qualifiées", "Qualified"),
                ("INS illisibles", "Unreadable INS"),
                ("Problèmes d'INS", "INS problems"),
                ("Homonymes", "Homonyms"),
                ("Anomalies qualité", "Quality issues"),
            ],
        ),
        &[
            false, true, true, true, true, true, true, true, true, true, true,
        ],
        &rows,
        options.max_rows,
    );
    out.push_str("</section>");

    // ---- doublons ----
    let _ = write!(
        out,
        "<section id=\"doublons\"><h2>{} ({})</h2><p class=\"note\">{}</p>",
        l.t("Doublons suspects", "Suspected doublons"),
        l.int(report.doublons.len() as u64),
        l.t(
            "Une même personne sous plusieurs IPP. « Fusionner » : traits stricts concordants et liens sûrs ; « Vérifier » : un trait strict ou l'INS diffère, ou un lien est incertain.",
            "One person under several local ids. \"Merge\": strict traits agree and every link is certain; \"Check\": a strict trait or the INS differs, or a link is uncertain."
        )
    );
    let rows: Vec<String> = report
        .doublons
        .iter()
        .map(|g| {
            let first = g.records.first().and_then(|id| report.records.get(id));
            let class = match g.action {
                Action::Merge => "merge",
                Action::CheckDocuments => "check",
            };
            format!(
                "<tr>{}<td><span class=\"pill {class}\">{}</span></td>{}{}{}{}{}{}{}{}</tr>",
                td(&g.id),
                escape(l.action(g.action)),
                tdn(
                    g.probability.unwrap_or(0.0),
                    &g.probability.map_or("—".to_owned(), |p| l.dec(p, 4))
                ),
                tdn(g.records.len() as f64, &l.int(g.records.len() as u64)),
                td(&g.sources.join(", ")),
                td(&name_of(first)),
                td_nowrap(first.and_then(|v| v.birth_date.as_deref()).unwrap_or("")),
                td(&l.fields(&g.conflicts)),
                td(&l.fields(&without_local_id(&g.differing_fields))),
                td(&explanation(l, &g.explanation)),
            )
        })
        .collect();
    table(
        &mut out,
        l,
        "t-doublons",
        &headers(
            l,
            &[
                ("Groupe", "Group"),
                ("Action suggérée", "Suggested action"),
                ("Probabilité", "Probability"),
                ("Enr.", "Records"),
                ("Établissements", "Sources"),
                ("Identité", "Identity"),
                ("Naissance", "Born"),
                ("Conflits", "Conflicts"),
                ("Champs différents", "Differing fields"),
                ("Explication (poids)", "Explanation (weights)"),
            ],
        ),
        &[false, false, true, true],
        &rows,
        options.max_rows,
    );
    let _ = write!(out, "<h3>{}</h3>", l.t("Vues côte à côte", "Side by side"));
    for g in report.doublons.iter().take(options.max_details) {
        let first = g.records.first().and_then(|id| report.records.get(id));
        let _ = write!(
            out,
            "<details><summary><b>{}</b> · {} · {} · {} {}</summary>",
            escape(&g.id),
            escape(&name_of(first)),
            escape(l.action(g.action)),
            l.int(g.records.len() as u64),
            l.t("enregistrements", "records")
        );
        side_by_side(&mut out, l, report, &g.records);
        out.push_str("</details>");
    }
    details_note(
        &mut out,
        l,
        report.doublons.len().min(options.max_details),
        report.doublons.len(),
    );
    out.push_str("</section>");

    // ---- potential duplicates ----
    let _ = write!(
        out,
        "<section id=\"a-examiner\"><h2>{} ({})</h2>",
        l.t(
            "Doublons potentiels à examiner",
            "Potential duplicates to review"
        ),
        l.int(report.potential_duplicates.len() as u64)
    );
    let rows: Vec<String> = report
        .potential_duplicates
        .iter()
        .map(|p| {
            format!(
                "<tr>{}{}{}{}{}{}{}</tr>",
                td(&p.id),
                tdn(p.probability, &l.dec(p.probability, 4)),
                tdn(p.weight, &l.dec(p.weight, 1)),
                td(&name_of(report.records.get(&p.left))),
                td(&name_of(report.records.get(&p.right))),
                td(&l.fields(&p.conflicts)),
                td(&l.fields(&without_local_id(&p.differing_fields))),
            )
        })
        .collect();
    table(
        &mut out,
        l,
        "t-potential",
        &headers(
            l,
            &[
                ("Paire", "Pair"),
                ("Probabilité", "Probability"),
                ("Poids", "Weight"),
                ("Enregistrement 1", "Record 1"),
                ("Enregistrement 2", "Record 2"),
                ("Conflits", "Conflicts"),
                ("Champs différents", "Differing fields"),
            ],
        ),
        &[false, true, true],
        &rows,
        options.max_rows,
    );
    for p in report.potential_duplicates.iter().take(options.max_details) {
        let _ = write!(
            out,
            "<details><summary><b>{}</b> · {} ↔ {} · {}</summary>",
            escape(&p.id),
            escape(&name_of(report.records.get(&p.left))),
            escape(&name_of(report.records.get(&p.right))),
            escape(&explanation(l, &p.explanation))
        );
        side_by_side(&mut out, l, report, &[p.left.clone(), p.right.clone()]);
        out.push_str("</details>");
    }
    details_note(
        &mut out,
        l,
        report.potential_duplicates.len().min(options.max_details),
        report.potential_duplicates.len(),
    );
    out.push_str("</section>");

    // ---- collisions ----
    let _ = write!(
        out,
        "<section id=\"collisions\"><h2>{} ({})</h2><p class=\"note\">{}</p>",
        l.t("Collisions", "Collisions"),
        l.int(report.collisions.len() as u64),
        l.t(
            "Un même identifiant porté par des personnes différentes : à défusionner après vérification.",
            "One identifier carried by different people: to split after checking."
        )
    );
    let rows: Vec<String> = report
        .collisions
        .iter()
        .map(|c| {
            format!(
                "<tr>{}{}{}{}{}</tr>",
                td(&c.id),
                td(l.collision(c.kind)),
                td(&c.key),
                tdn(c.records.len() as f64, &l.int(c.records.len() as u64)),
                td(&l.fields(&c.conflicting_fields)),
            )
        })
        .collect();
    table(
        &mut out,
        l,
        "t-collisions",
        &headers(
            l,
            &[
                ("Collision", "Collision"),
                ("Type", "Kind"),
                ("Identifiant", "Identifier"),
                ("Enr.", "Records"),
                ("Traits en conflit", "Conflicting traits"),
            ],
        ),
        &[false, false, false, true],
        &rows,
        options.max_rows,
    );
    for c in report.collisions.iter().take(options.max_details) {
        let _ = write!(
            out,
            "<details><summary><b>{}</b> · {} · {}</summary>",
            escape(&c.id),
            escape(l.collision(c.kind)),
            escape(&c.key)
        );
        side_by_side(&mut out, l, report, &c.records);
        out.push_str("</details>");
    }
    details_note(
        &mut out,
        l,
        report.collisions.len().min(options.max_details),
        report.collisions.len(),
    );
    out.push_str("</section>");

    // ---- INS ----
    let _ = write!(
        out,
        "<section id=\"ins\"><h2>{}</h2>",
        l.t("Problèmes d'INS", "INS problems")
    );
    let kinds: Vec<(InsProblemKind, u64)> = {
        let mut counts: std::collections::BTreeMap<InsProblemKind, u64> = Default::default();
        for p in &report.ins_problems {
            *counts.entry(p.kind).or_default() += 1;
        }
        counts.into_iter().collect()
    };
    let max_kind = kinds.iter().map(|(_, c)| *c).max().unwrap_or(0) as f64;
    let bars: Vec<Bar> = kinds
        .iter()
        .map(|(k, c)| Bar {
            label: l.ins(*k).to_owned(),
            value: *c as f64,
            text: l.int(*c),
        })
        .collect();
    if !bars.is_empty() {
        out.push_str(&svg::hbars(
            l.t("Problèmes d'INS par type", "INS problems by kind"),
            &bars,
            max_kind,
            "#f2a541",
        ));
    }
    let rows: Vec<String> = report
        .ins_problems
        .iter()
        .map(|p| {
            let v = report.records.get(&p.record);
            format!(
                "<tr>{}{}{}{}{}{}{}</tr>",
                td(l.ins(p.kind)),
                td(&p.record),
                td(v.and_then(|v| v.source.as_deref()).unwrap_or("")),
                td(v.and_then(|v| v.local_id.as_deref()).unwrap_or("")),
                td(&name_of(v)),
                td(v.map_or("", |v| v.identity_status.as_str())),
                td(&p.detail),
            )
        })
        .collect();
    table(
        &mut out,
        l,
        "t-ins",
        &headers(
            l,
            &[
                ("Problème", "Problem"),
                ("Enregistrement", "Record"),
                ("Établissement", "Source"),
                ("IPP", "Local id"),
                ("Identité", "Identity"),
                ("Statut", "Status"),
                ("Détail", "Detail"),
            ],
        ),
        &[],
        &rows,
        options.max_rows,
    );
    out.push_str("</section>");

    // ---- homonyms ----
    let _ = write!(
        out,
        "<section id=\"homonymes\"><h2>{} ({})</h2><p class=\"note\">{}</p>",
        l.t("Groupes d'homonymes", "Homonym groups"),
        l.int(report.homonym_groups.len() as u64),
        l.t(
            "Même nom de naissance, premier prénom et date de naissance, personnes différentes : attribut « homonyme » (HOMA) à poser.",
            "Same birth name, first first name and birth date, different people: set the homonym attribute (HOMA)."
        )
    );
    let rows: Vec<String> = report
        .homonym_groups
        .iter()
        .map(|g| {
            format!(
                "<tr>{}{}{}{}{}{}</tr>",
                td(&g.id),
                td(&g.key),
                tdn(g.records.len() as f64, &l.int(g.records.len() as u64)),
                tdn(g.persons as f64, &l.int(g.persons)),
                tdn(g.flagged as f64, &l.int(g.flagged)),
                td(&g.records.join(", ")),
            )
        })
        .collect();
    table(
        &mut out,
        l,
        "t-homonyms",
        &headers(
            l,
            &[
                ("Groupe", "Group"),
                ("Clé", "Key"),
                ("Enr.", "Records"),
                ("Personnes", "Persons"),
                ("Déjà HOMA", "Already HOMA"),
                ("Enregistrements", "Records"),
            ],
        ),
        &[false, false, true, true, true],
        &rows,
        options.max_rows,
    );
    out.push_str("</section>");

    // ---- quality ----
    let q = &report.quality;
    let _ = write!(
        out,
        "<section id=\"qualite\"><h2>{}</h2><div class=\"cols\"><div>",
        l.t("Qualité des données", "Data quality")
    );
    let missing_bars: Vec<Bar> = q
        .fields
        .iter()
        .map(|f| Bar {
            label: l.field(&f.field),
            value: f.missing_rate + f.invalid_rate,
            text: if f.invalid > 0 {
                format!(
                    "{} + {} {}",
                    l.pct(f.missing_rate),
                    l.pct(f.invalid_rate),
                    l.t("illisibles", "unreadable")
                )
            } else {
                l.pct(f.missing_rate)
            },
        })
        .collect();
    out.push_str(&svg::hbars(
        l.t(
            "Taux de valeurs manquantes par champ",
            "Missing rate by field",
        ),
        &missing_bars,
        1.0,
        "#6c9bd2",
    ));
    out.push_str("</div><div>");
    let counts: Vec<(QualityIssueKind, u64)> = QualityIssueKind::ALL
        .iter()
        .map(|k| {
            (
                *k,
                h.quality_issues_by_kind.get(k.code()).copied().unwrap_or(0),
            )
        })
        .collect();
    let max_issue = counts.iter().map(|(_, c)| *c).max().unwrap_or(0) as f64;
    let issue_bars: Vec<Bar> = counts
        .iter()
        .map(|(k, c)| Bar {
            label: l.quality(*k).to_owned(),
            value: *c as f64,
            text: l.int(*c),
        })
        .collect();
    out.push_str(&svg::hbars(
        l.t("Anomalies par type", "Issues by kind"),
        &issue_bars,
        max_issue,
        "#8a6bbf",
    ));
    out.push_str("</div></div>");

    let _ = write!(
        out,
        "<h3>{}</h3><div class=\"scroll\"><table class=\"sortable heat\" id=\"t-heat\">",
        l.t(
            "Valeurs manquantes par établissement",
            "Missing values by source"
        )
    );
    let mut head = vec![l.t("Établissement", "Source").to_owned()];
    let heat_fields: Vec<_> = q.fields.iter().filter(|f| f.field != "source").collect();
    head.extend(heat_fields.iter().map(|f| l.field(&f.field)));
    let numeric: Vec<bool> = (0..head.len()).map(|i| i > 0).collect();
    out.push_str(&th_row(&head, &numeric));
    out.push_str("<tbody>");
    for src in q.by_source.iter().take(options.max_rows) {
        let _ = write!(out, "<tr>{}", td(&src.source));
        for f in &heat_fields {
            let rate = src.missing_rate.get(&f.field).copied().unwrap_or(0.0);
            let _ = write!(
                out,
                "<td class=\"n\" data-v=\"{rate}\" style=\"background:rgba(200,85,61,{:.2})\">{}</td>",
                rate * 0.8,
                escape(&l.pct(rate))
            );
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table></div>");

    let _ = write!(
        out,
        "<h3>{} ({})</h3>",
        l.t("Téléphones partagés", "Shared phone numbers"),
        l.int(q.repeated_phones.len() as u64)
    );
    let rows: Vec<String> = q
        .repeated_phones
        .iter()
        .map(|p| {
            format!(
                "<tr>{}{}{}{}</tr>",
                td(&p.phone),
                tdn(p.identities as f64, &l.int(p.identities)),
                tdn(p.records as f64, &l.int(p.records)),
                td(&p.sources.join(", ")),
            )
        })
        .collect();
    table(
        &mut out,
        l,
        "t-phones",
        &headers(
            l,
            &[
                ("Téléphone", "Phone"),
                ("Identités", "Identities"),
                ("Enregistrements", "Records"),
                ("Établissements", "Sources"),
            ],
        ),
        &[false, true, true],
        &rows,
        options.max_rows,
    );

    let _ = write!(
        out,
        "<h3>{} ({})</h3>",
        l.t("Liste des anomalies", "Issue list"),
        l.int(q.issues.len() as u64)
    );
    let rows: Vec<String> = q
        .issues
        .iter()
        .filter(|i| i.kind != QualityIssueKind::RepeatedPhone)
        .map(|i| {
            let v = report.records.get(&i.record);
            let value = v
                .and_then(|v| {
                    v.fields()
                        .iter()
                        .find(|(name, _)| *name == i.field)
                        .and_then(|(_, value)| value.map(str::to_owned))
                })
                .unwrap_or_default();
            format!(
                "<tr>{}{}{}{}{}{}{}</tr>",
                td(l.quality(i.kind)),
                td(&l.field(&i.field)),
                td(&i.record),
                td(v.and_then(|v| v.source.as_deref()).unwrap_or("")),
                td(v.and_then(|v| v.local_id.as_deref()).unwrap_or("")),
                td(&value),
                td(&i.detail),
            )
        })
        .collect();
    table(
        &mut out,
        l,
        "t-issues",
        &headers(
            l,
            &[
                ("Anomalie", "Issue"),
                ("Champ", "Field"),
                ("Enregistrement", "Record"),
                ("Établissement", "Source"),
                ("IPP", "Local id"),
                ("Valeur", "Value"),
                ("Détail", "Detail"),
            ],
        ),
        &[],
        &rows,
        options.max_rows,
    );
    out.push_str("</section></main>");

    // ---- footer ----
    let _ = write!(
        out,
        "<footer>{} {} v{} · {} <b>{}</b> ({} {}, {} {}) · {} {} · {}</footer>",
        l.t("Rapport", "Report"),
        escape(&report.schema),
        report.version,
        l.t("preuves de doublons :", "duplicate evidence:"),
        escape(&report.evidence.producer),
        l.int(report.evidence.auto_link_pairs),
        l.t("liens", "links"),
        l.int(report.evidence.review_pairs),
        l.t("à examiner", "to review"),
        l.int(report.input.skipped_rows),
        l.t("lignes ignorées", "rows skipped"),
        if report.settings.cross_source {
            l.t(
                "doublons recherchés entre établissements",
                "doublons searched across sources",
            )
        } else {
            l.t(
                "doublons recherchés au sein de chaque établissement",
                "doublons searched within each source",
            )
        }
    );
    let _ = write!(out, "<script>{JS}</script></body></html>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_follow_the_language() {
        let fr = L(Lang::Fr);
        let en = L(Lang::En);
        assert_eq!(fr.int(1_234_567), "1\u{202f}234\u{202f}567");
        assert_eq!(en.int(1_234_567), "1,234,567");
        assert_eq!(en.int(12), "12");
        assert_eq!(fr.pct(0.005), "0,50\u{a0}%");
        assert_eq!(en.pct(0.5), "50.0%");
        assert_eq!(en.pct(0.0), "0.0%");
    }
}
