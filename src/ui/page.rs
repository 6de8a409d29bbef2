//! A whole-window page between sets: a title, one large word or number (a
//! rest's countdown), a picture (a demonstration's frame), lines of text in
//! large type and the keys to press at the foot. Drawn for a window of any
//! size; sizes are given for a 720-pixel-high window and scale.

use opencv::core::{Mat, Point, Rect, Scalar, Size, CV_8UC3};
use opencv::imgproc;
use opencv::prelude::*;

use super::palette::{rgb, PAGE_BACKGROUND, WHITE};
use super::text::{fill, wrap, Font};
use crate::body::ImageSize;

/// The height the sizes are given for.
const REFERENCE_HEIGHT: f32 = 720.0;
/// Left and right margin, as a fraction of the width.
const MARGIN: f32 = 0.06;
const TITLE_SCALE: f32 = 1.5;
const BIG_SCALE: f32 = 6.0;
/// The lines' type sizes, largest first: the largest that fits is used.
const LINE_SCALES: [f32; 4] = [1.1, 0.95, 0.8, 0.65];
const FOOTER_SCALE: f32 = 0.8;
/// The share of the height a picture takes, under the title.
const PICTURE_SHARE: f32 = 0.42;

const FOOTER: Scalar = rgb(200, 200, 200);

/// What a page shows.
#[derive(Clone, Copy, Debug)]
pub struct Page<'a> {
    /// At the top.
    pub title: &'a str,
    /// Very large in the middle, in `big_colour`.
    pub big: Option<&'a str>,
    /// The colour of `big`.
    pub big_colour: Scalar,
    /// Under the title, scaled to fit.
    pub picture: Option<&'a Mat>,
    /// Lines of text, each wrapped to the width.
    pub lines: &'a [String],
    /// The keys to press, at the foot.
    pub footer: &'a str,
}

impl Page<'_> {
    /// Draws the page into `canvas`, made `size` large.
    pub fn draw(&self, canvas: &mut Mat, size: ImageSize) -> opencv::Result<()> {
        let (w, h) = (size.width.max(320) as i32, size.height.max(240) as i32);
        let k = h as f32 / REFERENCE_HEIGHT;
        if canvas.cols() != w || canvas.rows() != h || canvas.typ() != CV_8UC3 {
            *canvas = Mat::new_rows_cols_with_default(h, w, CV_8UC3, PAGE_BACKGROUND)?;
        }
        fill(canvas, Rect::new(0, 0, w, h), PAGE_BACKGROUND)?;
        let margin = (w as f32 * MARGIN) as i32;
        let width = w - 2 * margin;
        let (mut scratch, mut ranges) = (String::new(), Vec::new());

        let title = Font::new(TITLE_SCALE * k);
        let mut y = title.line() + title.cap;
        put_centred(canvas, &title, self.title, w, y, WHITE)?;
        y += title.line();

        if let Some(picture) = self.picture.filter(|p| !p.empty()) {
            let room = Size::new(width, (h as f32 * PICTURE_SHARE) as i32);
            let scale = (f64::from(room.width) / f64::from(picture.cols()))
                .min(f64::from(room.height) / f64::from(picture.rows()));
            let fitted = Size::new(
                (f64::from(picture.cols()) * scale) as i32,
                (f64::from(picture.rows()) * scale) as i32,
            );
            let mut scaled = Mat::default();
            imgproc::resize(picture, &mut scaled, fitted, 0.0, 0.0, imgproc::INTER_AREA)?;
            let at = Rect::new((w - fitted.width) / 2, y, fitted.width, fitted.height);
            scaled.copy_to(&mut canvas.roi_mut(at)?)?;
            y += fitted.height;
        }

        if let Some(big) = self.big {
            let font = Font::new(BIG_SCALE * k);
            y += font.cap + title.cap;
            put_centred(canvas, &font, big, w, y, self.big_colour)?;
            y += font.line();
        }

        let footer = Font::new(FOOTER_SCALE * k);
        let footer_at = h - footer.line();
        // The largest type in which every line fits above the footer.
        let room = footer_at - footer.line() - y;
        for (i, scale) in LINE_SCALES.iter().enumerate() {
            let font = Font::new(scale * k);
            let mut laid = Vec::new();
            let mut height = 0;
            for line in self.lines {
                wrap(line, &font, width, &mut scratch, &mut ranges)?;
                height += font.cap / 2 + font.line() * ranges.len() as i32;
                laid.extend(
                    ranges
                        .iter()
                        .enumerate()
                        .map(|(j, r)| (line, r.clone(), j == 0)),
                );
            }
            if height > room && i + 1 < LINE_SCALES.len() {
                continue;
            }
            for (line, range, first) in laid {
                if first {
                    y += font.cap / 2;
                }
                y += font.line();
                font.put(canvas, &line[range], Point::new(margin, y), WHITE)?;
            }
            break;
        }
        put_centred(canvas, &footer, self.footer, w, footer_at, FOOTER)?;
        Ok(())
    }
}

/// `text` in `font`, centred across a canvas `w` wide, its baseline at `y`.
fn put_centred(
    canvas: &mut Mat,
    font: &Font,
    text: &str,
    w: i32,
    y: i32,
    colour: Scalar,
) -> opencv::Result<()> {
    let x = ((w - font.width(text)?) / 2).max(0);
    font.put(canvas, text, Point::new(x, y), colour).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_fills_the_canvas_with_its_picture_and_text() {
        let picture =
            Mat::new_rows_cols_with_default(90, 160, CV_8UC3, Scalar::new(0.0, 0.0, 255.0, 0.0))
                .unwrap();
        let lines = ["Lie on your back".to_string()];
        let page = Page {
            title: "Glute bridge",
            big: Some("12"),
            big_colour: WHITE,
            picture: Some(&picture),
            lines: &lines,
            footer: "Enter: start",
        };
        let mut canvas = Mat::default();
        let size = ImageSize {
            width: 640,
            height: 360,
        };
        page.draw(&mut canvas, size).unwrap();
        assert_eq!((canvas.cols(), canvas.rows()), (640, 360));
        // The picture is there, scaled: pure red pixels in the middle.
        let centre = *canvas.at_2d::<opencv::core::Vec3b>(120, 320).unwrap();
        assert_eq!(centre.0, [0, 0, 255]);
    }
}
