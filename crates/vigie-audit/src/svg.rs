//! Inline SVG charts for the HTML report, written by hand (no plotting library, no fonts, no
//! network): horizontal bars, 100 % stacked bars and trend lines. Inline SVG in HTML needs no
//! namespace declaration, so the page holds no URL at all.

use std::fmt::Write;

/// Escapes text for HTML and SVG content and attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// One horizontal bar.
pub(crate) struct Bar {
    /// Label on the left.
    pub label: String,
    /// Length, in the unit of the chart's maximum.
    pub value: f64,
    /// Text written after the bar.
    pub text: String,
}

/// Width of the trend chart.
const WIDTH: f64 = 720.0;
/// Width of the bar charts (drawn two side by side).
const BAR_WIDTH: f64 = 520.0;
const LABEL_W: f64 = 190.0;
const ROW_H: f64 = 22.0;

fn cut(label: &str, max: usize) -> String {
    if label.chars().count() <= max {
        label.to_owned()
    } else {
        let mut s: String = label.chars().take(max.saturating_sub(1)).collect();
        s.push('…');
        s
    }
}

fn open(out: &mut String, title: &str, width: f64, height: f64) {
    let _ = write!(
        out,
        r#"<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" aria-label="{t}"><title>{t}</title>"#,
        t = escape(title)
    );
}

/// Horizontal bars scaled to `max` (a zero maximum draws empty bars).
pub(crate) fn hbars(title: &str, bars: &[Bar], max: f64, color: &str) -> String {
    let height = ROW_H * bars.len() as f64 + 8.0;
    let mut out = String::new();
    open(&mut out, title, BAR_WIDTH, height);
    let area = BAR_WIDTH - LABEL_W - 120.0;
    for (i, bar) in bars.iter().enumerate() {
        let y = 4.0 + ROW_H * i as f64;
        let w = if max > 0.0 {
            (bar.value / max).clamp(0.0, 1.0) * area
        } else {
            0.0
        };
        let _ = write!(
            out,
            r#"<text x="{lx}" y="{ty}" text-anchor="end" class="lbl">{label}</text><rect x="{LABEL_W}" y="{ry}" width="{w:.1}" height="{h}" rx="2" fill="{color}"><title>{label}: {text}</title></rect><text x="{vx:.1}" y="{ty}" class="val">{text}</text>"#,
            lx = LABEL_W - 8.0,
            ty = y + 15.0,
            ry = y + 3.0,
            h = ROW_H - 6.0,
            vx = LABEL_W + w + 6.0,
            label = escape(&cut(&bar.label, 28)),
            text = escape(&bar.text),
        );
    }
    out.push_str("</svg>");
    out
}

/// 100 % stacked horizontal bars: one row per label, one segment per series (`values` are
/// counts; each row is scaled to its own total), with a legend.
pub(crate) fn stacked(title: &str, rows: &[(String, Vec<f64>)], series: &[(&str, &str)]) -> String {
    let height = ROW_H * rows.len() as f64 + 36.0;
    let mut out = String::new();
    open(&mut out, title, BAR_WIDTH, height);
    let area = BAR_WIDTH - LABEL_W - 20.0;
    let mut x = LABEL_W;
    for (name, color) in series {
        let _ = write!(
            out,
            r#"<rect x="{x}" y="4" width="12" height="12" fill="{color}"/><text x="{tx}" y="14" class="val">{name}</text>"#,
            tx = x + 16.0,
            name = escape(name)
        );
        x += 24.0 + 7.5 * name.chars().count() as f64;
    }
    for (i, (label, values)) in rows.iter().enumerate() {
        let y = 28.0 + ROW_H * i as f64;
        let total: f64 = values.iter().sum();
        let _ = write!(
            out,
            r#"<text x="{lx}" y="{ty}" text-anchor="end" class="lbl">{label}</text>"#,
            lx = LABEL_W - 8.0,
            ty = y + 15.0,
            label = escape(&cut(label, 28))
        );
        let mut x = LABEL_W;
        for (value, (name, color)) in values.iter().zip(series) {
            if total <= 0.0 || *value <= 0.0 {
                continue;
            }
            let share = value / total;
            let w = share * area;
            let _ = write!(
                out,
                r#"<rect x="{x:.1}" y="{ry}" width="{w:.1}" height="{h}" fill="{color}"><title>{label} · {name}: {pct:.1} %</title></rect>"#,
                ry = y + 3.0,
                h = ROW_H - 6.0,
                label = escape(label),
                name = escape(name),
                pct = share * 100.0
            );
            x += w;
        }
    }
    out.push_str("</svg>");
    out
}

/// Trend lines over report dates; values are fractions shown in percent.
pub(crate) fn lines(
    title: &str,
    x_labels: &[String],
    series: &[(String, &str, Vec<f64>)],
) -> String {
    let (height, left, right, top, bottom) = (280.0, 60.0, 50.0, 34.0, 40.0);
    let mut out = String::new();
    open(&mut out, title, WIDTH, height);
    let max = series
        .iter()
        .flat_map(|(_, _, v)| v.iter().copied())
        .fold(0.0f64, f64::max);
    let y_max = nice_ceiling(max.max(0.0001));
    let plot_w = WIDTH - left - right;
    let plot_h = height - top - bottom;
    let x_at = |i: usize| {
        if x_labels.len() <= 1 {
            left + plot_w / 2.0
        } else {
            left + plot_w * i as f64 / (x_labels.len() - 1) as f64
        }
    };
    let y_at = |v: f64| top + plot_h * (1.0 - (v / y_max).clamp(0.0, 1.0));
    let steps = grid_steps(y_max);
    for step in 0..=steps {
        let v = y_max * f64::from(step) / f64::from(steps);
        let y = y_at(v);
        let _ = write!(
            out,
            r#"<line x1="{left}" y1="{y:.1}" x2="{x2}" y2="{y:.1}" class="grid"/><text x="{tx}" y="{ty:.1}" text-anchor="end" class="val">{p}</text>"#,
            x2 = WIDTH - right,
            tx = left - 6.0,
            ty = y + 4.0,
            p = percent_label(v)
        );
    }
    for (i, label) in x_labels.iter().enumerate() {
        let _ = write!(
            out,
            r#"<text x="{x:.1}" y="{y}" text-anchor="middle" class="val">{l}</text>"#,
            x = x_at(i),
            y = height - bottom + 18.0,
            l = escape(&cut(label, 16))
        );
    }
    let mut lx = left;
    for (name, color, values) in series {
        let _ = write!(
            out,
            r#"<rect x="{lx}" y="6" width="12" height="12" fill="{color}"/><text x="{tx}" y="16" class="val">{n}</text>"#,
            tx = lx + 16.0,
            n = escape(name)
        );
        lx += 30.0 + 7.0 * name.chars().count() as f64;
        let points: Vec<String> = values
            .iter()
            .enumerate()
            .map(|(i, v)| format!("{:.1},{:.1}", x_at(i), y_at(*v)))
            .collect();
        let _ = write!(
            out,
            r#"<polyline points="{}" fill="none" stroke="{color}" stroke-width="2"/>"#,
            points.join(" ")
        );
        for (i, v) in values.iter().enumerate() {
            let _ = write!(
                out,
                r#"<circle cx="{:.1}" cy="{:.1}" r="3.5" fill="{color}"><title>{}: {}</title></circle>"#,
                x_at(i),
                y_at(*v),
                escape(name),
                percent_label(*v)
            );
        }
    }
    out.push_str("</svg>");
    out
}

fn percent_label(v: f64) -> String {
    let p = v * 100.0;
    let text = if (p - p.round()).abs() < 1e-9 {
        format!("{p:.0}")
    } else if (p * 10.0 - (p * 10.0).round()).abs() < 1e-9 {
        format!("{p:.1}")
    } else {
        format!("{p:.2}")
    };
    format!("{text} %")
}

/// Number of grid intervals that gives round values for a [`nice_ceiling`] maximum.
fn grid_steps(y_max: f64) -> u32 {
    let mantissa = y_max / 10f64.powf(y_max.log10().floor());
    if (mantissa - 2.0).abs() < 1e-9 { 4 } else { 5 }
}

/// A round number ≥ `v` (1, 2, 2.5, 5 × 10^k).
fn nice_ceiling(v: f64) -> f64 {
    let exp = v.log10().floor();
    let base = 10f64.powf(exp);
    for m in [1.0, 2.0, 2.5, 5.0, 10.0] {
        if m * base >= v {
            return m * base;
        }
    }
    10.0 * base
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }

    #[test]
    fn grid_labels_are_round() {
        for y_max in [0.5, 0.2, 0.25, 1.0, 0.01] {
            let steps = grid_steps(y_max);
            for step in 0..=steps {
                let label = percent_label(y_max * f64::from(step) / f64::from(steps));
                assert!(label.len() <= 7, "{y_max}: {label}");
            }
        }
        assert_eq!(percent_label(0.125), "12.5 %");
        assert_eq!(percent_label(0.3), "30 %");
    }

    #[test]
    fn nice_ceilings() {
        assert_eq!(nice_ceiling(0.07), 0.1);
        assert_eq!(nice_ceiling(0.3), 0.5);
        assert_eq!(nice_ceiling(0.012), 0.02);
        assert_eq!(nice_ceiling(1.0), 1.0);
    }

    #[test]
    fn charts_are_closed_svg() {
        let bars = [Bar {
            label: "a<b".into(),
            value: 2.0,
            text: "2".into(),
        }];
        for svg in [
            hbars("t", &bars, 4.0, "#123"),
            stacked(
                "t",
                &[("x".into(), vec![1.0, 3.0])],
                &[("A", "#111"), ("B", "#222")],
            ),
            lines(
                "t",
                &["d1".into(), "d2".into()],
                &[("s".into(), "#333", vec![0.1, 0.2])],
            ),
        ] {
            assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
            assert!(!svg.contains("a<b"));
        }
    }
}
