//! Questions put to the patient: yes/no and pain on the 0–10 scale, on the
//! terminal (a clinic's keyboard, or answers piped in).

use std::io::{BufRead, Write};

use anyhow::{bail, Context, Result};

/// Asks the patient questions.
pub trait Prompt {
    /// A yes/no question.
    fn yes_no(&mut self, question: &str) -> Result<bool>;
    /// Pain on the 0–10 numeric rating scale.
    fn pain(&mut self, question: &str) -> Result<u8>;
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

    fn answer(&mut self, question: &str, hint: &str) -> Result<String> {
        eprint!("{question} {hint} ");
        std::io::stderr().flush().ok();
        let mut line = String::new();
        let n = self
            .input
            .read_line(&mut line)
            .context("cannot read the answer")?;
        if n == 0 {
            bail!("no answer to \"{question}\": the input ended");
        }
        Ok(line.trim().to_lowercase())
    }
}

impl<R: BufRead> Prompt for Terminal<R> {
    fn yes_no(&mut self, question: &str) -> Result<bool> {
        loop {
            match self.answer(question, "[y/n]")?.as_str() {
                "y" | "yes" => return Ok(true),
                "n" | "no" => return Ok(false),
                _ => eprintln!("please answer y or n"),
            }
        }
    }

    fn pain(&mut self, question: &str) -> Result<u8> {
        loop {
            match self.answer(question, "[0-10]")?.parse::<u8>() {
                Ok(p) if p <= 10 => return Ok(p),
                _ => eprintln!("please answer with a number from 0 (no pain) to 10 (worst)"),
            }
        }
    }
}
