//! Charts drawn on the server as SVG geometry (the templates draw the elements): the trend of
//! open findings by severity, and the portfolio's sparklines. Only numbers go into the SVG.

use rampart_server::overview::{SEVERITIES, TrendPoint};
use serde::Serialize;

/// One line of a chart.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Series {
    /// The severity it shows.
    pub name: &'static str,
    /// The `points` attribute of its `<polyline>`.
    pub points: String,
    /// Its latest value.
    pub last: i64,
}

/// A labelled tick on an axis.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Tick {
    /// Where, in the chart's units.
    pub at: f64,
    /// What it says.
    pub text: String,
}

/// A trend chart: a line per severity over the days.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Trend {
    /// The view box's width.
    pub width: u32,
    /// The view box's height.
    pub height: u32,
    /// The plot's left edge (room for the y labels).
    pub left: f64,
    /// The plot's bottom edge.
    pub bottom: f64,
    /// The lines, most severe first (severities that were never open are left out).
    pub series: Vec<Series>,
    /// Labels of the y axis.
    pub y_ticks: Vec<Tick>,
    /// Labels of the x axis (first, middle and last day).
    pub x_ticks: Vec<Tick>,
    /// A sentence saying what the chart shows, for screen readers.
    pub summary: String,
}

/// A "nice" upper bound for the y axis: 1, 2 or 5 times a power of ten, at least `max`.
fn nice_max(max: i64) -> i64 {
    let max = max.max(1);
    let mut step = 1;
    loop {
        for m in [1, 2, 5] {
            if m * step >= max {
                return m * step;
            }
        }
        step *= 10;
    }
}

/// The trend chart of `points` (oldest first), `width` × `height`.
pub fn trend(points: &[TrendPoint], width: u32, height: u32) -> Trend {
    let (left, right, top, bottom) = (36.0, width as f64 - 8.0, 8.0, height as f64 - 22.0);
    let max = nice_max(
        points
            .iter()
            .flat_map(|p| SEVERITIES.map(|s| p.open.get(s)))
            .max()
            .unwrap_or(0),
    );
    let n = points.len().max(2) - 1;
    let x = |i: usize| left + (right - left) * i as f64 / n as f64;
    let y = |v: i64| bottom - (bottom - top) * v.max(0) as f64 / max as f64;
    let series = SEVERITIES
        .into_iter()
        .filter(|s| points.iter().any(|p| p.open.get(s) > 0))
        .map(|s| Series {
            name: s,
            points: points
                .iter()
                .enumerate()
                .map(|(i, p)| format!("{:.1},{:.1}", x(i), y(p.open.get(s))))
                .collect::<Vec<_>>()
                .join(" "),
            last: points.last().map_or(0, |p| p.open.get(s)),
        })
        .collect();
    let y_ticks = [0, max / 2, max]
        .into_iter()
        .map(|v| Tick {
            at: y(v),
            text: v.to_string(),
        })
        .collect();
    let x_ticks = if points.is_empty() {
        Vec::new()
    } else {
        let mid = points.len() / 2;
        [0, mid, points.len() - 1]
            .into_iter()
            .map(|i| Tick {
                at: x(i),
                text: crate::render::day(points[i].day),
            })
            .collect()
    };
    let summary = match (points.first(), points.last()) {
        (Some(a), Some(b)) => format!(
            "Open findings from {} to {}: {} then, {} now ({} critical, {} high, {} medium, {} low, {} info).",
            crate::render::day(a.day),
            crate::render::day(b.day),
            a.open.total(),
            b.open.total(),
            b.open.critical,
            b.open.high,
            b.open.medium,
            b.open.low,
            b.open.info
        ),
        _ => "No findings yet.".into(),
    };
    Trend {
        width,
        height,
        left,
        bottom,
        series,
        y_ticks,
        x_ticks,
        summary,
    }
}

/// A sparkline's `points` over `values` in a `width` × `height` box (a flat line when all are 0).
pub fn sparkline(values: &[i64], width: u32, height: u32) -> String {
    let max = values.iter().copied().max().unwrap_or(0).max(1) as f64;
    let n = values.len().max(2) - 1;
    let (w, h) = (width as f64, height as f64 - 2.0);
    values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            format!(
                "{:.1},{:.1}",
                w * i as f64 / n as f64,
                1.0 + h - h * (*v).max(0) as f64 / max
            )
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use rampart_server::overview::SeverityCounts;

    #[test]
    fn axes_round_up() {
        assert_eq!(
            [0, 1, 3, 7, 10, 11, 40, 99, 501].map(nice_max),
            [1, 1, 5, 10, 10, 20, 50, 100, 1000]
        );
    }

    #[test]
    fn lines_span_the_plot() {
        let p = |day, high| TrendPoint {
            day,
            open: SeverityCounts {
                high,
                ..Default::default()
            },
        };
        let t = trend(&[p(0, 0), p(86_400_000, 4), p(2 * 86_400_000, 2)], 400, 120);
        assert_eq!(t.series.len(), 1);
        assert_eq!(t.series[0].name, "high");
        assert_eq!(t.series[0].points, "36.0,98.0 214.0,26.0 392.0,62.0");
        assert_eq!(t.series[0].last, 2);
        assert!(t.summary.contains("0 then, 2 now"), "{}", t.summary);
        assert_eq!(sparkline(&[0, 2], 10, 12), "0.0,11.0 10.0,1.0");
        assert_eq!(sparkline(&[], 10, 12), "");
    }
}
