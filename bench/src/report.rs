//! The results table: each figure's range over the runs, and its median as a ratio to the floor's
//! and to tarpc's.

use std::fmt::Write as _;

use crate::stacks::StackKind;

/// What a figure measures.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Metric {
    /// The section of the table.
    pub section: &'static str,
    /// The figure's label within its section.
    pub label: String,
    /// The unit printed with it.
    pub unit: &'static str,
}

/// All figures of all runs.
#[derive(Debug, Default)]
pub(crate) struct Results {
    figures: Vec<(Metric, StackKind, Vec<f64>)>,
}

impl Results {
    /// Records one run's `value` of `metric` for `stack`.
    pub(crate) fn record(&mut self, metric: Metric, stack: StackKind, value: f64) {
        match self
            .figures
            .iter_mut()
            .find(|(m, s, _)| *m == metric && *s == stack)
        {
            Some((_, _, values)) => values.push(value),
            None => self.figures.push((metric, stack, vec![value])),
        }
    }

    fn median(&self, metric: &Metric, stack: StackKind) -> Option<f64> {
        self.figures
            .iter()
            .find(|(m, s, _)| m == metric && *s == stack)
            .map(|(_, _, values)| median(values))
    }

    /// The ratio of `stack`'s median to `reference`'s for `metric`.
    pub(crate) fn ratio(
        &self,
        metric: &Metric,
        stack: StackKind,
        reference: StackKind,
    ) -> Option<f64> {
        Some(self.median(metric, stack)? / self.median(metric, reference)?)
    }

    /// Every metric, in the order first recorded.
    pub(crate) fn metrics(&self) -> Vec<Metric> {
        let mut metrics: Vec<Metric> = Vec::new();
        for (metric, _, _) in &self.figures {
            if !metrics.contains(metric) {
                metrics.push(metric.clone());
            }
        }
        metrics
    }

    /// The table, in Markdown.
    pub(crate) fn table(&self, stacks: &[StackKind]) -> String {
        let mut out = String::new();
        let mut section = "";
        for metric in self.metrics() {
            if metric.section != section {
                section = metric.section;
                let _ = write!(
                    out,
                    "\n### {section}\n\n| figure | stack | range over runs | ÷ floor | ÷ tarpc |\n|---|---|---|---|---|\n"
                );
            }
            for &stack in stacks {
                let Some((_, _, values)) = self
                    .figures
                    .iter()
                    .find(|(m, s, _)| *m == metric && *s == stack)
                else {
                    continue;
                };
                let ratio = |reference| {
                    self.ratio(&metric, stack, reference)
                        .map_or_else(|| "–".to_owned(), |r| format!("{r:.2}×"))
                };
                let _ = writeln!(
                    out,
                    "| {} | {} | {} {} | {} | {} |",
                    metric.label,
                    stack.name(),
                    range(values),
                    metric.unit,
                    ratio(StackKind::Floor),
                    ratio(StackKind::Tarpc),
                );
            }
        }
        out
    }
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    if sorted.len() % 2 == 1 {
        sorted[mid]
    } else {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    }
}

fn range(values: &[f64]) -> String {
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if values.len() == 1 || format_figure(min) == format_figure(max) {
        format_figure(min)
    } else {
        format!("{}–{}", format_figure(min), format_figure(max))
    }
}

/// Three significant figures, thousands grouped.
fn format_figure(value: f64) -> String {
    if value >= 1000.0 {
        let digits = value.log10().floor() as i32 + 1;
        let scale = 10f64.powi((digits - 3).max(0));
        let rounded = ((value / scale).round() * scale) as u64;
        let text = rounded.to_string();
        let mut grouped = String::new();
        for (i, c) in text.chars().enumerate() {
            if i > 0 && (text.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(c);
        }
        grouped
    } else if value >= 100.0 {
        format!("{value:.0}")
    } else if value >= 10.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.2}")
    }
}
