//! Questions in the window: the question in large type over a plain
//! background, the answers as big buttons, answered with the keyboard.
//!
//! Pain is typed with the number keys (1 then 0 for 10) or chosen with the
//! arrow keys; yes and no with Y and N (or the arrows). Enter confirms, so
//! a key pressed by mistake can be corrected first; Backspace clears.
//! Escape leaves the question unanswered, as closing the window does.

use std::ops::Range;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use opencv::core::{Mat, Point, Rect, Scalar, CV_8UC3};
use opencv::imgproc;
use opencv::prelude::*;

use super::{Prompt, PromptError, MAX_CHOICES, PAIN_MAX};
use crate::body::ImageSize;
use crate::ui::palette::{rgb, BLACK, CAUTION_COLOUR, FINE_COLOUR, FLAG_COLOUR, WHITE};
use crate::ui::text::{fill, wrap, Font};
use crate::ui::window::{Key, Window};

/// How often the window is polled for keys while a question is up.
const POLL: Duration = Duration::from_millis(15);
/// The height the layout's sizes are given for; other sizes scale.
const REFERENCE_HEIGHT: f32 = 720.0;
/// Font scale of the question.
const QUESTION_SCALE: f32 = 1.5;
/// Font scale of the answers' labels.
const ANSWER_SCALE: f32 = 1.3;
/// Font scale of the hint and the ends of the pain scale.
const HINT_SCALE: f32 = 0.8;
/// Left and right margin, as a fraction of the width.
const MARGIN: f32 = 0.08;
/// Where the question's first line sits, as a fraction of the height.
const QUESTION_AT: f32 = 0.22;
/// Where the answers' buttons start, as a fraction of the height.
const ANSWERS_AT: f32 = 0.55;
/// Height of a button, in reference pixels.
const BUTTON_HEIGHT: f32 = 90.0;
/// Gap between buttons, in reference pixels.
const BUTTON_GAP: f32 = 10.0;
/// Width of a yes/no button, as a fraction of the width.
const YES_NO_WIDTH: f32 = 0.3;
/// Border around the chosen button, in reference pixels.
const CHOSEN_BORDER: f32 = 6.0;
/// Buttons not chosen are shown at this fraction of their brightness once
/// an answer is chosen.
const UNCHOSEN_DIM: f64 = 0.45;

const BACKGROUND: Scalar = rgb(24, 26, 32);
const TEXT: Scalar = WHITE;
const HINT: Scalar = rgb(200, 200, 200);
const INK: Scalar = BLACK;
const NEUTRAL_BUTTON: Scalar = rgb(110, 110, 110);

/// Where the choices' buttons start, as a fraction of the height.
const CHOICES_AT: f32 = 0.28;
/// Height of a choice's button, in reference pixels.
const CHOICE_HEIGHT: f32 = 52.0;
/// Width of a choice's button, as a fraction of the width.
const CHOICE_WIDTH: f32 = 0.6;

/// What a question takes for an answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    YesNo,
    Pain,
    /// A rating from 0 (the worst) to 10 (the best), its ends named.
    Rating,
    /// One of this many choices (at most 9, typed with their numbers).
    Choice(u8),
}

/// An answer being given: what is chosen so far.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Answer {
    kind: Kind,
    /// 0 = no and 1 = yes, or the pain score.
    chosen: Option<u8>,
}

impl Answer {
    fn new(kind: Kind) -> Answer {
        Answer { kind, chosen: None }
    }

    fn highest(self) -> u8 {
        match self.kind {
            Kind::YesNo => 1,
            Kind::Pain | Kind::Rating => PAIN_MAX,
            Kind::Choice(n) => n.saturating_sub(1),
        }
    }

    /// Takes a key; the answer once it is confirmed.
    fn press(&mut self, key: Key) -> Option<u8> {
        match (self.kind, key) {
            (_, Key::Enter | Key::NumPadEnter) => return self.chosen,
            (_, Key::Backspace | Key::Delete) => self.chosen = None,
            (_, Key::Left | Key::Down) => {
                self.chosen = Some(self.chosen.map_or(0, |c| c.saturating_sub(1)));
            }
            (_, Key::Right | Key::Up) => {
                let highest = self.highest();
                self.chosen = Some(self.chosen.map_or(highest, |c| (c + 1).min(highest)));
            }
            (Kind::YesNo, Key::Y) => self.chosen = Some(1),
            (Kind::YesNo, Key::N) => self.chosen = Some(0),
            (Kind::Choice(n), key) => {
                // Choices are numbered from 1.
                if let Some(digit) = digit(key).filter(|d| (1..=n).contains(d)) {
                    self.chosen = Some(digit - 1);
                }
            }
            (Kind::Pain | Kind::Rating, key) => {
                if let Some(digit) = digit(key) {
                    // 1 then 0 reads as ten.
                    self.chosen = Some(if self.chosen == Some(1) && digit == 0 {
                        10
                    } else {
                        digit
                    });
                }
            }
            _ => {}
        }
        None
    }
}

/// The digit a number key (top row or keypad) types.
fn digit(key: Key) -> Option<u8> {
    const DIGITS: [(Key, Key); 10] = [
        (Key::Key0, Key::NumPad0),
        (Key::Key1, Key::NumPad1),
        (Key::Key2, Key::NumPad2),
        (Key::Key3, Key::NumPad3),
        (Key::Key4, Key::NumPad4),
        (Key::Key5, Key::NumPad5),
        (Key::Key6, Key::NumPad6),
        (Key::Key7, Key::NumPad7),
        (Key::Key8, Key::NumPad8),
        (Key::Key9, Key::NumPad9),
    ];
    DIGITS
        .iter()
        .position(|&(top, pad)| key == top || key == pad)
        .map(|d| d as u8)
}

/// A colour between `a` (at 0) and `b` (at 1).
fn mix(a: Scalar, b: Scalar, t: f64) -> Scalar {
    Scalar::new(
        a[0] + (b[0] - a[0]) * t,
        a[1] + (b[1] - a[1]) * t,
        a[2] + (b[2] - a[2]) * t,
        0.0,
    )
}

/// The colour of pain score `p`: green at 0, amber at 5, red at 10.
fn pain_colour(p: u8) -> Scalar {
    let t = f64::from(p) / f64::from(PAIN_MAX);
    if t <= 0.5 {
        mix(FINE_COLOUR, CAUTION_COLOUR, t * 2.0)
    } else {
        mix(CAUTION_COLOUR, FLAG_COLOUR, t * 2.0 - 1.0)
    }
}

fn dimmed(colour: Scalar) -> Scalar {
    mix(Scalar::default(), colour, UNCHOSEN_DIM)
}

/// Asks questions in the live window, on its main thread.
pub struct WindowPrompt<'a> {
    window: &'a mut Window,
    cancel: &'a AtomicBool,
    canvas: Mat,
    scratch: String,
    lines: Vec<Range<usize>>,
}

impl<'a> WindowPrompt<'a> {
    /// Asks in `window`; a question is left unanswered when `cancel` is set
    /// (Ctrl-C) or the window is closed.
    pub fn new(window: &'a mut Window, cancel: &'a AtomicBool) -> WindowPrompt<'a> {
        WindowPrompt {
            window,
            cancel,
            canvas: Mat::default(),
            scratch: String::new(),
            lines: Vec::new(),
        }
    }

    fn ask(&mut self, question: &str, kind: Kind, labels: &[&str]) -> Result<u8, PromptError> {
        let unanswered = |why| PromptError::Unanswered {
            question: question.into(),
            why,
        };
        // Keys pressed before the question was up do not answer it.
        self.window.refresh()?;
        while self.window.next_key().is_some() {}
        let mut answer = Answer::new(kind);
        let mut shown = None;
        loop {
            if shown == Some(answer) {
                self.window.refresh()?;
            } else {
                self.draw(question, answer, labels)?;
                self.window.show(&self.canvas)?;
                shown = Some(answer);
            }
            while let Some(key) = self.window.next_key() {
                if key == Key::Escape {
                    return Err(unanswered("Escape was pressed"));
                }
                if let Some(value) = answer.press(key) {
                    return Ok(value);
                }
            }
            if !self.window.is_open() {
                return Err(unanswered("the window was closed"));
            }
            if self.cancel.load(Ordering::Relaxed) {
                return Err(unanswered("interrupted"));
            }
            std::thread::sleep(POLL);
        }
    }

    /// Draws the question and its answers at the window's size.
    fn draw(&mut self, question: &str, answer: Answer, labels: &[&str]) -> opencv::Result<()> {
        let ImageSize { width, height } = self.window.size();
        let (w, h) = (width.max(320) as i32, height.max(240) as i32);
        let k = h as f32 / REFERENCE_HEIGHT;
        let px = |reference: f32| (reference * k).round() as i32;
        if self.canvas.cols() != w || self.canvas.rows() != h {
            self.canvas = Mat::new_rows_cols_with_default(h, w, CV_8UC3, BACKGROUND)?;
        }
        fill(&mut self.canvas, Rect::new(0, 0, w, h), BACKGROUND)?;
        let margin = (w as f32 * MARGIN) as i32;

        // The question, wrapped.
        let font = Font::new(QUESTION_SCALE * k);
        wrap(
            question,
            &font,
            w - 2 * margin,
            &mut self.scratch,
            &mut self.lines,
        )?;
        let mut y = (h as f32 * QUESTION_AT) as i32 + font.cap;
        for line in &self.lines {
            let text = &question[line.clone()];
            let x = (w - font.width(text)?) / 2;
            font.put(&mut self.canvas, text, Point::new(x, y), TEXT)?;
            y += font.line();
        }

        // The answers.
        let at = match answer.kind {
            Kind::Choice(_) => CHOICES_AT,
            Kind::YesNo | Kind::Pain | Kind::Rating => ANSWERS_AT,
        };
        let top = ((h as f32 * at) as i32).max(y);
        let label = Font::new(ANSWER_SCALE * k);
        let small = Font::new(HINT_SCALE * k);
        let button_h = px(BUTTON_HEIGHT);
        let (buttons, right) = buttons(answer.kind, labels, w, top, margin, k);
        self.draw_buttons(&buttons, answer, &label, k)?;
        let below = top + button_h + px(CHOSEN_BORDER) + small.line() + small.cap / 2;
        let ends = match answer.kind {
            Kind::Pain => Some(("no pain", "worst pain imaginable")),
            Kind::Rating => Some((labels[0], labels[1])),
            Kind::YesNo | Kind::Choice(_) => None,
        };
        if let Some((low, high)) = ends {
            small.put(&mut self.canvas, low, Point::new(margin, below), HINT)?;
            let x = right - small.width(high)?;
            small.put(&mut self.canvas, high, Point::new(x, below), HINT)?;
        }
        let hint = hint(answer, labels);
        let x = (w - small.width(&hint)?) / 2;
        let y = h - px(60.0);
        small.put(&mut self.canvas, &hint, Point::new(x, y), TEXT)?;
        imgproc::line(
            &mut self.canvas,
            Point::new(margin, y - small.cap * 2),
            Point::new(w - margin, y - small.cap * 2),
            HINT,
            1,
            imgproc::LINE_8,
            0,
        )?;
        Ok(())
    }
    /// Draws `buttons`, the chosen one framed and the others dimmed once
    /// one is chosen, each with its text in `label`.
    fn draw_buttons(
        &mut self,
        buttons: &[(Rect, String, Scalar)],
        answer: Answer,
        label: &Font,
        k: f32,
    ) -> opencv::Result<()> {
        let px = |reference: f32| (reference * k).round() as i32;
        // Yes is the first button, but the answer 1.
        let chosen_button = answer.chosen.map(|c| match answer.kind {
            Kind::YesNo => usize::from(c == 0),
            Kind::Pain | Kind::Rating | Kind::Choice(_) => usize::from(c),
        });
        for (i, (rect, text, colour)) in buttons.iter().enumerate() {
            let chosen = chosen_button == Some(i);
            let colour = if chosen_button.is_some() && !chosen {
                dimmed(*colour)
            } else {
                *colour
            };
            if chosen {
                let b = px(CHOSEN_BORDER);
                let outer = Rect::new(
                    rect.x - b,
                    rect.y - b,
                    rect.width + 2 * b,
                    rect.height + 2 * b,
                );
                fill(&mut self.canvas, outer, TEXT)?;
            }
            fill(&mut self.canvas, *rect, colour)?;
            let x = rect.x + (rect.width - label.width(text)?) / 2;
            let baseline = rect.y + (rect.height + label.cap) / 2;
            label.put(&mut self.canvas, text, Point::new(x, baseline), INK)?;
        }
        Ok(())
    }
}

/// The answer buttons of `kind` (a choice's `labels`) for a window `w`
/// wide, their top at `top` within `margin`s at scale `k`: (box, text,
/// colour) each, and the right edge of the row.
fn buttons(
    kind: Kind,
    labels: &[&str],
    w: i32,
    top: i32,
    margin: i32,
    k: f32,
) -> (Vec<(Rect, String, Scalar)>, i32) {
    let px = |reference: f32| (reference * k).round() as i32;
    let button_h = px(BUTTON_HEIGHT);
    let mut right = w - margin;
    let buttons: Vec<(Rect, String, Scalar)> = match kind {
        Kind::YesNo => {
            let bw = (w as f32 * YES_NO_WIDTH) as i32;
            let gap = px(BUTTON_GAP) * 4;
            let x0 = (w - 2 * bw - gap) / 2;
            vec![
                (
                    Rect::new(x0, top, bw, button_h),
                    "Yes (Y)".into(),
                    NEUTRAL_BUTTON,
                ),
                (
                    Rect::new(x0 + bw + gap, top, bw, button_h),
                    "No (N)".into(),
                    NEUTRAL_BUTTON,
                ),
            ]
        }
        Kind::Pain | Kind::Rating => {
            let n = i32::from(PAIN_MAX) + 1;
            let gap = px(BUTTON_GAP);
            let bw = (w - 2 * margin - (n - 1) * gap) / n;
            right = margin + n * bw + (n - 1) * gap;
            (0..=PAIN_MAX)
                .map(|p| {
                    let x = margin + i32::from(p) * (bw + gap);
                    (
                        Rect::new(x, top, bw, button_h),
                        p.to_string(),
                        // A rating's best end is green, as no pain is.
                        pain_colour(if kind == Kind::Rating {
                            PAIN_MAX - p
                        } else {
                            p
                        }),
                    )
                })
                .collect()
        }
        Kind::Choice(_) => {
            let bw = (w as f32 * CHOICE_WIDTH) as i32;
            let bh = px(CHOICE_HEIGHT);
            let x = (w - bw) / 2;
            labels
                .iter()
                .enumerate()
                .map(|(i, label)| {
                    let y = top + i as i32 * (bh + px(BUTTON_GAP));
                    (
                        Rect::new(x, y, bw, bh),
                        format!("{}  {label}", i + 1),
                        NEUTRAL_BUTTON,
                    )
                })
                .collect()
        }
    };
    (buttons, right)
}

/// The line under the buttons: what to press.
fn hint(answer: Answer, labels: &[&str]) -> String {
    match (answer.kind, answer.chosen) {
        (Kind::Choice(n), None) => format!("Type a number from 1 to {n}; Esc to stop"),
        (Kind::Choice(_), Some(c)) => format!(
            "{}: press Enter to answer, or type again",
            labels.get(usize::from(c)).copied().unwrap_or_default()
        ),
        (Kind::Pain | Kind::Rating, None) => {
            "Type a number from 0 to 10 (1 then 0 for 10); Esc to stop".to_string()
        }
        (Kind::YesNo, None) => "Press Y for yes or N for no; Esc to stop".to_string(),
        (Kind::Pain | Kind::Rating, Some(p)) => {
            format!("{p}: press Enter to answer, or type again")
        }
        (Kind::YesNo, Some(c)) => format!(
            "{}: press Enter to answer, or change it",
            if c == 1 { "Yes" } else { "No" }
        ),
    }
}

impl Prompt for WindowPrompt<'_> {
    fn yes_no(&mut self, question: &str) -> Result<bool, PromptError> {
        Ok(self.ask(question, Kind::YesNo, &[])? == 1)
    }

    fn pain(&mut self, question: &str) -> Result<u8, PromptError> {
        self.ask(question, Kind::Pain, &[])
    }

    fn rating(&mut self, question: &str, low: &str, high: &str) -> Result<u8, PromptError> {
        self.ask(question, Kind::Rating, &[low, high])
    }

    fn choose(&mut self, question: &str, options: &[&str]) -> Result<usize, PromptError> {
        let n = u8::try_from(options.len())
            .unwrap_or(u8::MAX)
            .min(MAX_CHOICES);
        let shown = &options[..usize::from(n)];
        Ok(usize::from(self.ask(question, Kind::Choice(n), shown)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(kind: Kind, keys: &[Key]) -> Option<u8> {
        let mut answer = Answer::new(kind);
        keys.iter().find_map(|&k| answer.press(k))
    }

    #[test]
    fn pain_is_typed_with_number_keys_and_confirmed_with_enter() {
        assert_eq!(typed(Kind::Pain, &[Key::Key3, Key::Enter]), Some(3));
        assert_eq!(
            typed(Kind::Pain, &[Key::Key1, Key::Key0, Key::Enter]),
            Some(10)
        );
        assert_eq!(typed(Kind::Pain, &[Key::Key0, Key::Enter]), Some(0));
        // The last number typed counts; 1 then 0 is ten, 2 then 0 is zero.
        assert_eq!(
            typed(Kind::Pain, &[Key::Key7, Key::Key2, Key::Enter]),
            Some(2)
        );
        assert_eq!(
            typed(Kind::Pain, &[Key::Key2, Key::Key0, Key::Enter]),
            Some(0)
        );
        assert_eq!(
            typed(Kind::Pain, &[Key::NumPad6, Key::NumPadEnter]),
            Some(6)
        );
        // Nothing chosen: Enter does nothing; Backspace clears.
        assert_eq!(typed(Kind::Pain, &[Key::Enter]), None);
        assert_eq!(
            typed(Kind::Pain, &[Key::Key4, Key::Backspace, Key::Enter]),
            None
        );
        // Arrows move along the scale, within it.
        assert_eq!(
            typed(Kind::Pain, &[Key::Right, Key::Right, Key::Enter]),
            Some(10)
        );
        assert_eq!(
            typed(Kind::Pain, &[Key::Key1, Key::Left, Key::Left, Key::Enter]),
            Some(0)
        );
        // Letters mean nothing on the pain scale.
        assert_eq!(typed(Kind::Pain, &[Key::Y, Key::Enter]), None);
    }

    #[test]
    fn yes_and_no_are_chosen_then_confirmed() {
        assert_eq!(typed(Kind::YesNo, &[Key::Y, Key::Enter]), Some(1));
        assert_eq!(typed(Kind::YesNo, &[Key::N, Key::Enter]), Some(0));
        assert_eq!(typed(Kind::YesNo, &[Key::Y, Key::N, Key::Enter]), Some(0));
        assert_eq!(typed(Kind::YesNo, &[Key::Y]), None);
        assert_eq!(typed(Kind::YesNo, &[Key::Key1, Key::Enter]), None);
    }

    #[test]
    fn a_choice_is_typed_with_its_number() {
        assert_eq!(typed(Kind::Choice(3), &[Key::Key2, Key::Enter]), Some(1));
        assert_eq!(typed(Kind::Choice(3), &[Key::Key4, Key::Enter]), None);
        assert_eq!(typed(Kind::Choice(3), &[Key::Key0, Key::Enter]), None);
        assert_eq!(
            typed(Kind::Choice(3), &[Key::Right, Key::Right, Key::Enter]),
            Some(2)
        );
    }

    #[test]
    fn the_pain_scale_runs_from_green_to_red() {
        assert_eq!(pain_colour(0), FINE_COLOUR);
        assert_eq!(pain_colour(5), CAUTION_COLOUR);
        assert_eq!(pain_colour(PAIN_MAX), FLAG_COLOUR);
    }
}
