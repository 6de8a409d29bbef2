//! Questions put to the patient: yes/no, and pain on the 0–10 numeric
//! rating scale. In the window with the keyboard ([`WindowPrompt`]: number
//! keys, Y and N, Enter) when there is one, else on the terminal
//! ([`Terminal`]: a clinic's keyboard, or answers piped in).

mod screen;

use std::io::{BufRead, Write};

pub use screen::WindowPrompt;

use crate::ui::window::WindowError;

/// The highest pain score.
pub const PAIN_MAX: u8 = 10;
/// The most choices a question offers (each typed with one number key).
pub const MAX_CHOICES: u8 = 9;

/// Errors of asking a question.
#[derive(Debug, thiserror::Error)]
pub enum PromptError {
    /// The question went unanswered: the input ended, the window was
    /// closed, or Ctrl-C was pressed.
    #[error("no answer to \"{question}\": {why}")]
    Unanswered {
        /// The question.
        question: String,
        /// Why there is no answer.
        why: &'static str,
    },
    /// The answer cannot be read from the terminal.
    #[error("cannot read the answer: {0}")]
    Read(#[from] std::io::Error),
    /// The window failed.
    #[error(transparent)]
    Window(#[from] WindowError),
    /// The question cannot be drawn.
    #[error("cannot draw the question: {0}")]
    Draw(#[from] opencv::Error),
}

/// Asks the patient questions.
pub trait Prompt {
    /// A yes/no question.
    fn yes_no(&mut self, question: &str) -> Result<bool, PromptError>;
    /// Pain on the 0–10 numeric rating scale.
    fn pain(&mut self, question: &str) -> Result<u8, PromptError>;
    /// One of `options` (at most [`MAX_CHOICES`] are offered): its index.
    fn choose(&mut self, question: &str, options: &[&str]) -> Result<usize, PromptError>;
    /// A rating from 0 (`low`, the worst) to 10 (`high`, the best), such as
    /// how well an activity can be done.
    fn rating(&mut self, question: &str, low: &str, high: &str) -> Result<u8, PromptError>;
}

impl<P: Prompt + ?Sized> Prompt for &mut P {
    fn yes_no(&mut self, question: &str) -> Result<bool, PromptError> {
        (**self).yes_no(question)
    }

    fn pain(&mut self, question: &str) -> Result<u8, PromptError> {
        (**self).pain(question)
    }

    fn choose(&mut self, question: &str, options: &[&str]) -> Result<usize, PromptError> {
        (**self).choose(question, options)
    }

    fn rating(&mut self, question: &str, low: &str, high: &str) -> Result<u8, PromptError> {
        (**self).rating(question, low, high)
    }
}

/// Questions on standard error, answers from standard input.
pub struct Terminal<R: BufRead> {
    input: R,
}

impl<R: BufRead> Terminal<R> {
    /// Reads answers from `input`.
    pub fn new(input: R) -> Self {
        Terminal { input }
    }

    fn answer(&mut self, question: &str, hint: &str) -> Result<String, PromptError> {
        eprint!("{question} {hint} ");
        std::io::stderr().flush().ok();
        let mut line = String::new();
        if self.input.read_line(&mut line)? == 0 {
            return Err(PromptError::Unanswered {
                question: question.into(),
                why: "the input ended",
            });
        }
        Ok(line.trim().to_lowercase())
    }
}

impl<R: BufRead> Prompt for Terminal<R> {
    fn yes_no(&mut self, question: &str) -> Result<bool, PromptError> {
        loop {
            match self.answer(question, "[y/n]")?.as_str() {
                "y" | "yes" => return Ok(true),
                "n" | "no" => return Ok(false),
                _ => eprintln!("please answer y or n"),
            }
        }
    }

    fn pain(&mut self, question: &str) -> Result<u8, PromptError> {
        self.rating(question, "no pain", "worst")
    }

    fn rating(&mut self, question: &str, low: &str, high: &str) -> Result<u8, PromptError> {
        loop {
            match self.answer(question, "[0-10]")?.parse::<u8>() {
                Ok(p) if p <= PAIN_MAX => return Ok(p),
                _ => eprintln!("please answer with a number from 0 ({low}) to 10 ({high})"),
            }
        }
    }

    fn choose(&mut self, question: &str, options: &[&str]) -> Result<usize, PromptError> {
        let shown = &options[..options.len().min(usize::from(MAX_CHOICES))];
        let listed: Vec<String> = shown
            .iter()
            .enumerate()
            .map(|(i, o)| format!("{} {o}", i + 1))
            .collect();
        let question = format!("{question} ({})", listed.join(", "));
        let hint = format!("[1-{}]", shown.len());
        loop {
            match self.answer(&question, &hint)?.parse::<usize>() {
                Ok(n) if (1..=shown.len()).contains(&n) => return Ok(n - 1),
                _ => eprintln!("please answer with one of the numbers {hint}"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_terminal_asks_again_until_the_answer_makes_sense() {
        let mut terminal = Terminal::new("maybe\ny\n11\nx\n7\n0\n2\n".as_bytes());
        assert!(terminal.yes_no("Both legs?").unwrap());
        assert_eq!(terminal.pain("Pain?").unwrap(), 7);
        assert_eq!(terminal.choose("Why?", &["pain", "time"]).unwrap(), 1);
        let ended = terminal.pain("Pain after?").unwrap_err();
        assert!(
            matches!(
                ended,
                PromptError::Unanswered {
                    why: "the input ended",
                    ..
                }
            ),
            "{ended}"
        );
    }
}
