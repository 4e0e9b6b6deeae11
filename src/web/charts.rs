//! Charts drawn on the server as SVG: nothing loaded from elsewhere, they
//! show without script and print. Each has axes with tick labels, a unit,
//! a legend when it has several series, and its values written beside the
//! marks (a `<title>` on each mark repeats them for hovering). Sizes are a
//! `viewBox`, so a chart scales to the width of a phone; every text is
//! escaped here, as minijinja's escaping does not reach a `|safe` string.

use std::fmt::Write;

/// The drawing's width in viewBox units; CSS scales it to the page.
const WIDTH: f64 = 400.0;
const FONT: f64 = 11.0;

/// `text` safe inside an SVG element or a double-quoted attribute.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// The ticks of an axis from 0 to at least `max`: round steps (1, 2 or 5
/// times a power of ten), about `count` of them, the last one ≥ `max`.
/// An empty or negative range gets the axis 0–1.
pub fn ticks(max: f64, count: usize) -> Vec<f64> {
    let max = if max.is_finite() && max > 0.0 {
        max
    } else {
        1.0
    };
    let rough = max / count.max(1) as f64;
    let power = 10f64.powf(rough.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|s| *s >= rough)
        .unwrap_or(10.0 * power);
    let n = (max / step - 1e-9).ceil().max(1.0) as usize;
    (0..=n).map(|i| i as f64 * step).collect()
}

/// A number as a tick or value label: no decimals for whole numbers.
pub fn number(value: f64) -> String {
    if (value - value.round()).abs() < 1e-9 {
        format!("{}", value.round() as i64)
    } else {
        format!("{value:.1}")
    }
}

/// `text` cut to `max` characters, with an ellipsis when cut.
fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// A line of a [`line_chart`]: its name in the legend, its CSS class
/// (colour), and one value per x label.
#[derive(Debug, Clone)]
pub struct Series {
    pub name: String,
    pub class: &'static str,
    pub values: Vec<f64>,
}

/// A bar: its label, its value, the text printed beside it, and where a
/// click on the label leads (drilling down), if anywhere.
#[derive(Debug, Clone)]
pub struct Bar {
    pub label: String,
    pub value: f64,
    pub shown: String,
    pub href: Option<String>,
}

/// What every chart says about itself: an accessible title and the unit
/// of its values axis.
#[derive(Debug, Clone)]
pub struct Frame<'a> {
    pub title: &'a str,
    pub unit: &'a str,
    /// Said instead of a chart when there is nothing to draw.
    pub empty: &'a str,
}

fn open(out: &mut String, frame: &Frame<'_>, height: f64, class: &str) {
    let _ = write!(
        out,
        "<svg class=\"chart {class}\" viewBox=\"0 0 {WIDTH} {height}\" role=\"img\" \
         aria-label=\"{title}\" font-size=\"{FONT}\"><title>{title}</title>",
        title = escape(frame.title),
    );
}

fn empty(frame: &Frame<'_>) -> String {
    format!("<p class=\"note\">{}</p>", escape(frame.empty))
}

/// Lines over `labels` (weeks): a y axis with ticks and unit, x labels
/// (thinned to fit), a legend, and each series' values printed at its
/// points when there are few, else its last value at the line's end.
pub fn line_chart(frame: &Frame<'_>, labels: &[String], series: &[Series]) -> String {
    let most = series
        .iter()
        .flat_map(|s| s.values.iter().copied())
        .fold(0.0, f64::max);
    if labels.is_empty() || series.is_empty() {
        return empty(frame);
    }
    let (left, right, top, bottom) = (34.0, 30.0, 34.0, 40.0);
    let plot_h = 160.0;
    let height = top + plot_h + bottom;
    let plot_w = WIDTH - left - right;
    let ticks = ticks(most, 4);
    let top_value = ticks.last().copied().unwrap_or(1.0);
    let y = |v: f64| top + plot_h - v / top_value * plot_h;
    let step = plot_w / (labels.len().max(2) - 1) as f64;
    let x = |i: usize| {
        if labels.len() == 1 {
            left + plot_w / 2.0
        } else {
            left + i as f64 * step
        }
    };
    let mut out = String::new();
    open(&mut out, frame, height, "lines");
    legend(&mut out, series, left);
    y_axis(&mut out, &ticks, frame.unit, left, WIDTH - right, y);
    // At most about six x labels, evenly spaced back from the last one,
    // which is always shown (so no two labels run into each other).
    let every = labels.len().div_ceil(6).max(1);
    for (i, label) in labels.iter().enumerate() {
        if (labels.len() - 1 - i).is_multiple_of(every) {
            let _ = write!(
                out,
                "<text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                x(i),
                top + plot_h + 14.0,
                escape(label)
            );
        }
    }
    let few = labels.len() <= 8;
    for s in series {
        let points: Vec<String> = s
            .values
            .iter()
            .enumerate()
            .map(|(i, v)| format!("{:.1},{:.1}", x(i), y(*v)))
            .collect();
        let _ = write!(
            out,
            "<polyline class=\"line {}\" fill=\"none\" points=\"{}\"/>",
            s.class,
            points.join(" ")
        );
        for (i, v) in s.values.iter().enumerate() {
            let _ = write!(
                out,
                "<circle class=\"dot {}\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"2.5\"><title>{} {}: {}</title></circle>",
                s.class,
                x(i),
                y(*v),
                escape(&labels[i.min(labels.len() - 1)]),
                escape(&s.name),
                number(*v)
            );
            if few || i + 1 == s.values.len() {
                let _ = write!(
                    out,
                    "<text class=\"value {}\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                    s.class,
                    x(i) + if few { 0.0 } else { 12.0 },
                    y(*v) - 5.0,
                    number(*v)
                );
            }
        }
    }
    out.push_str("</svg>");
    out
}

fn legend(out: &mut String, series: &[Series], left: f64) {
    let mut at = left;
    for s in series {
        let _ = write!(
            out,
            "<rect class=\"key {}\" x=\"{at:.1}\" y=\"6\" width=\"10\" height=\"10\"/>\
             <text class=\"legend\" x=\"{:.1}\" y=\"15\">{}</text>",
            s.class,
            at + 14.0,
            escape(&s.name)
        );
        at += 24.0 + s.name.chars().count() as f64 * FONT;
    }
}

/// Horizontal grid lines with their values on the left, and the unit above.
fn y_axis(
    out: &mut String,
    ticks: &[f64],
    unit: &str,
    left: f64,
    right: f64,
    y: impl Fn(f64) -> f64,
) {
    let _ = write!(
        out,
        "<text class=\"unit\" x=\"2\" y=\"{:.1}\">{}</text>",
        y(ticks.last().copied().unwrap_or(0.0)) - 8.0,
        escape(unit)
    );
    for t in ticks {
        let _ = write!(
            out,
            "<line class=\"grid\" x1=\"{left:.1}\" x2=\"{right:.1}\" y1=\"{0:.1}\" y2=\"{0:.1}\"/>\
             <text class=\"tick\" x=\"{1:.1}\" y=\"{2:.1}\" text-anchor=\"end\">{3}</text>",
            y(*t),
            left - 4.0,
            y(*t) + 4.0,
            number(*t)
        );
    }
}

/// Bars from a left axis, one row each, the label (a link when the bar has
/// one) on the left and the value printed after the bar; `max` fixes the
/// axis (100 for percentages), else it fits the largest value.
pub fn bar_chart(frame: &Frame<'_>, bars: &[Bar], max: Option<f64>) -> String {
    if bars.is_empty() {
        return empty(frame);
    }
    // The right margin holds the value printed after a full-length bar.
    let (left, right, top, row) = (96.0, 84.0, 22.0, 20.0);
    let plot_w = WIDTH - left - right;
    let most = max.unwrap_or_else(|| bars.iter().map(|b| b.value).fold(0.0, f64::max));
    let ticks = ticks(most, 4);
    let top_value = ticks.last().copied().unwrap_or(1.0);
    let x = |v: f64| left + v.clamp(0.0, top_value) / top_value * plot_w;
    let plot_h = bars.len() as f64 * row;
    let height = top + plot_h + 18.0;
    let mut out = String::new();
    open(&mut out, frame, height, "bars");
    let _ = write!(
        out,
        "<text class=\"unit\" x=\"{:.1}\" y=\"12\" text-anchor=\"end\">{}</text>",
        WIDTH - 2.0,
        escape(frame.unit)
    );
    for t in &ticks {
        let _ = write!(
            out,
            "<line class=\"grid\" x1=\"{0:.1}\" x2=\"{0:.1}\" y1=\"{top:.1}\" y2=\"{1:.1}\"/>\
             <text class=\"tick\" x=\"{0:.1}\" y=\"{2:.1}\" text-anchor=\"middle\">{3}</text>",
            x(*t),
            top + plot_h,
            top + plot_h + 13.0,
            number(*t)
        );
    }
    for (i, b) in bars.iter().enumerate() {
        let y = top + i as f64 * row;
        let label = escape(&clip(&b.label, 8));
        let name = match &b.href {
            Some(href) => format!("<a href=\"{}\">{label}</a>", escape(href)),
            None => label,
        };
        let _ = write!(
            out,
            "<text class=\"label\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{name}</text>\
             <rect class=\"bar\" x=\"{left:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\">\
             <title>{}: {}</title></rect>\
             <text class=\"value\" x=\"{:.1}\" y=\"{:.1}\">{}</text>",
            left - 4.0,
            y + row * 0.65,
            y + 3.0,
            (x(b.value) - left).max(0.5),
            row - 6.0,
            escape(&b.label),
            escape(&b.shown),
            x(b.value) + 3.0,
            y + row * 0.65,
            escape(&b.shown)
        );
    }
    out.push_str("</svg>");
    out
}

/// Columns side by side over their labels (the waiting-days buckets), each
/// with its value on top, and a y axis with ticks and unit.
pub fn column_chart(frame: &Frame<'_>, bars: &[Bar]) -> String {
    if bars.is_empty() {
        return empty(frame);
    }
    let (left, right, top, bottom) = (34.0, 8.0, 26.0, 22.0);
    let plot_h = 130.0;
    let height = top + plot_h + bottom;
    let plot_w = WIDTH - left - right;
    let most = bars.iter().map(|b| b.value).fold(0.0, f64::max);
    let ticks = ticks(most, 4);
    let top_value = ticks.last().copied().unwrap_or(1.0);
    let y = |v: f64| top + plot_h - v.clamp(0.0, top_value) / top_value * plot_h;
    let slot = plot_w / bars.len() as f64;
    let mut out = String::new();
    open(&mut out, frame, height, "columns");
    y_axis(&mut out, &ticks, frame.unit, left, WIDTH - right, y);
    for (i, b) in bars.iter().enumerate() {
        let mid = left + slot * (i as f64 + 0.5);
        let _ = write!(
            out,
            "<rect class=\"bar\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\">\
             <title>{}: {}</title></rect>\
             <text class=\"value\" x=\"{mid:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>\
             <text class=\"tick\" x=\"{mid:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            mid - slot * 0.35,
            y(b.value),
            slot * 0.7,
            (top + plot_h - y(b.value)).max(0.0),
            escape(&b.label),
            escape(&b.shown),
            y(b.value) - 3.0,
            escape(&b.shown),
            top + plot_h + 14.0,
            escape(&b.label)
        );
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame() -> Frame<'static> {
        Frame {
            title: "T",
            unit: "件",
            empty: "nothing",
        }
    }

    fn bar(label: &str, value: f64) -> Bar {
        Bar {
            label: label.to_owned(),
            value,
            shown: number(value),
            href: None,
        }
    }

    #[test]
    fn ticks_are_round_steps_that_reach_the_largest_value() {
        let cases: &[(f64, usize, &[f64])] = &[
            (0.0, 4, &[0.0, 0.5, 1.0]),
            (-3.0, 4, &[0.0, 0.5, 1.0]),
            (f64::NAN, 4, &[0.0, 0.5, 1.0]),
            (7.0, 4, &[0.0, 2.0, 4.0, 6.0, 8.0]),
            (10.0, 4, &[0.0, 5.0, 10.0]),
            (100.0, 4, &[0.0, 50.0, 100.0]),
            (0.3, 3, &[0.0, 0.1, 0.2, 0.30000000000000004]),
            (1234.0, 4, &[0.0, 500.0, 1000.0, 1500.0]),
        ];
        for (max, count, want) in cases {
            assert_eq!(ticks(*max, *count), *want, "max {max}");
        }
    }

    #[test]
    fn numbers_drop_decimals_only_when_whole() {
        assert_eq!(number(3.0), "3");
        assert_eq!(number(0.30000000000000004), "0.3");
        assert_eq!(number(57.14), "57.1");
    }

    #[test]
    fn every_text_is_escaped() {
        assert_eq!(
            escape(r#"<a href="x">&'"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        let evil = "<script>alert(1)</script>";
        let bars = [Bar {
            label: evil.to_owned(),
            value: 1.0,
            shown: evil.to_owned(),
            href: Some("/reports?a=1&b=\"2\"".to_owned()),
        }];
        let frame = Frame {
            title: evil,
            unit: evil,
            empty: "",
        };
        let series = [Series {
            name: evil.to_owned(),
            class: "posted",
            values: vec![1.0],
        }];
        for svg in [
            bar_chart(&frame, &bars, None),
            column_chart(&frame, &bars),
            line_chart(&frame, &[evil.to_owned()], &series),
        ] {
            assert!(!svg.contains("<script"), "{svg}");
            assert!(!svg.contains("b=\"2"), "{svg}");
        }
    }

    #[test]
    fn empty_data_says_so_instead_of_drawing() {
        let f = frame();
        assert_eq!(bar_chart(&f, &[], None), "<p class=\"note\">nothing</p>");
        assert_eq!(column_chart(&f, &[]), "<p class=\"note\">nothing</p>");
        assert_eq!(line_chart(&f, &[], &[]), "<p class=\"note\">nothing</p>");
    }

    #[test]
    fn all_zero_values_still_draw_an_axis_without_dividing_by_zero() {
        let svg = column_chart(&frame(), &[bar("0–3", 0.0), bar("4–7", 0.0)]);
        assert!(!svg.contains("NaN") && !svg.contains("inf"), "{svg}");
        assert!(svg.contains(">1</text>"), "the axis runs to 1: {svg}");
    }

    #[test]
    fn a_bar_chart_prints_labels_values_unit_and_links() {
        let mut linked = bar("江口镇", 57.1);
        linked.shown = "57.1%".to_owned();
        linked.href = Some("/reports?region=430525101".to_owned());
        let svg = bar_chart(
            &frame(),
            &[linked, bar("一个名字非常非常长的村", 10.0)],
            Some(100.0),
        );
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("viewBox=\"0 0 400 "));
        assert!(svg.contains("<a href=\"/reports?region=430525101\">江口镇</a>"));
        assert!(svg.contains(">57.1%</text>"));
        assert!(svg.contains(">100</text>"), "the axis ends at 100");
        assert!(svg.contains(">件</text>"), "the unit");
        assert!(svg.contains("一个名字非常非…"), "long labels are cut");
    }

    #[test]
    fn a_line_chart_has_a_legend_x_labels_and_values_at_few_points() {
        let labels: Vec<String> = (1..=3).map(|w| format!("W{w}")).collect();
        let series = [
            Series {
                name: "发布".to_owned(),
                class: "posted",
                values: vec![4.0, 7.0, 2.0],
            },
            Series {
                name: "对接".to_owned(),
                class: "matched",
                values: vec![1.0, 3.0, 2.0],
            },
        ];
        let svg = line_chart(&frame(), &labels, &series);
        assert_eq!(svg.matches("<polyline").count(), 2);
        for shown in [
            ">发布</text>",
            ">对接</text>",
            ">W1</text>",
            ">W3</text>",
            ">7</text>",
        ] {
            assert!(svg.contains(shown), "{shown}: {svg}");
        }
    }

    #[test]
    fn a_long_line_chart_thins_its_x_labels() {
        let labels: Vec<String> = (1..=30).map(|w| format!("W{w:02}")).collect();
        let series = [Series {
            name: "x".to_owned(),
            class: "posted",
            values: vec![1.0; 30],
        }];
        let svg = line_chart(&frame(), &labels, &series);
        let shown = labels
            .iter()
            .filter(|l| svg.contains(&format!(">{l}</text>")))
            .count();
        assert!((5..=8).contains(&shown), "{shown} labels");
        assert!(svg.contains(">W30</text>"), "the last week is labelled");
    }
}
