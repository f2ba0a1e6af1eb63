//! The revenue chart of the statistics screen: drawn in-process with plotters into an RGB
//! buffer and encoded as PNG bytes, ready to send as a photo. The DejaVu fonts are compiled
//! in (the `dejavu` crate), so no system fonts are needed. The chart carries only numbers
//! and dates — the localized words go in the photo's caption, because plotters does not
//! shape Arabic text.

use plotters::prelude::*;
use plotters::style::{FontStyle, register_font};
use rust_decimal::prelude::ToPrimitive;
use shopcore::Money;
use std::sync::Once;

/// The chart's size in pixels.
pub const WIDTH_PX: u32 = 800;
pub const HEIGHT_PX: u32 = 400;
/// The font family name the chart registers and uses.
const FONT: &str = "sans-serif";

#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    #[error("drawing the chart failed: {0}")]
    Draw(String),
    #[error("encoding the chart as PNG failed: {0}")]
    Encode(#[from] image::ImageError),
}

fn register_fonts() {
    static FONTS: Once = Once::new();
    FONTS.call_once(|| {
        // The bytes are DejaVu's own TTFs; registering can only fail on a corrupt font.
        if register_font(FONT, FontStyle::Normal, dejavu::sans::regular()).is_err()
            || register_font(FONT, FontStyle::Bold, dejavu::sans::bold()).is_err()
        {
            tracing::error!("the bundled DejaVu fonts could not be registered");
        }
    });
}

/// `MM-DD` for a day number (days since 1970-01-01).
fn day_label(day: i64) -> String {
    let (_, month, day) = shopcore::analytics::civil_from_days(day);
    format!("{month:02}-{day:02}")
}

/// Draws `series` ((day, revenue in USD), oldest first) as a line chart of
/// [`WIDTH_PX`]×[`HEIGHT_PX`] and returns the PNG bytes.
pub fn revenue_png(series: &[(i64, Money)]) -> Result<Vec<u8>, ChartError> {
    register_fonts();
    // Plotting needs floating-point coordinates; these values are only drawn, never summed
    // or stored, so the rounding can't reach any balance.
    let points: Vec<(i64, f64)> = series
        .iter()
        .map(|(day, amount)| (*day, amount.decimal().to_f64().unwrap_or(0.0)))
        .collect();
    let first = points.first().map_or(0, |p| p.0);
    let last = points.last().map_or(1, |p| p.0).max(first + 1);
    let top = points.iter().map(|p| p.1).fold(0.0_f64, f64::max);
    let top = if top <= 0.0 { 1.0 } else { top * 1.1 };
    let width = usize::try_from(WIDTH_PX).unwrap_or(0);
    let height = usize::try_from(HEIGHT_PX).unwrap_or(0);
    let mut pixels = vec![0_u8; width * height * 3];
    {
        let draw = |e: &dyn std::fmt::Display| ChartError::Draw(e.to_string());
        let root =
            BitMapBackend::with_buffer(&mut pixels, (WIDTH_PX, HEIGHT_PX)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| draw(&e))?;
        let mut chart = ChartBuilder::on(&root)
            .margin(16)
            .x_label_area_size(36)
            .y_label_area_size(64)
            .caption("USD", (FONT, 22).into_font().style(FontStyle::Bold))
            .build_cartesian_2d(first..last, 0.0..top)
            .map_err(|e| draw(&e))?;
        chart
            .configure_mesh()
            .x_labels(8)
            .y_labels(6)
            .x_label_formatter(&|day| day_label(*day))
            .y_label_formatter(&|value| format!("{value:.0}"))
            .label_style((FONT, 14))
            .light_line_style(RGBColor(235, 235, 235))
            .draw()
            .map_err(|e| draw(&e))?;
        let blue = RGBColor(33, 102, 172);
        chart
            .draw_series(LineSeries::new(
                points.iter().copied(),
                ShapeStyle {
                    color: blue.to_rgba(),
                    filled: false,
                    stroke_width: 3,
                },
            ))
            .map_err(|e| draw(&e))?;
        chart
            .draw_series(
                points
                    .iter()
                    .map(|p| Circle::new(*p, 3, ShapeStyle::from(&blue).filled())),
            )
            .map_err(|e| draw(&e))?;
        root.present().map_err(|e| draw(&e))?;
    }
    let mut png = Vec::new();
    image::codecs::png::PngEncoder::new(&mut png).write_image(
        &pixels,
        WIDTH_PX,
        HEIGHT_PX,
        image::ColorType::Rgb8,
    )?;
    Ok(png)
}

use image::ImageEncoder as _;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_labels() {
        assert_eq!(day_label(0), "01-01");
        assert_eq!(day_label(20_454), "01-01");
    }
}
